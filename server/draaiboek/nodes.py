"""Reading a draaiboek template's YAML: the 1.2 core schema, the bounds checked while composing,
and the node (so the line) behind every path of the data; and writing it back.

The YAML is composed (not loaded) so each value keeps its position for TemplateError's line.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from server.domain.errors import DomainError
from server.domain.words import host_text
from server.draaiboek.model import FORMAT, TemplateError
from server.text import N_, Text

Path_ = tuple[str | int, ...]

# The bounds of a template, checked while the YAML is composed, so a file past one stops there:
# no deep recursion (a 3 KB file of 1,500 nested '[' overflowed Python's stack) and no seconds
# spent building what would be refused anyway (a 1 MB file of 30,000 blocks took 3.5 s).
MAX_CHARACTERS = 1_000_000
MAX_DEPTH = 40
MAX_BLOCKS = 100  # as schema.json
MAX_ACTIVITIES = 500  # in all blocks together (each block at most 50, schema.json)
MAX_VALUES = 50_000  # YAML nodes: keys, values, list items

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


class Bound(Exception):
    """A template past one of its bounds, found while composing: the line and which bound."""

    def __init__(self, line: int, problem: Text) -> None:
        super().__init__(problem)
        self.line = line
        self.problem = problem


class Loader(yaml.SafeLoader):
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
        raise Bound(event.start_mark.line + 1, problem)


Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in _RESOLVERS:
    Loader.add_implicit_resolver(_tag, _pattern, _first)


class Dumper(yaml.SafeDumper):
    """Quotes any text that YAML 1.1 or 1.2 would read as something else; long text as a | block."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # list items indented under their key


for _tag, _pattern, _first in _RESOLVERS:
    Dumper.add_implicit_resolver(_tag, _pattern, _first)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar(_STR, value, style=style)


Dumper.add_representer(str, _represent_str)


class Document:
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
                path, N_("{where}: anchors and aliases (& and *) are not supported", where=where_text(path))
            )
        self.seen.add(id(node))
        if not isinstance(node, yaml.ScalarNode) and node.tag not in (_SEQ, _MAP):
            raise self.fail(path, unsupported_tag(path, node.tag))
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
                        self.source, line, N_("{where}: keys must be text", where=where_text(path))
                    )
                if key in out:
                    line = key_node.start_mark.line + 1
                    twice = N_("{where}: the key appears twice", where=where_text((*path, key)))
                    raise TemplateError(self.source, line, twice)
                self.keys[(*path, key)] = key_node
                out[key] = self.build(value_node, (*path, key))
            return out
        raise self.fail(path, N_("unreadable YAML node"))  # pragma: no cover - compose makes only these

    def scalar(self, node: yaml.ScalarNode, path: Path_) -> Any:
        tag, value = node.tag, node.value
        try:
            if tag == _STR:
                return host_text(value, field=where_text(path))
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
                N_(
                    "{where}: {value} is not a valid {tag}",
                    where=where_text(path),
                    value=repr(value),
                    tag=tag,
                ),
            ) from None
        raise TemplateError(self.source, node.start_mark.line + 1, unsupported_tag(path, tag))

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
                N_(
                    "format: must be {expected}, got {got}",
                    expected=repr(FORMAT),
                    got=show_value(data["format"]),
                ),
            )


def unsupported_tag(path: Path_, tag: str) -> Text:
    return N_("{where}: the YAML tag {tag} is not supported", where=where_text(path), tag=tag)


def where_text(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "the template"


def show_value(value: Any) -> str:
    if isinstance(value, dict):
        return N_("a mapping")
    if isinstance(value, list):
        return N_("a list")
    if isinstance(value, str) and len(value) > 60:
        return N_("text of {n} characters", n=len(value))
    return json.dumps(value, ensure_ascii=False)
