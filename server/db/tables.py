"""SQLModel tables. Integrity (one row per participant and slot) lives in the database."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel

# What runs beside the activities (Q&A, reactions, questionnaires) has its tables in a module of
# its own; they are imported here with every other table.
from server.db.beside_tables import MeetingBeside as MeetingBeside
from server.db.beside_tables import PaceProgress as PaceProgress
from server.db.beside_tables import QaQuestion as QaQuestion
from server.db.beside_tables import QaSubmission as QaSubmission
from server.db.beside_tables import QaVote as QaVote
from server.db.beside_tables import Questionnaire as Questionnaire
from server.db.beside_tables import ReactionCount as ReactionCount


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def maybe_aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else aware(moment)


class Meeting(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=12, unique=True, index=True)
    title: str = Field(max_length=200)
    theme: str = Field(default="", max_length=200)
    language: str = Field(default="nl", max_length=2)
    # From the draaiboek template: what the meeting is for (goals), and the facilitator's notes
    # around it (preparation, materials, set-up, follow-up). For the host only: never on the
    # big screen or the phones.
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    preparation: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # Only hashes of the keys are stored: a database dump does not hand out control.
    host_key_hash: str = Field(max_length=64)
    presenter_key_hash: str = Field(max_length=64)
    # The roles' keys (co-facilitator, timekeeper, moderator; server/services/roles.py), hashed
    # like the others; None: the role has no key (never made, or revoked).
    cohost_key_hash: str | None = Field(default=None, max_length=64)
    timekeeper_key_hash: str | None = Field(default=None, max_length=64)
    moderator_key_hash: str | None = Field(default=None, max_length=64)
    # Carried by the QR code and the join link (in the URL's fragment): a join with it is not
    # held up by the per-address limit on typed codes. Stored as is: the big screen shows it to
    # the whole room, and all it grants is joining this meeting (docs/security.md).
    join_secret: str = Field(default_factory=lambda: secrets.token_urlsafe(12), max_length=32)
    # "Deur dicht": the host closed the door; new participants are refused, joined ones stay.
    joins_closed: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    current_activity_id: int | None = Field(default=None)
    owner_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("user.id", ondelete="SET NULL", name="fk_meeting_owner"), nullable=True
        ),
    )
    created_at: datetime = Field(default_factory=utcnow)
    # Retention (GDPR): days kept after last use; None = the instance's KRING_RETENTION_DAYS.
    retention_days: int | None = Field(default=None)
    # Set when the meeting was restored from a JSON export: its retention clock restarts then.
    imported_at: datetime | None = Field(default=None)
    # The agenda: which block is on now, and when the first block was entered / the last one left.
    current_block_id: int | None = Field(default=None)
    agenda_started_at: datetime | None = Field(default=None)
    agenda_ended_at: datetime | None = Field(default=None)
    # Ahead of or behind the plan ("5 min achter") on the big screen too, not only on the remote.
    show_schedule: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    # The series this meeting belongs to (a lerend netwerk), and its place there (1 = the
    # kick-off); both None for a meeting on its own.
    series_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("series.id", ondelete="SET NULL", name="fk_meeting_series"),
            nullable=True,
            index=True,
        ),
    )
    series_position: int | None = Field(default=None)


class Series(SQLModel, table=True):
    """A lerend netwerk: meetings in order, and the pseudonyms that follow a participant across them."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    theme: str = Field(default="", max_length=200)
    language: str = Field(default="nl", max_length=2)
    # Only the hash of the series key is kept (the key opens the series for who holds it, like
    # a meeting's host key, on an instance without accounts).
    host_key_hash: str = Field(max_length=64)
    owner_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("user.id", ondelete="SET NULL", name="fk_series_owner"), nullable=True
        ),
    )
    # Days the series' pseudonyms and meetings are kept after its last use; None = the instance's.
    retention_days: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)


