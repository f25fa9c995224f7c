"""The tables of self-paced questionnaires (vragenlijst): each run, and each phone's place in it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel


def _now() -> datetime:
    return datetime.now(UTC)


class Questionnaire(SQLModel, table=True):
    """Activities opened together as a questionnaire (vragenlijst): each phone at its own pace.
    Open while ``closed_at`` is None and one of its steps is open; kept for exports and the report."""

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False)
    )
    activity_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    opened_at: datetime = Field(default_factory=_now)
    closed_at: datetime | None = Field(default=None)

    __table_args__ = (Index("ix_questionnaire_meeting", "meeting_id"),)


class PaceProgress(SQLModel, table=True):
    """Where one phone is in a questionnaire: the step it is on and the furthest it got
    (``furthest`` equal to the number of steps: finished)."""

    id: int | None = Field(default=None, primary_key=True)
    questionnaire_id: int = Field(
        sa_column=Column(Integer, ForeignKey("questionnaire.id", ondelete="CASCADE"), nullable=False)
    )
    participant_id: int = Field(
        sa_column=Column(Integer, ForeignKey("participant.id", ondelete="CASCADE"), nullable=False)
    )
    step: int = Field(default=0)
    furthest: int = Field(default=0)
    updated_at: datetime = Field(default_factory=_now)

    __table_args__ = (UniqueConstraint("questionnaire_id", "participant_id", name="uq_pace_participant"),)
