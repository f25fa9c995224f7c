"""Reading, checking, filling in and writing draaiboek templates (YAML, format kring-draaiboek/1).

Every problem is a TemplateError naming the file and the 1-based line of the offending node:
the YAML is composed (not loaded) so each value keeps its position, then checked against
schema.json, then against the rules a schema cannot express (activity settings, placeholders).
"""

from __future__ import annotations

import copy
import difflib
import json
import re
import unicodedata
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from pathlib import Path, PurePath
from typing import Any, Literal, cast

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from server.domain.agenda import valid_start_time
from server.domain.errors import DomainError
from server.domain.words import host_text
from server.draaiboek.model import FORMAT, ActivitySpec, BlockSpec, Placeholder, Template, TemplateError
from server.draaiboek.pacing import self_paced_problem
from server.kinds import is_private, settings_for
from server.text import N_, Text

Path_ = tuple[str | int, ...]

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
VALUE_MAX_LENGTH = 200
# The bounds of a template, checked while the YAML is composed, so a file past one stops there:
# no deep recursion (a 3 KB file of 1,500 nested '[' overflowed Python's stack) and no seconds
# spent building what would be refused anyway (a 1 MB file of 30,000 blocks took 3.5 s).
MAX_CHARACTERS = 1_000_000
MAX_DEPTH = 40
MAX_BLOCKS = 100  # as schema.json
MAX_ACTIVITIES = 500  # in all blocks together (each block at most 50, schema.json)
MAX_VALUES = 50_000  # YAML nodes: keys, values, list items
_BUILTIN = "builtin"

# -- YAML: the 1.2 core schema, so `no`, `on` and `10:30` stay text ---------------------------

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*|[0-9]+(?=[eE]))(?:[eE][-+]?[0-9]+)?$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_RESOLVERS: tuple[tuple[str, re.Pattern[str], list[str]], ...] = (
    ("tag:yaml.org,2002:bool", _BOOL, list("tTfF")),
    ("tag:yaml.org,2002:int", _INT, list("-+0123456789")),
    ("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789.")),
    ("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""]),
)


class _Bound(Exception):
    """A template past one of its bounds, found while composing: the line and which bound."""

    def __init__(self, line: int, problem: Text) -> None:
        super().__init__(problem)
        self.line = line
        self.problem = problem


class _Loader(yaml.SafeLoader):
    """Reads plain scalars as YAML 1.2 does: only true/false are booleans, no times or dates.

    Composing counts as it goes and stops at the first bound passed (see MAX_*)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._path: list[object] = []  # the keys and indexes of the nodes being composed
        self._values = 0
        self._activities = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        # ``index``: a list item's position, a mapping value's key node, None for keys (typeshed
        # says int only)
        key: object = index
        step = key.value if isinstance(key, yaml.ScalarNode) else key
        self._values += 1
        if self._values > MAX_VALUES:
            self._stop(N_("more than {n} values (keys, texts and list items)", n=MAX_VALUES))
        if len(self._path) > MAX_DEPTH:
            self._stop(N_("nested more than {n} levels deep", n=MAX_DEPTH))
        path = self._path
        if isinstance(step, int) and len(path) == 2 and path[1] == "blocks" and step >= MAX_BLOCKS:
            self._stop(N_("more than {n} blocks", n=MAX_BLOCKS))
        if isinstance(step, int) and len(path) == 4 and path[1] == "blocks" and path[3] == "activities":
            self._activities += 1
            if self._activities > MAX_ACTIVITIES:
                self._stop(N_("more than {n} activities in all blocks together", n=MAX_ACTIVITIES))
        path.append(step)
        try:
            return super().compose_node(parent, index)
        finally:
            path.pop()

    def _stop(self, problem: Text) -> None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        raise _Bound(event.start_mark.line + 1, problem)


_Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in _RESOLVERS:
    _Loader.add_implicit_resolver(_tag, _pattern, _first)


class _Dumper(yaml.SafeDumper):
    """Quotes any text that YAML 1.1 or 1.2 would read as something else; long text as a | block."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # list items indented under their key


