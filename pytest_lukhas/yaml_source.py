"""YAML loading that remembers where each value came from.

PyYAML's ``safe_load`` forgets line numbers and silently keeps the last of two duplicate
keys. Loading through the node graph keeps, for every path of keys and indices, the line
it was written on, and turns duplicate keys into problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .problems import ConfigError, Problem, json_pointer

PathKey = tuple[str | int, ...]


@dataclass
class YamlDocument:
    data: object
    lines: dict[PathKey, int] = field(default_factory=dict)
    text: str = ""  # what was parsed

    def line_of(self, path: PathKey) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        key = tuple(str(p) if isinstance(p, str) else p for p in path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), None)


def load_yaml(path: Path, display: str) -> YamlDocument:
    """Parse ``path``; raise :class:`ConfigError` for unreadable, invalid or duplicate-key YAML."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            [Problem(display, "file not found", hint="create it or point the gate at yours")]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(display, f"cannot read the file: {exc}")]) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        message = f"invalid YAML: {what}" + (f" ({context})" if context else "")
        raise ConfigError([Problem(display, message, line=line)]) from None
    doc = YamlDocument(data, text=text)
    problems: list[Problem] = []
    if node is not None:
        _index(node, (), doc.lines, problems, display)
    if problems:
        raise ConfigError(problems)
    return doc


def _index(
    node: yaml.Node,
    path: PathKey,
    lines: dict[PathKey, int],
    problems: list[Problem],
    display: str,
) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem(
                        display,
                        f"duplicate key {key!r} (first written on line {seen[key]})",
                        line=line,
                        pointer=json_pointer((*path, key)),
                        hint="keep one of the two; YAML would silently drop the first",
                    )
                )
                continue
            seen[key] = line
            lines[(*path, key)] = line
            _index(value_node, (*path, key), lines, problems, display)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index(item, (*path, index), lines, problems, display)
