"""The tables of what runs beside a meeting's activities: the Q&A (questions, votes, their
idempotency log), live reactions, and self-paced questionnaires (vragenlijst)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def _now() -> datetime:
    return datetime.now(UTC)


class QaQuestion(SQLModel, table=True):
    """A question from the hall (Q&A beside the activities)."""

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False)
    )
    participant_id: int = Field(
        sa_column=Column(Integer, ForeignKey("participant.id", ondelete="CASCADE"), nullable=False)
    )
    text: str = Field(sa_column=Column(Text, nullable=False))
    nickname: str | None = Field(default=None, max_length=40)  # None: asked anonymously
    status: str = Field(default="visible", max_length=10)  # pending, visible, hidden
    answered: bool = Field(default=False)
    created_at: datetime = Field(default_factory=_now)

    __table_args__ = (Index("ix_qaquestion_meeting", "meeting_id"),)


class QaVote(SQLModel, table=True):
    """One participant's upvote of a question: one row at most, the database says so."""

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(
        sa_column=Column(Integer, ForeignKey("qaquestion.id", ondelete="CASCADE"), nullable=False)
    )
    participant_id: int = Field(
        sa_column=Column(Integer, ForeignKey("participant.id", ondelete="CASCADE"), nullable=False)
    )
    created_at: datetime = Field(default_factory=_now)

    __table_args__ = (UniqueConstraint("question_id", "participant_id", name="uq_qavote"),)


class QaSubmission(SQLModel, table=True):
    """Idempotency log of questions and votes, as ``submission`` is for answers."""

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(
        sa_column=Column(Integer, ForeignKey("participant.id", ondelete="CASCADE"), nullable=False)
    )
    client_id: str = Field(max_length=64)
    op: str = Field(max_length=10)
    question_id: int | None = Field(default=None)
    fingerprint: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=_now)

    __table_args__ = (UniqueConstraint("participant_id", "client_id", name="uq_qasubmission_client"),)


class MeetingBeside(SQLModel, table=True):
    """What runs beside a meeting's activities: Q&A and live reactions (a row once set)."""

    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    )
    qa_open: bool = Field(default=False)
    qa_premoderate: bool = Field(default=False)
    qa_highlighted: int | None = Field(default=None)
    reactions_on: bool = Field(default=True)
    reaction_set: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class ReactionCount(SQLModel, table=True):
    """Reactions tapped during an activity (None: between activities), saved every few seconds."""

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False)
    )
    activity_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("activity.id", ondelete="SET NULL"), nullable=True),
    )
    reaction: str = Field(max_length=20)
    count: int
    created_at: datetime = Field(default_factory=_now)

    __table_args__ = (Index("ix_reactioncount_meeting", "meeting_id"),)


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
