"""Reading, checking, filling in and writing draaiboek templates (YAML, format kring-draaiboek/1).

Every problem is a TemplateError naming the file and the 1-based line of the offending node:
the YAML is composed (not loaded) so each value keeps its position, then checked against
schema.json, then against the rules a schema cannot express (activity settings, placeholders).
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Mapping
from importlib import resources
from pathlib import Path, PurePath
from typing import Any, Literal, cast

import yaml

from server.draaiboek.checks import PLACEHOLDER, missing_value, schema_check, semantic_check, template_schema
from server.draaiboek.model import FORMAT, ActivitySpec, BlockSpec, Placeholder, Template, TemplateError
from server.draaiboek.nodes import MAX_CHARACTERS, Bound, Document, Dumper, Loader
from server.text import N_, Text

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
VALUE_MAX_LENGTH = 200
_BUILTIN = "builtin"


# -- public API -------------------------------------------------------------------------------


def parse(text: str, source: str = "<template>") -> Template:
    """YAML text to a checked Template; a TemplateError names the line of the first problem."""
    if len(text) > MAX_CHARACTERS:
        raise TemplateError(source, None, N_("the file is longer than {n} characters", n=MAX_CHARACTERS))
    try:
        root = yaml.compose(text, Loader=Loader)
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
    except Bound as exc:
        raise TemplateError(source, exc.line, exc.problem) from None
    if root is None:
        raise TemplateError(
            source, 1, N_("the file is empty; a template starts with 'format: {format}'", format=FORMAT)
        )
    doc = Document(source)
    data = doc.build(root, ())
    doc.check_format(data)
    schema_check(data, doc)
    semantic_check(data, doc)
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
                raise TemplateError(source, None, missing_value(placeholder))
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
                        link=a.link,
                    )
                    for a in b.activities
                ),
            )
            for b in template.blocks
        ),
    )
    doc = Document(source, lines=False)
    data = _data(result)
    schema_check(data, doc)
    semantic_check(data, doc)
    return result


def to_yaml(template: Template) -> str:
    """The template as a YAML file; ``parse(to_yaml(t)) == t``. Defaults are left out."""
    header = "# Kring draaiboek template; see docs/templates.md for the format.\n"
    body = yaml.dump(_data(template), Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2)
    return header + body


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the YAML format: a fresh copy of schema.json."""
    return copy.deepcopy(template_schema())


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
        raise TemplateError(source, None, missing_value(placeholder))
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
                        link=a.get("link"),
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
    if activity.link is not None:
        out["link"] = activity.link
    return out


def _private(activity: Mapping[str, Any]) -> bool:
    """Facilitator-only answers: their results start hidden on the big screen."""
    return bool(activity.get("settings", {}).get("private", False))


def _name_from(source: str) -> str:
    stem = re.sub(r"[^a-z0-9_-]+", "-", PurePath(source).stem.lower()).strip("-_")
    return stem[:64] if NAME.match(stem[:64]) else "template"
