"""Minimal edits of a YAML file's text: append one item to a list, creating the list (and
the mappings above it) when missing, leaving every other byte as it was.

Loading and dumping the file with a YAML library would drop its comments (PyYAML) or
re-indent lists and change quoting (ruamel.yaml); a reviewer should see one added item or
line in the diff. PyYAML's node marks say where each value is written: the edit inserts
text there, then parses the result, which must hold the old data with the item appended.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml

Key = str | int


class EditError(ValueError):
    """The edit cannot be made safely; the message says what to add by hand."""


def append_item(text: str, path: tuple[Key, ...], item: str, *, create: bool) -> str | None:
    """``text`` with ``item`` appended to the list at ``path`` (keys and indices).

    An item already in the list leaves ``text`` as it is. A missing list (and missing
    mappings above it) is created when ``create``; otherwise the answer is None.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise EditError(f"not valid YAML: {exc}") from None
    node, found = _walk(root, path)
    if found == len(path):
        if not isinstance(node, yaml.SequenceNode):
            raise EditError(f"{_name(path)} is not a list")
        if any(isinstance(n, yaml.ScalarNode) and n.value == item for n in node.value):
            return text
        new = _append(text, node, item)
    elif not create:
        return None
    elif isinstance(node, yaml.MappingNode):
        new = _insert_key(text, node, path[found:], item)
    else:
        raise EditError(f"{_name(path[: found + 1])} cannot be added: its parent is not a mapping")
    _check(new, data, path, item)
    return new


def _walk(node: yaml.Node | None, path: tuple[Key, ...]) -> tuple[yaml.Node | None, int]:
    """The deepest node along ``path`` and how many keys of it exist."""
    for depth, key in enumerate(path):
        child = None
        if isinstance(node, yaml.MappingNode) and isinstance(key, str):
            child = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            child = node.value[key] if key < len(node.value) else None
        if child is None:
            return node, depth
        node = child
    return node, len(path)


def _append(text: str, seq: yaml.SequenceNode, item: str) -> str:
    items = seq.value
    style = items[-1].style if items and isinstance(items[-1], yaml.ScalarNode) else '"'
    scalar = _scalar(item, style)
    if seq.flow_style:
        if not items:
            at = text.index("[", seq.start_mark.index) + 1
            return text[:at] + scalar + text[at:]
        last = items[-1].end_mark.index
        sep = ", "
        if len(items) > 1:  # keep the list's own separator: "a","b" or "a", "b"
            sep = text[items[-2].end_mark.index : items[-1].start_mark.index]
        return text[:last] + sep + scalar + text[last:]
    start = items[-1].start_mark.index
    prefix = text[text.rfind("\n", 0, start) + 1 : start]  # "    - " before the last item
    if prefix.strip() != "-":
        raise EditError("the list's last item does not start its own '- ' line")
    return _insert_line(text, _last_leaf(items[-1]).end_mark.index, prefix + scalar)


def _insert_key(text: str, mapping: yaml.MappingNode, keys: tuple[Key, ...], item: str) -> str:
    if any(not isinstance(k, str) for k in keys):
        raise EditError(f"cannot create the list item {_name(keys)}")
    key, *rest = keys
    value = f"[{_scalar(item, _style(mapping))}]"
    for inner in reversed(rest):
        value = f"{{{inner}: {value}}}"
    entry = f"{key}: {value}"
    if mapping.flow_style:
        if not mapping.value:
            at = text.index("{", mapping.start_mark.index) + 1
            return text[:at] + entry + text[at:]
        last = mapping.value[-1][1].end_mark.index
        return text[:last] + ", " + entry + text[last:]
    indent = " " * mapping.value[0][0].start_mark.column
    return _insert_line(text, _last_leaf(mapping).end_mark.index, indent + entry)


def _insert_line(text: str, after: int, line: str) -> str:
    """Insert ``line`` after the line holding offset ``after`` (or the offset just past it)."""
    newline = "\r\n" if "\r\n" in text else "\n"
    if after > 0 and text[after - 1] == "\n":
        at = after  # the node ended with its line
    else:
        end = text.find("\n", after)
        if end < 0:
            return text + newline + line + newline
        at = end + 1
    return text[:at] + line + newline + text[at:]


def _last_leaf(node: yaml.Node) -> yaml.Node:
    """The node written last inside ``node`` (a flow collection is written as one piece)."""
    while isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.value:
        if node.flow_style:
            break
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return node


def _style(mapping: yaml.MappingNode) -> str | None:
    """The quoting of the first quoted string below ``mapping`` (double quotes if none)."""
    stack: list[yaml.Node] = [mapping]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode) and node.style in ('"', "'"):
            return node.style
        if isinstance(node, yaml.MappingNode):
            stack.extend(v for _k, v in reversed(node.value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
    return '"'


def _scalar(value: str, style: str | None) -> str:
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style is None and yaml.safe_load(f"[{value}]") == [value]:
        return value
    return json.dumps(value)


def _check(new: str, data: Any, path: tuple[Key, ...], item: str) -> None:
    expected = copy.deepcopy(data)
    node = expected
    for key in path[:-1]:
        node = node.setdefault(key, {}) if isinstance(node, dict) else node[key]
    node.setdefault(path[-1], []).append(item)  # type: ignore[union-attr]
    try:
        got = yaml.safe_load(new)
    except yaml.YAMLError:
        got = None
    if got != expected:
        raise EditError(f"adding {item!r} to {_name(path)} would change more than that")


def _name(path: tuple[Key, ...]) -> str:
    return "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in path).lstrip(".")
