"""Meetings from draaiboek templates, and any meeting back out as a template."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PureWindowsPath
from typing import Any

from sqlmodel import Session

from server.domain.errors import Code, DomainError
from server.draaiboek import (
    ActivitySpec,
    BlockSpec,
    Placeholder,
    Template,
    TemplateError,
    builtin_names,
    fill,
    load_builtin,
    parse,
)
from server.i18n import say
from server.parsing import TemplateParser
from server.services import agenda as agenda_service
from server.services import meetings as meeting_service
from server.services import series_links
from server.services.meetings import CreatedMeeting
from server.text import N_

THEME_PLACEHOLDER = "thema"


def builtin(name: str) -> Template:
    try:
        return load_builtin(name)
    except TemplateError as exc:
        raise DomainError(Code.UNKNOWN_TEMPLATE, exc.problem) from None


def parse_own(text: str, file: str | None = None) -> Template:
    """A facilitator's own template (uploaded or pasted YAML), checked as `kring template validate`
    checks a file: an ``invalid_template`` error names the file, the line and the problem."""
    try:
        return parse(text, _source(file))
    except TemplateError as exc:
        raise DomainError(Code.INVALID_TEMPLATE, exc.message, line=exc.line) from None


async def read_own(parser: TemplateParser, text: str, file: str | None = None) -> Template:
    """``parse_own`` in a worker process with a time limit (server/parsing.py), for the routes."""
    try:
        return await parser.parse(text, _source(file))
    except TemplateError as exc:
        raise DomainError(Code.INVALID_TEMPLATE, exc.message, line=exc.line) from None


def _source(file: str | None) -> str:
    return PureWindowsPath(file or "").name or "template.yaml"  # old browsers send C:\fakepath\x.yaml


def summary(template: Template) -> dict[str, Any]:
    """A template in short: its title, placeholders and size."""
    return {
        "name": template.name,
        "title": template.title,
        "language": template.language,
        "description": template.description,
        "placeholders": [
            {"name": p.name, "label": p.label, "default": p.default} for p in template.placeholders
        ],
        "blocks": len(template.blocks),
        "activities": sum(len(b.activities) for b in template.blocks),
        "minutes": sum(b.duration_minutes for b in template.blocks),
    }


def summaries() -> list[dict[str, Any]]:
    """What `kring template list` and `GET /api/templates` show."""
    return [summary(load_builtin(name)) for name in builtin_names()]


def create_from_template(
    session: Session, template: Template, values: Mapping[str, str], *, title: str | None = None
) -> CreatedMeeting:
    """Fill the placeholders, then create the meeting with every block and activity, in order."""
    try:
        filled = fill(template, values)
    except TemplateError as exc:
        raise DomainError(Code.INVALID_TEMPLATE_VALUES, exc.problem) from None
    created = meeting_service.create_meeting(
        session,
        title or filled.title,
        filled.theme,
        filled.language,
        description=filled.description,
        preparation=filled.preparation,
    )
    meeting_id = created.meeting.id
    for block in filled.blocks:
        info, _ = agenda_service.add_block(
            session,
            meeting_id,
            title=block.title,
            duration_minutes=block.duration_minutes,
            start_time=block.start_time,
            goal=block.goal,
            description=block.description,
            who=block.who,
            materials=block.materials,
            essential=block.essential,
            is_break=block.is_break,
            self_paced=block.self_paced,
        )
        for activity in block.activities:
            made, _ = meeting_service.add_activity(
                session,
                meeting_id,
                activity.kind,
                prompt=activity.prompt,
                settings=activity.settings,
                block_id=info.id,
                show_results_presenter=activity.show_results_presenter,
                show_results_phones=activity.show_results_phones,
            )
            if activity.link is not None:
                series_links.set_link(session, meeting_id, made.id, activity.link)
    meeting = meeting_service.load_meeting(session, meeting_id)
    assert meeting is not None
    return CreatedMeeting(meeting, created.host_key, created.presenter_key)


def template_of(session: Session, meeting_id: int, name: str = "") -> Template:
    """The meeting as a reusable template: its agenda and activities with their settings, no answers.

    The theme becomes the placeholder {{thema}} wherever it appears, so that the next meeting only
    needs a new theme. Activities outside any block are gathered in a last block."""
    meeting = meeting_service.load_meeting(session, meeting_id)
    if meeting is None:
        raise DomainError(Code.UNKNOWN_MEETING, "This meeting does not exist (any more).")
    theme = meeting.theme.strip()
    pattern = re.compile(re.escape(theme)) if theme and "{{" not in theme else None

    def generalise(value: Any) -> Any:
        if isinstance(value, str):
            return pattern.sub("{{" + THEME_PLACEHOLDER + "}}", value) if pattern else value
        if isinstance(value, list):
            return [generalise(v) for v in value]
        if isinstance(value, dict):
            return {k: generalise(v) for k, v in value.items()}
        return value

    def spec(activity_id: int) -> ActivitySpec:
        activity = meeting.activity(activity_id)
        # A private activity the facilitator revealed during the meeting starts hidden again.
        private = bool(activity.settings.get("private", False))
        return ActivitySpec(
            kind=activity.kind,
            prompt=generalise(activity.prompt),
            settings=generalise(dict(activity.settings)),
            show_results_presenter=activity.show_results_presenter and not private,
            show_results_phones=activity.show_results_phones and not private,
            link=activity.series_link,
        )

    blocks = [
        BlockSpec(
            title=generalise(b.title),
            duration_minutes=b.duration_minutes,
            start_time=b.start_time,
            goal=generalise(b.goal),
            description=generalise(b.description),
            who=generalise(b.who),
            materials=generalise(b.materials),
            essential=b.essential,
            is_break=b.is_break,
            self_paced=b.self_paced,
            activities=tuple(spec(i) for i in b.activity_ids),
        )
        for b in meeting.agenda.ordered
    ]
    loose = [
        a.id for a in meeting.activities if a.block_id is None or meeting.agenda.block(a.block_id) is None
    ]
    if loose or not blocks:
        label = say(N_("Activities"), meeting.language)
        blocks.append(BlockSpec(title=label, duration_minutes=15, activities=tuple(spec(i) for i in loose)))
    placeholders: tuple[Placeholder, ...] = ()
    if pattern is not None:
        label = say(N_("Theme"), meeting.language)
        placeholders = (Placeholder(THEME_PLACEHOLDER, label, None),)
    return Template(
        name=name or re.sub(r"[^a-z0-9]+", "-", meeting.title.casefold()).strip("-")[:60] or "meeting",
        title=generalise(meeting.title),
        language=meeting.language,
        description=generalise(meeting.description),
        theme="{{" + THEME_PLACEHOLDER + "}}" if pattern is not None else "",
        placeholders=placeholders,
        blocks=tuple(blocks),
        preparation=generalise(meeting.preparation),
    )
