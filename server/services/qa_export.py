"""Q&A and reactions in the exports (JSON, CSV, XLSX), the report and an import's restore."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session

from server.db.tables import MeetingBeside, QaQuestion, QaVote, ReactionCount, aware, utcnow
from server.domain.reactions import DEFAULT_SET
from server.i18n import say
from server.services import reactions as reaction_service
from server.text import C_, N_, Text

QUESTIONS = QaQuestion.__table__  # type: ignore[attr-defined]
VOTES = QaVote.__table__  # type: ignore[attr-defined]
COUNTS = ReactionCount.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class QuestionData:
    id: int
    participant_id: int
    text: str
    nickname: str | None
    status: str
    answered: bool
    asked_at: datetime
    voters: tuple[int, ...]  # participant ids


@dataclass(frozen=True, slots=True)
class BesideData:
    qa_open: bool
    premoderate: bool
    reactions_on: bool
    reaction_set: tuple[str, ...]
    questions: tuple[QuestionData, ...]
    counts: Mapping[int | None, Mapping[str, int]]  # activity id (None: between) -> reaction -> taps

    @property
    def empty(self) -> bool:
        """Nothing to export: the meeting never used Q&A or reactions (older exports stay as they were)."""
        return not self.questions and not self.counts and not self.qa_open


def load(session: Session, meeting_id: int) -> BesideData:
    row = session.get(MeetingBeside, meeting_id)
    voters: dict[int, list[int]] = {}
    for question_id, participant in session.execute(
        select(VOTES.c.question_id, VOTES.c.participant_id)
        .join(QUESTIONS, QUESTIONS.c.id == VOTES.c.question_id)
        .where(QUESTIONS.c.meeting_id == meeting_id)
    ):
        voters.setdefault(int(question_id), []).append(int(participant))
    questions = tuple(
        QuestionData(
            int(q.id),
            int(q.participant_id),
            str(q.text),
            q.nickname,
            str(q.status),
            bool(q.answered),
            aware(q.created_at),
            tuple(sorted(voters.get(int(q.id), []))),
        )
        for q in session.execute(
            select(QUESTIONS).where(QUESTIONS.c.meeting_id == meeting_id).order_by(QUESTIONS.c.id)
        )
    )
    return BesideData(
        qa_open=bool(row and row.qa_open),
        premoderate=bool(row and row.qa_premoderate),
        reactions_on=row.reactions_on if row else True,
        reaction_set=tuple(row.reaction_set) if row and row.reaction_set else DEFAULT_SET,
        questions=questions,
        counts=reaction_service.counts_by_activity(session, meeting_id),
    )


def document(
    data: BesideData, participants: Mapping[int, int], activities: Mapping[int, int], utc: Any
) -> dict[str, Any]:
    """The export's "beside": questions by number, people and activities by their export numbers."""
    return {
        "qa": {
            "open": data.qa_open,
            "premoderate": data.premoderate,
            "questions": [
                {
                    "number": number,
                    "participant": participants[q.participant_id],
                    "text": q.text,
                    "nickname": q.nickname,
                    "status": q.status,
                    "answered": q.answered,
                    "asked_at": utc(q.asked_at),
                    "voters": sorted(participants[v] for v in q.voters),
                }
                for number, q in enumerate(data.questions, 1)
            ],
        },
        "reactions": {
            "on": data.reactions_on,
            "set": list(data.reaction_set),
            "counts": sorted(
                (
                    {"activity": activities.get(a) if a is not None else None, "reaction": name, "count": n}
                    for a, by_name in data.counts.items()
                    for name, n in by_name.items()
                ),
                key=lambda c: (c["activity"] or 0, c["reaction"]),
            ),
        },
    }


def header() -> list[Text]:
    return [
        C_("export column", "No"),
        N_("Question"),
        N_("Asked by"),
        N_("Votes"),
        N_("Status"),
        N_("Answered"),
        N_("Asked at"),
    ]