class SeriesHost(SQLModel, table=True):
    """A facilitator of a series through their own account (the owner is one without a row)."""

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(
        sa_column=Column(Integer, ForeignKey("series.id", ondelete="CASCADE"), nullable=False)
    )
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("user.id", ondelete="CASCADE"), nullable=False))

    __table_args__ = (UniqueConstraint("series_id", "user_id", name="uq_series_host"),)


class SeriesParticipant(SQLModel, table=True):
    """A pseudonym in a series, taken by choice (the network pass): nothing personal, only the
    hashes of the pass's two secrets: the cookie's and the short code a person carries to
    another device. Its participants (one per meeting) point at it and go when it goes."""

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(
        sa_column=Column(Integer, ForeignKey("series.id", ondelete="CASCADE"), nullable=False)
    )
    # The pseudonym's number in the series (1, 2, ...): what exports and reports call it.
    number: int
    secret_hash: str = Field(max_length=64, unique=True, index=True)
    code_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)

    __table_args__ = (UniqueConstraint("series_id", "number", name="uq_seriesparticipant_number"),)


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
    status: str = Field(default="idle", max_length=10)  # idle -> open -> closed (-> open); one open at a time
    show_results_presenter: bool = Field(default=True)
    show_results_phones: bool = Field(default=False)
    moderation: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    opened_at: datetime | None = Field(default=None)  # last opened (server time): timers count from it
    block_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("agendablock.id", ondelete="SET NULL", name="fk_activity_block"),
            nullable=True,
        ),
    )
    # Before and after: activities of one series with the same link are the same measurement,
    # repeated (the checklist in meeting 1 and in meeting 3). None: not linked.
    series_link: str | None = Field(default=None, max_length=64)

    __table_args__ = (Index("ix_activity_meeting_position", "meeting_id", "position"),)


class AgendaBlock(SQLModel, table=True):
    """One row of the draaiboek: an agenda block; its activities point at it (activity.block_id)."""

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False)
    )
    position: int = Field(default=0)
    title: str = Field(max_length=200)
    goal: str = Field(default="", max_length=1000)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    who: str = Field(default="", max_length=200)
    materials: str = Field(default="", max_length=2000)
    essential: bool = Field(default=True)
    is_break: bool = Field(default=False)
    # The block's activities run as a questionnaire (vragenlijst): each phone at its own pace.
    self_paced: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    start_time: str | None = Field(default=None, max_length=5)
    duration_minutes: int = Field(default=10)
    # Actual timing: first entered, the current stay's start, and the seconds of earlier stays.
    started_at: datetime | None = Field(default=None)
    entered_at: datetime | None = Field(default=None)
    spent_seconds: int = Field(default=0)

    __table_args__ = (Index("ix_agendablock_meeting_position", "meeting_id", "position"),)


class Participant(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False)
    )
    token_hash: str = Field(max_length=64, unique=True, index=True)
    nickname: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow)
    # The series pseudonym this participant joined as (the network pass); None: anonymous in
    # this meeting only. At most one participant per pseudonym and meeting.
    series_participant_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("seriesparticipant.id", ondelete="CASCADE", name="fk_participant_pseudonym"),
            nullable=True,
        ),
    )

    __table_args__ = (
        Index("ix_participant_meeting", "meeting_id"),
        UniqueConstraint("meeting_id", "series_participant_id", name="uq_participant_pseudonym"),
    )


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


class ActionFollowUp(SQLModel, table=True):
    """Actions carried forward: what a participant with a network pass says, in the next meeting
    of the series, about an action card they wrote in the one before (done, partly, not yet)."""

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False)
    )
    participant_id: int = Field(
        sa_column=Column(Integer, ForeignKey("participant.id", ondelete="CASCADE"), nullable=False)
    )
    # The card (an answer of the earlier meeting) the follow-up is about.
    answer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("answer.id", ondelete="CASCADE"), nullable=False)
    )
    status: str = Field(max_length=10)  # done, partly, not_yet
    note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    updated_at: datetime = Field(default_factory=utcnow)

    __table_args__ = (
        UniqueConstraint("participant_id", "answer_id", name="uq_actionfollowup"),
        Index("ix_actionfollowup_meeting", "meeting_id"),
    )
