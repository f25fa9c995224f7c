"""The meeting state machine: which activity is current and open, and what results are shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from server.domain.agenda import Agenda, BlockInfo
from server.domain.errors import Code, DomainError
from server.domain.pace import Questionnaire

Status = Literal["idle", "open", "closed"]
Language = Literal["nl", "en"]

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no I, L, O, 0, 1: nothing to misread
CODE_LENGTH = 6  # 31**6 ≈ 8.9e8 > 30**6


@dataclass(frozen=True, slots=True)
class ActivityInfo:
    id: int
    position: int
    kind: str
    prompt: str
    settings: dict[str, Any]
    status: Status = "idle"
    show_results_presenter: bool = True
    show_results_phones: bool = False
    moderation: dict[str, Any] = field(default_factory=dict)
    block_id: int | None = None  # the agenda block it belongs to, if any
    limits: dict[str, int] = field(default_factory=dict)  # the kind's phone_payload (server/kinds)
    series_link: str | None = None  # the same measurement in other meetings of its series
    opened_at: datetime | None = None  # when it was last opened (server time)

    def public(self) -> dict[str, Any]:
        """What every screen may know about the activity (no moderation internals)."""
        return {
            "id": self.id,
            "position": self.position,
            "kind": self.kind,
            "prompt": self.prompt,
            "settings": self.settings,
            "limits": self.limits,
            "status": self.status,
            "show_results_presenter": self.show_results_presenter,
            "show_results_phones": self.show_results_phones,
            "block_id": self.block_id,
            "series_link": self.series_link,
            "opened_at": self.opened_at.isoformat() if self.opened_at else None,
        }


@dataclass(frozen=True, slots=True)
class MeetingInfo:
    id: int
    code: str
    title: str
    theme: str
    language: Language
    current_activity_id: int | None
    activities: tuple[ActivityInfo, ...] = ()
    agenda: Agenda = field(default_factory=Agenda)
    # The draaiboek's notes for the facilitator (never in public()): goals, and preparation.
    description: str = ""
    preparation: str = ""
    show_schedule: bool = False  # the big screen shows ahead of / behind the plan
    # For the screens and the host only (never in public()): the QR link's secret, and whether
    # the host closed the door to new participants.
    join_secret: str = ""
    joins_closed: bool = False
    # A self-paced questionnaire that is open: phones go through its steps at their own pace.
    questionnaire: Questionnaire | None = None
    # Its place in a series (1 = the kick-off), None outside one: the phones offer the network pass.
    series_position: int | None = None

    @property
    def blocks(self) -> tuple[BlockInfo, ...]:
        return self.agenda.blocks

    def activity(self, activity_id: int) -> ActivityInfo:
        for activity in self.activities:
            if activity.id == activity_id:
                return activity
        raise DomainError(Code.UNKNOWN_ACTIVITY, f"There is no activity {activity_id} in this meeting.")

    def answerable(self, activity_id: int) -> ActivityInfo | None:
        """The activity a phone may answer now: a step of the open questionnaire, else the current."""
        if self.questionnaire is not None and activity_id in self.questionnaire.steps:
            return self.activity(activity_id)
        return self.current

    @property
    def current(self) -> ActivityInfo | None:
        if self.current_activity_id is None:
            return None
        for activity in self.activities:
            if activity.id == self.current_activity_id:
                return activity
        return None

    def public(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "theme": self.theme,
            "language": self.language,
            "series_position": self.series_position,
        }


def normalise_code(raw: str) -> str:
    """Accept what people type: lower case, spaces and dashes are ignored."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def is_valid_code(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code)


def open_activity(meeting: MeetingInfo, activity_id: int) -> dict[int, Status]:
    """Opening one activity closes whichever other one was open; returns new statuses."""
    meeting.activity(activity_id)
    changes: dict[int, Status] = {activity_id: "open"}
    for activity in meeting.activities:
        if activity.id != activity_id and activity.status == "open":
            changes[activity.id] = "closed"
    return changes


def close_activity(meeting: MeetingInfo, activity_id: int) -> Status:
    activity = meeting.activity(activity_id)
    return "closed" if activity.status == "open" else activity.status


def next_activity(meeting: MeetingInfo) -> ActivityInfo | None:
    """The activity after the current one in agenda order, or the first when none is current."""
    ordered = sorted(meeting.activities, key=lambda a: (a.position, a.id))
    if not ordered:
        return None
    if meeting.current_activity_id is None:
        return ordered[0]
    ids = [a.id for a in ordered]
    try:
        index = ids.index(meeting.current_activity_id)
    except ValueError:
        return ordered[0]
    return ordered[index + 1] if index + 1 < len(ordered) else None


def previous_activity(meeting: MeetingInfo) -> ActivityInfo | None:
    ordered = sorted(meeting.activities, key=lambda a: (a.position, a.id))
    if not ordered or meeting.current_activity_id is None:
        return None
    ids = [a.id for a in ordered]
    if meeting.current_activity_id not in ids:
        return None
    index = ids.index(meeting.current_activity_id)
    return ordered[index - 1] if index > 0 else None


def accepting(activity: ActivityInfo | None, activity_id: int) -> ActivityInfo:
    """The activity an answer goes to, or why it cannot take one."""
    if activity is None or activity.id != activity_id:
        raise DomainError(
            Code.ACTIVITY_NOT_OPEN, f"Activity {activity_id} is not open for answers right now."
        )
    if activity.status != "open":
        raise DomainError(Code.ACTIVITY_CLOSED, "This activity is closed; answers are no longer taken.")
    return activity
