"""JSON Schemas shipped with the plugin, and readable validation errors against them."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..problems import Problem, json_pointer

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator, ValidationError

LANES = "lanes.schema.json"
MANIFEST = "module_manifest.schema.json"
MATRIZ_NODE = "matriz_node.schema.json"
GATE_REPORT = "gate_report.schema.json"
PROMOTION_PLAN = "promotion_plan.schema.json"


_HERE = Path(__file__).parent  # the package ships as files; importlib.resources costs 10 ms


@cache
def schema_text(name: str) -> str:
    return (_HERE / name).read_text(encoding="utf-8")


@cache
def load_schema(name: str) -> dict[str, Any]:
    return json.loads(schema_text(name))


@cache
def validator(name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator  # imported on first use: it is slow to import

    return Draft202012Validator(load_schema(name))


def validate(
    name: str,
    instance: object,
    display: str,
    line_of: Callable[[tuple[str | int, ...]], int | None] = lambda _path: None,
) -> list[Problem]:
    """Problems of ``instance`` against schema ``name``, each with its pointer (and line)."""
    problems = []
    for error in _leaf_errors(validator(name).iter_errors(instance)):
        path = tuple(error.absolute_path)
        message, hint = describe(error)
        problems.append(
            Problem(display, message, line=line_of(path), pointer=json_pointer(path), hint=hint)
        )
    problems.sort(key=lambda p: (p.line or 0, p.pointer or ""))
    return problems


def _leaf_errors(errors: Iterator[ValidationError]) -> Iterator[ValidationError]:
    """For oneOf/anyOf failures report the branch that got furthest, not the whole union."""
    for error in errors:
        if error.context and error.validator in ("oneOf", "anyOf"):
            deepest = max(error.context, key=lambda e: len(e.absolute_path))
            if len(deepest.absolute_path) > len(error.absolute_path):
                yield from _leaf_errors(iter([deepest]))
                continue
        yield error


def _found(instance: object) -> str:
    kind = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    name = kind.get(type(instance)) or ("a number" if isinstance(instance, int | float) else "null")
    shown = json.dumps(instance, default=str)
    return name if len(shown) > 60 else f"{name} {shown}"


def describe(error: ValidationError) -> tuple[str, str | None]:
    """A sentence saying what was expected and what was found, and a fix when one is clear."""
    kind, schema, instance = error.validator, error.schema, error.instance
    hint = schema.get("description") if isinstance(schema, dict) else None
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"missing required key {missing!r}", f"add {missing!r}"
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = sorted(schema.get("properties", {}))
        extra = sorted(k for k in instance if k not in known and not _pattern_allowed(schema, k))
        suggestions = [difflib.get_close_matches(k, known, n=1) for k in extra]
        did_you_mean = [f"{k!r} -> {s[0]!r}" for k, s in zip(extra, suggestions, strict=True) if s]
        fix = f"did you mean {', '.join(did_you_mean)}?" if did_you_mean else None
        return (
            f"unknown key(s) {', '.join(map(repr, extra))}; expected one of {', '.join(known)}",
            fix or "remove it, or prefix an extension key with 'x-'",
        )
    if kind == "type":
        expected = schema["type"]
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"expected {expected}, found {_found(instance)}", hint
    if kind in ("enum", "const"):
        allowed = schema.get("enum", [schema.get("const")])
        return f"expected one of {json.dumps(allowed)}, found {_found(instance)}", hint
    if kind == "pattern":
        return f"found {_found(instance)}, which does not have the expected form", hint
    if kind in ("minItems", "minLength", "minProperties"):
        return f"expected at least {error.validator_value} item(s), found {_found(instance)}", hint
    if kind in ("maxItems", "maxLength", "maxProperties"):
        return f"expected at most {error.validator_value}, found {_found(instance)}", hint
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        return f"{error.message}", hint
    if kind == "uniqueItems":
        return f"expected unique items, found duplicates in {_found(instance)}", hint
    return error.message, hint


def _pattern_allowed(schema: dict[str, Any], key: str) -> bool:
    return any(re.search(p, key) for p in schema.get("patternProperties", {}))
