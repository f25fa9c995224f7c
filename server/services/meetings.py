"""Use cases for facilitators: create a meeting, build its activities, run it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import delete, func, select, update
from sqlmodel import Session, col

from server import kinds
from server.db.tables import Activity, Answer, Meeting
from server.domain.errors import Code, DomainError
from server.domain.meeting import (
    ActivityInfo,
    Language,
    MeetingInfo,
    close_activity,
    open_activity,
)
from server.domain.words import host_text
from server.i18n import say, sayer
from server.kinds import Moderation
from server.services import agenda as agenda_service
from server.services import questionnaires, retention
from server.services.events import StructureChanged, TallyReset
from server.services.keys import hash_key, new_code, new_key
from server.services.meeting_rows import (
    activity_info,
    activity_row,
    answer_count,
    meeting_info,
    meeting_row,
    renumber,
    set_current,
    set_status,
)
from server.services.moderation import apply_moderation
from server.text import N_

UNSET: Any = object()  # "leave as it is", where None is a value (an activity outside every block)

NO_THEME = N_("the theme")  # {theme} in a default prompt when the meeting has none


@dataclass(frozen=True, slots=True)
class CreatedMeeting:
    meeting: MeetingInfo
    host_key: str
    presenter_key: str


@dataclass(frozen=True, slots=True)
class MeetingAuth:
    meeting_id: int
    host_key_hash: str
    presenter_key_hash: str
    join_secret: str = ""
    # "": the role has no key (a hash never equals "", so nothing matches it).
    cohost_key_hash: str = ""
    timekeeper_key_hash: str = ""
    moderator_key_hash: str = ""

    def hash_for(self, role: str) -> str:
        """The key hash of ``role``: host, presenter, cohost, timekeeper or moderator."""
        found: str = getattr(self, f"{role}_key_hash", "")
        return found


def default_prompt(kind: str, language: str, theme: str) -> str:
    return say(kinds.get(kind).prompt, language).format(theme=theme or say(NO_THEME, language))


def create_meeting(
    session: Session,
    title: str,
    theme: str,
    language: Language,
    *,
    description: str = "",
    preparation: str = "",
) -> CreatedMeeting:
    title, theme = host_text(title, field="title"), host_text(theme, field="theme")
    description = host_text(description, field="description")
    preparation = host_text(preparation, field="preparation")
    host_key, presenter_key = new_key(24), new_key(18)
    for _ in range(20):
        code = new_code()
        if session.scalar(select(col(Meeting.id)).where(col(Meeting.code) == code)) is None:
            break
    else:  # pragma: no cover - 20 collisions in ~9e8 codes
        raise DomainError(Code.NO_CODE, "Could not find a free join code; try again.")
    meeting = Meeting(
        code=code,
        title=title,
        theme=theme,
        language=language,
        description=description,
        preparation=preparation,
        host_key_hash=hash_key(host_key),
        presenter_key_hash=hash_key(presenter_key),
    )
    session.add(meeting)
    session.flush()
    return CreatedMeeting(meeting_info(meeting, []), host_key, presenter_key)


def meeting_auth(session: Session, code: str) -> MeetingAuth | None:
    row = session.execute(
        select(
            col(Meeting.id),
            col(Meeting.host_key_hash),
            col(Meeting.presenter_key_hash),
            col(Meeting.join_secret),
            col(Meeting.cohost_key_hash),
            col(Meeting.timekeeper_key_hash),
            col(Meeting.moderator_key_hash),
        ).where(col(Meeting.code) == code)
    ).first()
    if row is None:
        return None
    return MeetingAuth(row[0], row[1], row[2], row[3], row[4] or "", row[5] or "", row[6] or "")


def load_meeting(session: Session, meeting_id: int) -> MeetingInfo | None:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        return None
    activities = session.scalars(
        select(Activity)
        .where(col(Activity.meeting_id) == meeting_id)
        .order_by(col(Activity.position), col(Activity.id))
    ).all()
    info = meeting_info(meeting, list(activities))
    running = questionnaires.load_open(
        session, meeting_id, {a.id for a in activities if a.id is not None and a.status == "open"}
    )
    agenda = agenda_service.load_agenda(session, meeting, list(activities))
    return replace(info, agenda=agenda, questionnaire=running)


def meeting_id_for_code(session: Session, code: str) -> int | None:
    return session.scalar(select(col(Meeting.id)).where(col(Meeting.code) == code))


def update_meeting(
    session: Session,
    meeting_id: int,
    *,
    title: str | None = None,
    theme: str | None = None,
    language: Language | None = None,
    retention_days: int | None = UNSET,
    description: str | None = None,
    preparation: str | None = None,
    show_schedule: bool | None = None,
) -> StructureChanged:
    meeting = meeting_row(session, meeting_id)
    if show_schedule is not None:
        meeting.show_schedule = show_schedule
    if retention_days is not UNSET:
        meeting.retention_days = retention_days
    if description is not None:
        meeting.description = host_text(description, field="description")
    if preparation is not None:
        meeting.preparation = host_text(preparation, field="preparation")
    if title is not None:
        meeting.title = host_text(title, field="title")
    if theme is not None:
        meeting.theme = host_text(theme, field="theme")
    if language is not None:
        meeting.language = language
    session.add(meeting)
    return StructureChanged(meeting_id)


def add_activity(
    session: Session,
    meeting_id: int,
    kind: str,
    *,
    prompt: str | None = None,
    settings: dict[str, Any] | None = None,
    position: int | None = None,
    block_id: int | None = None,
    show_results_presenter: bool = True,
    show_results_phones: bool = False,
) -> tuple[ActivityInfo, StructureChanged]:
    meeting = meeting_row(session, meeting_id)
    prompt = None if prompt is None else host_text(prompt, field="prompt")
    # Fields left out take the kind's defaults, in the meeting's language.
    language = cast(Language, meeting.language)
    parsed = kinds.settings_for(kind, settings, sayer(language))
    if kinds.is_private(kind, parsed):  # facilitator-only: hidden until the facilitator shows the results
        show_results_presenter = show_results_phones = False
    count = session.scalar(
        select(func.count()).select_from(Activity).where(col(Activity.meeting_id) == meeting_id)
    )
    last = int(count or 0)
    target = last if position is None else max(0, min(position, last))
    session.execute(
        update(Activity)
        .where(col(Activity.meeting_id) == meeting_id, col(Activity.position) >= target)
        .values(position=col(Activity.position) + 1)
    )
    activity = Activity(
        meeting_id=meeting_id,
        position=target,
        kind=kind,
        prompt=prompt or default_prompt(kind, language, meeting.theme),
        settings=parsed.model_dump(mode="json"),
        show_results_presenter=show_results_presenter,
        show_results_phones=show_results_phones,
    )
    session.add(activity)
    session.flush()
    if block_id is not None:
        assert activity.id is not None
        agenda_service.assign_activity(session, meeting_id, activity.id, block_id)
        session.refresh(activity)
    return activity_info(activity), StructureChanged(meeting_id)


def update_activity(
    session: Session,
    meeting_id: int,
    activity_id: int,
    *,
    prompt: str | None = None,
    settings: dict[str, Any] | None = None,
    block_id: int | None = UNSET,
) -> tuple[ActivityInfo, StructureChanged]:
    activity = activity_row(session, meeting_id, activity_id)
    if prompt is not None:
        activity.prompt = host_text(prompt, field="prompt")
    if block_id is not UNSET:
        agenda_service.assign_activity(session, meeting_id, activity_id, block_id)
        session.refresh(activity)
    if settings is not None:
        merged = {**activity.settings, **settings}
        parsed = kinds.settings_for(activity.kind, merged)
        new_settings = parsed.model_dump(mode="json")
        if new_settings != activity.settings and answer_count(session, activity_id):
            raise DomainError(
                Code.HAS_ANSWERS,
                "This activity already has answers; reset its results before changing settings.",
            )
        was = kinds.settings_for(activity.kind, activity.settings)
        if kinds.is_private(activity.kind, parsed) and not kinds.is_private(activity.kind, was):
            activity.show_results_presenter = activity.show_results_phones = False
        activity.settings = new_settings
    session.add(activity)
    session.flush()
    return activity_info(activity), StructureChanged(meeting_id)


def delete_activity(session: Session, meeting_id: int, activity_id: int) -> StructureChanged:
    activity = activity_row(session, meeting_id, activity_id)
    meeting = meeting_row(session, meeting_id)
    if meeting.current_activity_id == activity_id:
        meeting.current_activity_id = None
        session.add(meeting)
    session.execute(delete(Answer).where(col(Answer.activity_id) == activity_id))
    session.delete(activity)
    session.flush()
    renumber(session, meeting_id)
    return StructureChanged(meeting_id)


def reorder_activities(session: Session, meeting_id: int, order: list[int]) -> StructureChanged:
    ids = [
        int(i)
        for i in session.scalars(select(col(Activity.id)).where(col(Activity.meeting_id) == meeting_id))
        if i is not None
    ]
    if sorted(order) != sorted(ids) or len(set(order)) != len(order):
        raise DomainError(
            Code.INVALID_ORDER, "The new order must list every activity of the meeting exactly once."
        )
    for position, activity_id in enumerate(order):
        session.execute(update(Activity).where(col(Activity.id) == activity_id).values(position=position))
    return StructureChanged(meeting_id)


def open_(
    session: Session, meeting_id: int, activity_id: int, now: datetime | None = None
) -> StructureChanged:
    """Open an activity; given the time, an activity of another agenda block moves the agenda there."""
    info = _require_info(session, meeting_id)
    for changed_id, status in open_activity(info, activity_id).items():
        set_status(session, changed_id, status)
    set_current(session, meeting_id, activity_id)
    if now is not None:
        agenda_service.follow_activity(session, meeting_id, activity_id, now)
    return StructureChanged(meeting_id)


def close(session: Session, meeting_id: int, activity_id: int) -> StructureChanged:
    info = _require_info(session, meeting_id)
    set_status(session, activity_id, close_activity(info, activity_id))
    return StructureChanged(meeting_id)


def show(session: Session, meeting_id: int, activity_id: int | None) -> StructureChanged:
    """Make an activity current without opening it (or None: the waiting screen)."""
    if activity_id is not None:
        activity_row(session, meeting_id, activity_id)
    set_current(session, meeting_id, activity_id)
    return StructureChanged(meeting_id)


def set_visibility(
    session: Session,
    meeting_id: int,
    activity_id: int,
    *,
    presenter: bool | None = None,
    phones: bool | None = None,
) -> StructureChanged:
    activity = activity_row(session, meeting_id, activity_id)
    if presenter is not None:
        activity.show_results_presenter = presenter
    if phones is not None:
        activity.show_results_phones = phones
    session.add(activity)
    return StructureChanged(meeting_id)


def reset_results(session: Session, meeting_id: int, activity_id: int) -> tuple[StructureChanged, TallyReset]:
    activity = activity_row(session, meeting_id, activity_id)
    session.execute(delete(Answer).where(col(Answer.activity_id) == activity_id))
    activity.moderation = {}
    session.add(activity)
    return StructureChanged(meeting_id), TallyReset(meeting_id, activity_id)


def moderate(
    session: Session,
    meeting_id: int,
    activity_id: int,
    action: str,
    *,
    entry_id: int | None = None,
    key: str | None = None,
    into: str | None = None,
    on: bool | None = None,
) -> StructureChanged:
    activity = activity_row(session, meeting_id, activity_id)
    moderation = Moderation.from_json(activity.moderation)
    apply_moderation(moderation, activity.kind, action, entry_id=entry_id, key=key, into=into, on=on)
    activity.moderation = moderation.to_json()
    session.add(activity)
    return StructureChanged(meeting_id)


def delete_meeting(session: Session, meeting_id: int) -> None:
    """Delete the meeting and every row that belongs to it, now."""
    meeting_row(session, meeting_id)
    retention.delete_meeting_rows(session, meeting_id)


def _require_info(session: Session, meeting_id: int) -> MeetingInfo:
    info = load_meeting(session, meeting_id)
    if info is None:
        raise DomainError(Code.UNKNOWN_MEETING, "This meeting does not exist (any more).")
    return info
