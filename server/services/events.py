"""Events that services return and routes publish after the commit."""

from __future__ import annotations

from dataclasses import dataclass

from server.domain.tally import Change


@dataclass(frozen=True, slots=True)
class StructureChanged:
    """The meeting or its activities changed: rooms reload them from the database."""

    meeting_id: int


@dataclass(frozen=True, slots=True)
class TallyReset:
    meeting_id: int
    activity_id: int


@dataclass(frozen=True, slots=True)
class AnswersCommitted:
    meeting_id: int
    activity_id: int
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class MeetingDeleted:
    meeting_id: int


Event = StructureChanged | TallyReset | AnswersCommitted | MeetingDeleted
