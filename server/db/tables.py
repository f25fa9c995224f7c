"""SQLModel tables. Integrity (one row per participant and slot) lives in the database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Meeting(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=12, unique=True, index=True)
    title: str = Field(max_length=200)
    theme: str = Field(default="", max_length=200)
    language: str = Field(default="nl", max_length=2)
    # Only hashes of the keys are stored: a database dump does not hand out control.
    host_key_hash: str = Field(max_length=64)
    presenter_key_hash: str = Field(max_length=64)
    current_activity_id: int | None = Field(default=None)
    owner_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("user.id", ondelete="SET NULL", name="fk_meeting_owner"), nullable=True
        ),
    )
    created_at: datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    """A facilitator account (needed for creating meetings once any account exists)."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(default="", max_length=100)
    password_hash: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow)


class LoginSession(SQLModel, table=True):
    """A facilitator's logged-in browser: the cookie holds a token, only its hash is kept."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("user.id", ondelete="CASCADE"), nullable=False))
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class MeetingHost(SQLModel, table=True):
    """A co-facilitator: host rights on a meeting through their own account."""

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False)
    )
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("user.id", ondelete="CASCADE"), nullable=False))

    __table_args__ = (UniqueConstraint("meeting_id", "user_id", name="uq_meeting_host"),)


class Activity(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False)
    )
    position: int = Field(default=0)
    kind: str = Field(max_length=20)
    prompt: str = Field(max_length=500)
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # idle -> open -> closed (and back to open); only one activity of a meeting is open.
    status: str = Field(default="idle", max_length=10)
    show_results_presenter: bool = Field(default=True)
    show_results_phones: bool = Field(default=False)
    moderation: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))

    __table_args__ = (Index("ix_activity_meeting_position", "meeting_id", "position"),)


class Participant(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False)
    )
    token_hash: str = Field(max_length=64, unique=True, index=True)
    nickname: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow)

    __table_args__ = (Index("ix_participant_meeting", "meeting_id"),)


class Answer(SQLModel, table=True):
    """One stored entry: a word, a rating, a choice. A replacement updates the row in place."""

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(
        sa_column=Column(Integer, ForeignKey("activity.id", ondelete="CASCADE"), nullable=False)
    )
    participant_id: int = Field(
        sa_column=Column(Integer, ForeignKey("participant.id", ondelete="CASCADE"), nullable=False)
    )
    slot: str = Field(max_length=32)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    client_id: str = Field(max_length=64)
    # Bumped on every replacement: with the (never reused) id it orders versions of a slot, so
    # replicas in other workers can apply deltas idempotently and in any order.
    rev: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    __table_args__ = (
        UniqueConstraint("activity_id", "participant_id", "slot", name="uq_answer_slot"),
        {"sqlite_autoincrement": True},
    )


class Submission(SQLModel, table=True):
    """Idempotency log: every client id a participant used, and what it did."""

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(
        sa_column=Column(Integer, ForeignKey("participant.id", ondelete="CASCADE"), nullable=False)
    )
    client_id: str = Field(max_length=64)
    activity_id: int = Field(
        sa_column=Column(Integer, ForeignKey("activity.id", ondelete="CASCADE"), nullable=False)
    )
    op: str = Field(max_length=10)
    slot: str = Field(max_length=32)
    fingerprint: str = Field(max_length=64)
    entry_id: int | None = Field(default=None)
    payload: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)

    __table_args__ = (UniqueConstraint("participant_id", "client_id", name="uq_submission_client"),)