for _tag, _pattern, _first in _RESOLVERS:
    _Dumper.add_implicit_resolver(_tag, _pattern, _first)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar(_STR, value, style=style)


_Dumper.add_representer(str, _represent_str)


# -- public API -------------------------------------------------------------------------------


def parse(text: str, source: str = "<template>") -> Template:
    """YAML text to a checked Template; a TemplateError names the line of the first problem."""
    if len(text) > MAX_CHARACTERS:
        raise TemplateError(source, None, N_("the file is longer than {n} characters", n=MAX_CHARACTERS))
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "unreadable"  # PyYAML's own words stay English
        said: Text = N_("not valid YAML: {problem}", problem=problem)
        if exc.context and exc.problem:
            said = N_("not valid YAML: {problem} ({context})", problem=problem, context=exc.context)
            if exc.context_mark is not None and mark is not exc.context_mark:
                said = N_(
                    "not valid YAML: {problem} ({context} that starts on line {line})",
                    problem=problem,
                    context=exc.context,
                    line=exc.context_mark.line + 1,
                )
        raise TemplateError(source, line, said) from None
    except yaml.YAMLError as exc:
        raise TemplateError(source, None, N_("not valid YAML: {problem}", problem=str(exc))) from None
    except _Bound as exc:
        raise TemplateError(source, exc.line, exc.problem) from None
    if root is None:
        raise TemplateError(
            source, 1, N_("the file is empty; a template starts with 'format: {format}'", format=FORMAT)
        )
    doc = _Document(source)
    data = doc.build(root, ())
    doc.check_format(data)
    _schema_check(data, doc)
    _semantic_check(data, doc)
    return _template(data, source)


def load_file(path: Path) -> Template:
    """Read and check a template file; problems name the file and line."""
    return parse(path.read_text(encoding="utf-8"), path.name)


def builtin_names() -> list[str]:
    """The templates that ship with Kring, sorted."""
    folder = resources.files(__package__ or "server.draaiboek").joinpath(_BUILTIN)
    return sorted(item.name.removesuffix(".yaml") for item in folder.iterdir() if item.name.endswith(".yaml"))


def load_builtin(name: str) -> Template:
    """A template that ships with Kring, by name; unknown names list the known ones."""
    known = builtin_names()
    if name not in known:
        raise TemplateError(
            name or "<template>",
            None,
            N_("unknown template {name}; known templates: {known}", name=repr(name), known=", ".join(known)),
        )
    file = resources.files(__package__ or "server.draaiboek").joinpath(_BUILTIN, f"{name}.yaml")
    return parse(file.read_text(encoding="utf-8"), f"{name}.yaml")


def fill(template: Template, values: Mapping[str, str]) -> Template:
    """Replace every {{name}} by its value (or the placeholder's default).

    The result has no placeholders left; it is checked again, since values make text longer.
    """
    source = template.name
    declared = {p.name: p for p in template.placeholders}
    unknown = sorted(str(key) for key in values if key not in declared)
    if unknown:
        asks = ", ".join(declared) or N_("nothing")
        raise TemplateError(
            source,
            None,
            N_(
                "unknown placeholder value {names}; this template asks for: {asks}",
                names=", ".join(unknown),
                asks=asks,
            ),
        )
    filled: dict[str, str] = {}
    for placeholder in template.placeholders:
        raw = values.get(placeholder.name)
        if raw is None:
            if placeholder.default is None:
                raise TemplateError(source, None, _missing_value(placeholder))
            filled[placeholder.name] = placeholder.default
            continue
        filled[placeholder.name] = _clean_value(source, placeholder, raw)

    def sub(text: str) -> str:
        return PLACEHOLDER.sub(lambda m: filled.get(m.group(1), m.group(0)), text)

    result = Template(
        name=template.name,
        title=sub(template.title),
        language=template.language,
        description=sub(template.description),
        theme=sub(template.theme),
        placeholders=(),
        preparation=sub(template.preparation),
        blocks=tuple(
            BlockSpec(
                title=sub(b.title),
                duration_minutes=b.duration_minutes,
                start_time=b.start_time,
                goal=sub(b.goal),
                description=sub(b.description),
                who=sub(b.who),
                materials=sub(b.materials),
                essential=b.essential,
                is_break=b.is_break,
                self_paced=b.self_paced,
                activities=tuple(
                    ActivitySpec(
                        kind=a.kind,
                        prompt=sub(a.prompt),
                        settings=cast(dict[str, Any], _map_strings(a.settings, sub)),
                        show_results_presenter=a.show_results_presenter,
                        show_results_phones=a.show_results_phones,
                    )
                    for a in b.activities
                ),
            )
            for b in template.blocks
        ),
    )
    doc = _Document(source, lines=False)
    data = _data(result)
    _schema_check(data, doc)
    _semantic_check(data, doc)
    return result


