"""Checking a template's data: against schema.json, then the rules a schema cannot express
(activity settings through the kinds' registry, placeholders), in plain words with a line."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any, cast

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from server.domain.agenda import valid_start_time
from server.domain.errors import DomainError
from server.draaiboek.model import Placeholder, TemplateError
from server.draaiboek.nodes import Document, Path_, show_value, where_text
from server.draaiboek.pacing import self_paced_problem
from server.kinds import is_private, measure, names, settings_for
from server.text import N_, Text

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


@cache
def template_schema() -> dict[str, Any]:
    text = resources.files("server.draaiboek").joinpath("schema.json").read_text("utf-8")
    return cast(dict[str, Any], json.loads(text))


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(template_schema())


def schema_check(data: Any, doc: Document) -> None:
    errors = list(_validator().iter_errors(data))
    if not errors:
        return
    problems = [_describe(error, doc) for error in errors]
    line, _, problem = min(problems, key=lambda p: (p[0] or 0, -p[1]))
    raise TemplateError(doc.source, line, problem)


_SPECIAL: dict[str, Text] = {
    "duration": N_("must be a whole number of minutes from 1 to 1440"),
    "start": N_('must be a time written as "HH:MM" (00:00 to 23:59)'),
    "language": N_('must be "nl" or "en"'),
    "kind": N_("must be one of {kinds}", kinds=", ".join(names())),  # the registry's, never by hand
    "settings": N_("must be a mapping of settings (key: value)"),
}


def _describe(error: ValidationError, doc: Document) -> tuple[int | None, int, Text]:
    """(line, depth, plain words) for one schema error."""
    path: Path_ = tuple(error.absolute_path)
    where = where_text(path)
    instance = error.instance
    depth = len(path)
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = list(schema.get("properties", {}))
        extra = [key for key in instance if key not in allowed]
        key = extra[0]
        hint = difflib.get_close_matches(key, allowed, n=1)
        problem = N_(
            "unknown key {key}{inside}{mean}; allowed keys: {allowed}",
            key=repr(key),
            inside=N_(" in {where}", where=where) if path else "",
            mean=N_(" (did you mean {hint}?)", hint=repr(hint[0])) if hint else "",
            allowed=", ".join(allowed),
        )
        return doc.line((*path, key), key=True), depth + 1, problem
    if error.validator == "required" and isinstance(instance, dict):
        required = error.validator_value if isinstance(error.validator_value, list) else []
        missing = [key for key in required if key not in instance] or ["?"]
        if path:
            return (
                doc.line(path),
                depth,
                N_("{where}: missing the required key {key}", where=where, key=repr(missing[0])),
            )
        return doc.line(path), depth, N_("missing the required key {key}", key=repr(missing[0]))
    if error.validator == "minItems" and path == ("blocks",):
        return doc.line(path), depth, _NO_BLOCKS
    expectation = _expectation(path, schema)
    if expectation is None:  # jsonschema's own words stay English
        return doc.line(path), depth, N_("{where}: {problem}", where=where, problem=error.message)
    return doc.line(path), depth, _got(where, expectation, instance)


_NO_BLOCKS = N_("blocks: a template needs at least one block")


def _got(where: str, expectation: Text, value: Any) -> Text:
    return N_(
        "{where}: {expectation}, got {got}", where=where, expectation=expectation, got=show_value(value)
    )


def missing_value(placeholder: Placeholder) -> Text:
    return N_(
        "missing a value for placeholder {name} ({label})",
        name=repr(placeholder.name),
        label=placeholder.label,
    )


def _expectation(path: Path_, schema: Mapping[str, Any]) -> Text | None:
    key = next((part for part in reversed(path) if isinstance(part, str)), "")
    if key == "name" and path[:1] == ("placeholders",):
        return N_("must be a name of lowercase letters, digits and _ that starts with a letter (at most 40)")
    if key == "name":
        return N_("must be a short id of lowercase letters, digits, - and _ (at most 64)")
    if key in _SPECIAL and path and path[-1] == key:
        return _SPECIAL[key]
    json_type = schema.get("type")
    if json_type in ("string", ["string", "null"]):
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        if high:
            if low == 0:
                return N_("must be text of at most {n} characters", n=high)
            return N_("must be non-empty text of at most {n} characters", n=high)
        return N_("must be text") if low == 0 else N_("must be non-empty text")
    if json_type == "boolean":
        return N_("must be true or false")
    if json_type == "integer":
        return N_(
            "must be a whole number from {low} to {high}",
            low=schema.get("minimum"),
            high=schema.get("maximum"),
        )
    if json_type == "array":
        most = schema.get("maxItems")
        return N_("must be a list of at most {n} items", n=most) if most else N_("must be a list")
    if json_type == "object":
        return N_("must be a mapping (key: value)")
    return None


def semantic_check(data: dict[str, Any], doc: Document) -> None:
    placeholders: list[dict[str, Any]] = data.get("placeholders", [])
    seen: set[str] = set()
    for i, placeholder in enumerate(placeholders):
        name = placeholder["name"]
        if name in seen:
            raise doc.fail(
                ("placeholders", i, "name"),
                N_("placeholders[{i}]: the placeholder {name} is declared twice", i=i, name=repr(name)),
            )
        seen.add(name)
    blocks: list[dict[str, Any]] = data["blocks"]
    if not blocks:
        raise doc.fail(("blocks",), _NO_BLOCKS)
    links: set[str] = set()
    for i, block in enumerate(blocks):
        start = block.get("start")
        if start is not None and not valid_start_time(start):
            raise doc.fail(("blocks", i, "start"), _got(f"blocks[{i}].start", _SPECIAL["start"], start))
        found = self_paced_problem(block, f"blocks[{i}]") if block.get("self_paced") else None
        if found is not None:
            raise doc.fail(("blocks", i, *found[0]), found[1])
        for j, activity in enumerate(block.get("activities", [])):
            path: Path_ = ("blocks", i, "activities", j)
            try:
                settings = settings_for(activity["kind"], activity.get("settings"))
            except DomainError as exc:
                where = where_text((*path, "settings"))
                raise doc.fail(
                    (*path, "settings"), N_("{where}: {problem}", where=where, problem=exc.message)
                ) from None
            link = activity.get("link")
            if link is not None:
                _check_link(
                    doc, (*path, "link"), link, links, measure(activity["kind"], settings) is not None
                )
            for key in ("show_results_presenter", "show_results_phones"):
                if is_private(activity["kind"], settings) and activity.get(key) is True:
                    raise doc.fail(
                        (*path, key),
                        N_(
                            "{where}: a private activity (settings.private: true) starts "
                            "with its results hidden and the facilitator shows them from the remote; "
                            "leave {key} out",
                            where=where_text((*path, key)),
                            key=key,
                        ),
                    )
    for path, text in _strings(data):
        for match in PLACEHOLDER.finditer(text):
            name = match.group(1)
            if name in seen:
                continue
            hint = difflib.get_close_matches(name, sorted(seen), n=1)
            if hint:
                advice = N_("did you mean {hint}?", hint="{{" + hint[0] + "}}")
            elif seen:
                advice = N_("declared placeholders: {names}", names=", ".join(sorted(seen)))
            else:
                advice = N_("declare it under placeholders")
            offset = 0
            node = doc.nodes.get(path)
            if isinstance(node, yaml.ScalarNode) and node.style == "|":
                offset = 1 + text.count("\n", 0, match.start())
            problem = N_(
                "{where}: unknown placeholder {found}; {advice}",
                where=where_text(path),
                found=match.group(0),
                advice=advice,
            )
            raise doc.fail(path, problem, offset=offset)


def _check_link(doc: Document, path: Path_, link: str, seen: set[str], comparable: bool) -> None:
    """A link names one measurement, repeated across a series: once per meeting, on a kind that
    compares (the registry's facet)."""
    if not comparable:
        raise doc.fail(
            path,
            N_(
                "{where}: only an activity that can be compared (a scale) takes a link",
                where=where_text(path),
            ),
        )
    if link in seen:
        raise doc.fail(
            path,
            N_(
                "{where}: the link {link} is used twice in one meeting",
                where=where_text(path),
                link=repr(link),
            ),
        )
    seen.add(link)


def _strings(data: dict[str, Any]) -> Iterator[tuple[Path_, str]]:
    """Every text that may hold {{placeholders}}, with its path."""
    for key in ("title", "description", "theme", "preparation"):
        if isinstance(data.get(key), str):
            yield (key,), data[key]
    for i, block in enumerate(data["blocks"]):
        for key in ("title", "goal", "description", "who", "materials"):
            if isinstance(block.get(key), str):
                yield ("blocks", i, key), block[key]
        for j, activity in enumerate(block.get("activities", [])):
            path: Path_ = ("blocks", i, "activities", j)
            yield (*path, "prompt"), activity["prompt"]
            yield from _nested_strings(activity.get("settings", {}), (*path, "settings"))


def _nested_strings(value: Any, path: Path_) -> Iterator[tuple[Path_, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _nested_strings(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _nested_strings(item, (*path, i))
