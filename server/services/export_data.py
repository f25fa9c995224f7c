"""One meeting read whole from the database: what every export and the report are built from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from server import kinds
from server.db.tables import (
    Activity,
    AgendaBlock,
    Answer,
    Meeting,
    Participant,
    SeriesParticipant,
    aware,
    maybe_aware,
)
from server.domain.errors import Code, DomainError
from server.i18n import sayer
from server.kinds import (
    Audience,
    Change,
    KindSettings,
    Moderation,
    Sheet,
    Tally,
    get,
    new_tally,
    settings_for,
    tally_from_rows,
)
from server.services import compare_report, followup_export, pace_export, qa_export
from server.services.compare_report import Compared
from server.services.followup_export import FollowUpData
from server.services.pace_export import Run
from server.services.qa_export import BesideData


@dataclass(frozen=True, slots=True)
class AnswerData:
    entry_id: int
    participant_id: int
    slot: str
    payload: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    rev: int


@dataclass(frozen=True, slots=True)
class ParticipantData:
    id: int
    nickname: str | None
    joined_at: datetime
    series_number: int | None = None  # the pseudonym's number in its series (a network pass)


@dataclass(frozen=True, slots=True)
class BlockData:
    """One agenda block (a row of the draaiboek), with its actual timing."""

    id: int
    position: int
    title: str
    goal: str
    description: str
    who: str
    materials: str
    essential: bool
    is_break: bool
    start_time: str | None
    duration_minutes: int
    started_at: datetime | None
    entered_at: datetime | None
    spent_seconds: int
    self_paced: bool = False  # its activities run as one questionnaire


@dataclass(frozen=True, slots=True)
class ActivityData:
    id: int
    position: int
    kind: str
    prompt: str
    settings: dict[str, Any]
    status: str
    show_results_presenter: bool
    show_results_phones: bool
    moderation: dict[str, Any]
    answers: tuple[AnswerData, ...]
    block_id: int | None = None
    # The meeting's activities in agenda order, and its language: some kinds' results run across them.
    siblings: tuple[ActivityData, ...] = ()
    language: str = "en"

    @property
    def parsed(self) -> KindSettings:
        return settings_for(self.kind, self.settings)

    @property
    def private(self) -> bool:
        """Facilitator-only results (the exploreervraag): left out of what goes to the group."""
        return get(self.kind).private(self.parsed)

    def results(self, audience: Audience, nicknames: Mapping[int, str | None]) -> dict[str, Any]:
        """The results, exactly as the screens compute them once the activity is closed; the
        meeting's other activities of the same kind are recounted for its meeting-level facet."""
        meeting = self.siblings or (self,)
        sheets = [
            Sheet(a.id, a.kind, a.parsed, a.tally(nicknames) if a.kind == self.kind else new_tally(a.kind))
            for a in meeting
        ]
        index = next(i for i, a in enumerate(meeting) if a.id == self.id)
        moderation = Moderation.from_json(self.moderation)
        return kinds.results(sheets, index, moderation, audience, say=sayer(self.language))

    def tally(self, nicknames: Mapping[int, str | None]) -> Tally:
        rows = [
            Change(a.participant_id, a.slot, a.entry_id, None, a.payload, nicknames.get(a.participant_id))
            for a in self.answers
        ]
        return tally_from_rows(self.kind, rows)

    @property
    def first_answer(self) -> datetime | None:
        return min((a.created_at for a in self.answers), default=None)

    @property
    def last_answer(self) -> datetime | None:
        return max((a.updated_at for a in self.answers), default=None)


@dataclass(frozen=True, slots=True)
class MeetingData:
    id: int
    code: str
    title: str
    theme: str
    language: str
    created_at: datetime
    retention_days: int | None
    current_activity_id: int | None
    participants: tuple[ParticipantData, ...]
    activities: tuple[ActivityData, ...]
    blocks: tuple[BlockData, ...] = ()
    current_block_id: int | None = None
    agenda_started_at: datetime | None = None
    agenda_ended_at: datetime | None = None
    imported_at: datetime | None = None
    description: str = ""  # the draaiboek's: what the meeting is for
    preparation: str = ""  # the draaiboek's notes for the facilitator
    beside: BesideData | None = None  # Q&A and reactions (server/services/qa_export.py)
    follow_ups: FollowUpData | None = None  # actions carried forward (services/followup_export.py)
    questionnaires: tuple[Run, ...] = ()  # self-paced questionnaires (services/pace_export.py)
    # Meeting 1 beside this one for its linked activities, in a series (services/compare_report.py)
    comparisons: tuple[Compared, ...] = ()

    @property
    def nicknames(self) -> dict[int, str | None]:
        return {p.id: p.nickname for p in self.participants}

    @property
    def held_on(self) -> datetime:
        """When the meeting took place: when its agenda started, else its first answer, else when it
        was made."""
        if self.agenda_started_at is not None:
            return self.agenda_started_at
        first = [t for a in self.activities if (t := a.first_answer) is not None]
        return min(first) if first else self.created_at


