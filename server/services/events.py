"""Events that services return and routes publish after the commit."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StructureChanged:
    """The meeting or its activities changed: rooms reload them from the database."""

    meeting_id: int


@dataclass(frozen=True, slots=True)
class TallyReset:
    meeting_id: int
    activity_id: int


@dataclass(frozen=True, slots=True)
class MeetingDeleted:
    meeting_id: int


Event = StructureChanged | TallyReset | MeetingDeleted