def table(
    data: BesideData, language: str, local: Callable[[datetime], datetime]
) -> tuple[list[str], list[list[Any]]]:
    """The header and one row per question, most votes first (questions.csv, the XLSX sheet)."""
    numbered = list(enumerate(data.questions, 1))
    numbered.sort(key=lambda item: (-len(item[1].voters), item[0]))
    statuses = {"pending": N_("Waiting for approval"), "hidden": N_("Hidden"), "visible": N_("Visible")}
    rows: list[list[Any]] = [
        [
            number,
            q.text,
            q.nickname or say(N_("Anonymous"), language),
            len(q.voters),
            say(statuses[q.status], language),
            say(N_("Yes") if q.answered else N_("No"), language),
            local(q.asked_at),
        ]
        for number, q in numbered
    ]
    return [say(text, language) for text in header()], rows


REACTION_NAMES: dict[str, Text] = {
    "thumbs_up": N_("Thumbs up"),
    "heart": N_("Heart"),
    "laugh": N_("Laughing"),
    "wow": N_("Surprised"),
    "clap": N_("Applause"),
    "question": N_("Question mark"),
    "idea": N_("Idea"),
    "star": N_("Star"),
    "check": N_("Tick"),
    "thinking": N_("Thinking"),
}


def report(
    data: BesideData | None, prompts: Mapping[int, str], language: str, *, nicknames: bool
) -> dict[str, Any] | None:
    """The report's "Vragen uit de zaal" (the questions the room saw, most votes first; hidden and
    unapproved ones left out) and its reactions counted per activity."""
    if data is None or data.empty:
        return None
    shown = sorted((q for q in data.questions if q.status == "visible"), key=lambda q: (-len(q.voters), q.id))
    reactions = []
    for activity_id, counts in sorted(
        data.counts.items(), key=lambda item: (item[0] is not None, item[0] or 0)
    ):
        where = prompts.get(activity_id) if activity_id is not None else None
        parts = [
            f"{say(REACTION_NAMES[name], language) if name in REACTION_NAMES else name} {n}"
            for name, n in sorted(counts.items(), key=lambda c: -c[1])
        ]
        reactions.append(
            {"activity": where or say(N_("Between activities"), language), "counts": " · ".join(parts)}
        )
    return {
        "qa_title": say(N_("Questions from the floor"), language),
        "reactions_title": say(N_("Reactions"), language),
        "answered": say(N_("answered"), language),
        "votes": say(N_("votes"), language),
        "questions": [
            {
                "text": q.text,
                "by": q.nickname if nicknames else None,
                "votes": len(q.voters),
                "answered": q.answered,
            }
            for q in shown
        ],
        "reactions": reactions,
    }


def restore(
    session: Session,
    meeting_id: int,
    beside: Mapping[str, Any] | None,
    participant_ids: Sequence[int],
    activity_ids: Sequence[int],
    moment: Any,
) -> None:
    """An import's questions, votes and reaction counts; its Q&A closed, as its activities are."""
    if not beside:
        return
    qa, reactions = beside["qa"], beside["reactions"]
    session.add(
        MeetingBeside(
            meeting_id=meeting_id,
            qa_open=False,
            qa_premoderate=qa["premoderate"],
            reactions_on=reactions["on"],
            reaction_set=list(reactions["set"]),
        )
    )
    for question in qa["questions"]:
        new_id = session.execute(
            insert(QUESTIONS).returning(QUESTIONS.c.id),
            {
                "meeting_id": meeting_id,
                "participant_id": participant_ids[question["participant"] - 1],
                "text": question["text"],
                "nickname": question["nickname"],
                "status": question["status"],
                "answered": question["answered"],
                "created_at": moment(question["asked_at"]),
            },
        ).scalar_one()
        if question["voters"]:
            session.execute(
                insert(VOTES),
                [
                    {
                        "question_id": new_id,
                        "participant_id": participant_ids[v - 1],
                        "created_at": moment(question["asked_at"]),
                    }
                    for v in question["voters"]
                ],
            )
    counts = [
        {
            "meeting_id": meeting_id,
            "activity_id": activity_ids[c["activity"] - 1] if c["activity"] is not None else None,
            "reaction": c["reaction"],
            "count": c["count"],
            "created_at": utcnow(),
        }
        for c in reactions["counts"]
    ]
    if counts:
        session.execute(insert(COUNTS), counts)