def load(session: Session, meeting_id: int) -> MeetingData:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.id is None:
        raise DomainError(Code.UNKNOWN_MEETING, "This meeting does not exist (any more).")
    activities = session.scalars(
        select(Activity)
        .where(col(Activity.meeting_id) == meeting_id)
        .order_by(col(Activity.position), col(Activity.id))
    ).all()
    participants = session.scalars(
        select(Participant).where(col(Participant.meeting_id) == meeting_id).order_by(col(Participant.id))
    ).all()
    series_numbers: dict[int, int] = {
        int(pid): int(number)
        for pid, number in session.execute(
            select(col(Participant.id), col(SeriesParticipant.number))
            .join(SeriesParticipant, col(SeriesParticipant.id) == col(Participant.series_participant_id))
            .where(col(Participant.meeting_id) == meeting_id)
        )
    }
    blocks = session.scalars(
        select(AgendaBlock)
        .where(col(AgendaBlock.meeting_id) == meeting_id)
        .order_by(col(AgendaBlock.position), col(AgendaBlock.id))
    ).all()
    answers: dict[int, list[AnswerData]] = {a.id: [] for a in activities if a.id is not None}
    rows = session.scalars(
        select(Answer)
        .join(Activity, col(Activity.id) == col(Answer.activity_id))
        .where(col(Activity.meeting_id) == meeting_id)
        .order_by(col(Answer.id))
    ).all()
    for row in rows:
        assert row.id is not None
        answers[row.activity_id].append(
            AnswerData(
                entry_id=row.id,
                participant_id=row.participant_id,
                slot=row.slot,
                payload=dict(row.payload),
                created_at=aware(row.created_at),
                updated_at=aware(row.updated_at),
                rev=row.rev,
            )
        )
    listed = tuple(
        ActivityData(
            id=a.id,
            position=a.position,
            kind=a.kind,
            prompt=a.prompt,
            settings=dict(a.settings),
            status=a.status,
            show_results_presenter=a.show_results_presenter,
            show_results_phones=a.show_results_phones,
            moderation=dict(a.moderation),
            answers=tuple(answers[a.id]),
            block_id=a.block_id,
            language=meeting.language,
        )
        for a in activities
        if a.id is not None
    )
    return MeetingData(
        id=meeting.id,
        code=meeting.code,
        title=meeting.title,
        theme=meeting.theme,
        language=meeting.language,
        created_at=aware(meeting.created_at),
        retention_days=meeting.retention_days,
        current_activity_id=meeting.current_activity_id,
        participants=tuple(
            ParticipantData(p.id, p.nickname, aware(p.created_at), series_numbers.get(p.id))
            for p in participants
            if p.id is not None
        ),
        activities=tuple(replace(a, siblings=listed) for a in listed),
        blocks=tuple(
            BlockData(
                id=b.id,
                position=b.position,
                title=b.title,
                goal=b.goal,
                description=b.description,
                who=b.who,
                materials=b.materials,
                essential=b.essential,
                is_break=b.is_break,
                self_paced=b.self_paced,
                start_time=b.start_time,
                duration_minutes=b.duration_minutes,
                started_at=maybe_aware(b.started_at),
                entered_at=maybe_aware(b.entered_at),
                spent_seconds=b.spent_seconds,
            )
            for b in blocks
            if b.id is not None
        ),
        current_block_id=meeting.current_block_id,
        agenda_started_at=maybe_aware(meeting.agenda_started_at),
        agenda_ended_at=maybe_aware(meeting.agenda_ended_at),
        imported_at=maybe_aware(meeting.imported_at),
        description=meeting.description,
        preparation=meeting.preparation,
        beside=qa_export.load(session, meeting_id),
        follow_ups=followup_export.load(session, meeting_id),
        questionnaires=pace_export.load(session, meeting_id),
        comparisons=compare_report.load(session, meeting_id),
    )