def to_yaml(template: Template) -> str:
    """The template as a YAML file; ``parse(to_yaml(t)) == t``. Defaults are left out."""
    header = "# Kring draaiboek template; see docs/templates.md for the format.\n"
    body = yaml.dump(
        _data(template), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2
    )
    return header + body


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the YAML format: a fresh copy of schema.json."""
    return copy.deepcopy(_schema())


# -- reading the YAML nodes -------------------------------------------------------------------


class _Document:
    """The data of a composed YAML document, with the node (and key node) behind every path."""

    def __init__(self, source: str, *, lines: bool = True) -> None:
        self.source = source
        self.lines = lines
        self.nodes: dict[Path_, yaml.Node] = {}
        self.keys: dict[Path_, yaml.Node] = {}
        self.seen: set[int] = set()

    def fail(self, path: Path_, problem: str, *, key: bool = False, offset: int = 0) -> TemplateError:
        return TemplateError(self.source, self.line(path, key=key, offset=offset), problem)

    def line(self, path: Path_, *, key: bool = False, offset: int = 0) -> int | None:
        if not self.lines:
            return None
        node = self.keys.get(path) if key else None
        while node is None:
            node = self.nodes.get(path)
            if node is None:
                if not path:
                    return 1
                path = path[:-1]
        key_node = self.keys.get(path)
        if key_node is not None and not isinstance(node, yaml.ScalarNode):
            node = key_node  # a block mapping or list starts on the line after its key
        return node.start_mark.line + 1 + offset

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.nodes[path] = node
        if id(node) in self.seen:  # an alias (*name): refused, so a small file stays small
            raise self.fail(
                path, N_("{where}: anchors and aliases (& and *) are not supported", where=_where(path))
            )
        self.seen.add(id(node))
        if not isinstance(node, yaml.ScalarNode) and node.tag not in (_SEQ, _MAP):
            raise self.fail(path, _unsupported_tag(path, node.tag))
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = self.scalar(key_node, path) if isinstance(key_node, yaml.ScalarNode) else None
                if not isinstance(key, str):
                    line = key_node.start_mark.line + 1
                    raise TemplateError(
                        self.source, line, N_("{where}: keys must be text", where=_where(path))
                    )
                if key in out:
                    line = key_node.start_mark.line + 1
                    twice = N_("{where}: the key appears twice", where=_where((*path, key)))
                    raise TemplateError(self.source, line, twice)
                self.keys[(*path, key)] = key_node
                out[key] = self.build(value_node, (*path, key))
            return out
        raise self.fail(path, N_("unreadable YAML node"))  # pragma: no cover - compose makes only these

    def scalar(self, node: yaml.ScalarNode, path: Path_) -> Any:
        tag, value = node.tag, node.value
        try:
            if tag == _STR:
                return host_text(value, field=_where(path))
            if tag == "tag:yaml.org,2002:null":
                return None
            if tag == "tag:yaml.org,2002:bool":
                return value.lower() == "true"
            if tag == "tag:yaml.org,2002:int":
                return int(value, 10)
            if tag == "tag:yaml.org,2002:float":
                return float(value)
        except DomainError as exc:  # a control character, noncharacter or stack of marks ("\0" in YAML)
            raise TemplateError(self.source, node.start_mark.line + 1, exc.message) from None
        except ValueError:
            raise TemplateError(
                self.source,
                node.start_mark.line + 1,
                N_("{where}: {value} is not a valid {tag}", where=_where(path), value=repr(value), tag=tag),
            ) from None
        raise TemplateError(self.source, node.start_mark.line + 1, _unsupported_tag(path, tag))

    def check_format(self, data: Any) -> None:
        if not isinstance(data, dict):
            raise self.fail((), N_("a template is a YAML mapping of keys (format, title, blocks, ...)"))
        if "format" not in data:
            raise self.fail(
                (), N_("missing 'format: {format}' (the first key of every template)", format=FORMAT)
            )
        if data["format"] != FORMAT:
            raise self.fail(
                ("format",),
                N_("format: must be {expected}, got {got}", expected=repr(FORMAT), got=_show(data["format"])),
            )


# -- checks -----------------------------------------------------------------------------------


@cache
def _schema() -> dict[str, Any]:
    text = resources.files(__package__ or "server.draaiboek").joinpath("schema.json").read_text("utf-8")
    return cast(dict[str, Any], json.loads(text))


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(_schema())


def _schema_check(data: Any, doc: _Document) -> None:
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
    "kind": N_("must be one of open, wordcloud, scales, checkout, choice, groups, cards"),
    "settings": N_("must be a mapping of settings (key: value)"),
}


def _describe(error: ValidationError, doc: _Document) -> tuple[int | None, int, Text]:
    """(line, depth, plain words) for one schema error."""
    path: Path_ = tuple(error.absolute_path)
    where = _where(path)
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
    return N_("{where}: {expectation}, got {got}", where=where, expectation=expectation, got=_show(value))


def _missing_value(placeholder: Placeholder) -> Text:
    return N_(
        "missing a value for placeholder {name} ({label})",
        name=repr(placeholder.name),
        label=placeholder.label,
    )


def _unsupported_tag(path: Path_, tag: str) -> Text:
    return N_("{where}: the YAML tag {tag} is not supported", where=_where(path), tag=tag)


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


def _semantic_check(data: dict[str, Any], doc: _Document) -> None:
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
                where = _where((*path, "settings"))
                raise doc.fail(
                    (*path, "settings"), N_("{where}: {problem}", where=where, problem=exc.message)
                ) from None
            for key in ("show_results_presenter", "show_results_phones"):
                if is_private(activity["kind"], settings) and activity.get(key) is True:
                    raise doc.fail(
                        (*path, key),
                        N_(
                            "{where}: a private activity (settings.private: true) starts "
                            "with its results hidden and the facilitator shows them from the remote; "
                            "leave {key} out",
                            where=_where((*path, key)),
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
                where=_where(path),
                found=match.group(0),
                advice=advice,
            )
            raise doc.fail(path, problem, offset=offset)


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


def _map_strings(value: Any, change: Any) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {key: _map_strings(item, change) for key, item in value.items()}
    if isinstance(value, list):
        return [_map_strings(item, change) for item in value]
    return value


def _clean_value(source: str, placeholder: Placeholder, raw: object) -> str:
    name = placeholder.name
    if not isinstance(raw, str):
        raise TemplateError(source, None, N_("the value for {name} must be text", name=repr(name)))
    value = raw.strip()
    if placeholder.default is None and not value:
        raise TemplateError(source, None, _missing_value(placeholder))
    if len(value) > VALUE_MAX_LENGTH:
        raise TemplateError(
            source,
            None,
            N_(
                "the value for {name} is {n} characters; the maximum is {max}",
                name=repr(name),
                n=len(value),
                max=VALUE_MAX_LENGTH,
            ),
        )
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise TemplateError(
            source, None, N_("the value for {name} contains control characters", name=repr(name))
        )
    if "{{" in value or "}}" in value:
        raise TemplateError(
            source,
            None,
            N_(
                "the value for {name} may not contain {open} or {close}",
                name=repr(name),
                open="{{",
                close="}}",
            ),
        )
    return unicodedata.normalize("NFC", value)


# -- between data and Template ----------------------------------------------------------------


def _template(data: dict[str, Any], source: str) -> Template:
    language: Literal["nl", "en"] = "en" if data.get("language") == "en" else "nl"
    return Template(
        name=data.get("name") or _name_from(source),
        title=data["title"],
        language=language,
        description=data.get("description", ""),
        theme=data.get("theme", ""),
        placeholders=tuple(
            Placeholder(name=p["name"], label=p["label"], default=p.get("default"))
            for p in data.get("placeholders", [])
        ),
        preparation=data.get("preparation", ""),
        blocks=tuple(
            BlockSpec(
                title=b["title"],
                duration_minutes=b["duration"],
                start_time=b.get("start"),
                goal=b.get("goal", ""),
                description=b.get("description", ""),
                who=b.get("who", ""),
                materials=b.get("materials", ""),
                essential=not b.get("optional", False),
                is_break=b.get("break", False),
                self_paced=b.get("self_paced", False),
                activities=tuple(
                    ActivitySpec(
                        kind=a["kind"],
                        prompt=a["prompt"],
                        settings=dict(a.get("settings", {})),
                        show_results_presenter=a.get("show_results_presenter", not _private(a)),
                        show_results_phones=a.get("show_results_phones", False),
                    )
                    for a in b.get("activities", [])
                ),
            )
            for b in data["blocks"]
        ),
    )


def _data(template: Template) -> dict[str, Any]:
    """The YAML/JSON form of a template, defaults left out."""
    out: dict[str, Any] = {"format": FORMAT, "name": template.name, "title": template.title}
    out["language"] = template.language
    for key in ("description", "theme"):
        if getattr(template, key):
            out[key] = getattr(template, key)
    if template.placeholders:
        out["placeholders"] = [
            {"name": p.name, "label": p.label} | ({} if p.default is None else {"default": p.default})
            for p in template.placeholders
        ]
    if template.preparation:
        out["preparation"] = template.preparation
    out["blocks"] = [_block_data(block) for block in template.blocks]
    return out


def _block_data(block: BlockSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"title": block.title, "duration": block.duration_minutes}
    if block.start_time is not None:
        out["start"] = block.start_time
    for key in ("goal", "description", "who", "materials"):
        if getattr(block, key):
            out[key] = getattr(block, key)
    if not block.essential:
        out["optional"] = True
    if block.is_break:
        out["break"] = True
    if block.self_paced:
        out["self_paced"] = True
    if block.activities:
        out["activities"] = [_activity_data(activity) for activity in block.activities]
    return out


def _activity_data(activity: ActivitySpec) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": activity.kind, "prompt": activity.prompt}
    if activity.settings:
        out["settings"] = copy.deepcopy(activity.settings)
    if activity.show_results_presenter != (not activity.settings.get("private", False)):
        out["show_results_presenter"] = activity.show_results_presenter
    if activity.show_results_phones:
        out["show_results_phones"] = True
    return out


def _private(activity: Mapping[str, Any]) -> bool:
    """Facilitator-only answers: their results start hidden on the big screen."""
    return bool(activity.get("settings", {}).get("private", False))


def _name_from(source: str) -> str:
    stem = re.sub(r"[^a-z0-9_-]+", "-", PurePath(source).stem.lower()).strip("-_")
    return stem[:64] if NAME.match(stem[:64]) else "template"


def _where(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "the template"


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return N_("a mapping")
    if isinstance(value, list):
        return N_("a list")
    if isinstance(value, str) and len(value) > 60:
        return N_("text of {n} characters", n=len(value))
    return json.dumps(value, ensure_ascii=False)
