"""Restore a meeting from its JSON export (``kring-export/1``): a new meeting, closed, with all data.

The text is checked against server/services/export_schema.json first, then for what a schema cannot say
(numbering, references, each answer against its activity); nothing is written unless it all holds.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import Session, col

from server.db.tables import Activity, AgendaBlock, Answer, Meeting, Participant, Submission, utcnow
from server.domain.errors import Code, DomainError
from server.kinds import Moderation, settings_for
from server.services import qa_export
from server.services.answers import AnswerOp
from server.services.archive_check import CheckedAnswer, check, moment, optional_moment, parse
from server.services.export_view import STEP_IN_PREFIX
from server.services.keys import hash_key, new_code, new_key


@dataclass(frozen=True, slots=True)
class Restored:
    meeting_id: int
    code: str
    host_key: str
    presenter_key: str


def restore(session: Session, text: str | bytes, *, owner_id: int | None = None) -> Restored:
    """A new meeting from an export: fresh join code, keys and participant tokens; every activity
    closed and none current; ``imported_at`` set (the retention clock restarts). Flushed, not committed.
    """
    document = parse(text)
    answers = check(document)
    meta = document["meeting"]
    agenda = document["agenda"]
    host_key, presenter_key = new_key(24), new_key(18)
    code = _free_code(session)
    meeting = Meeting(
        code=code,
        title=meta["title"],
        theme=meta["theme"],
        language=meta["language"],
        description=meta.get("description", ""),
        preparation=meta.get("preparation", ""),
        host_key_hash=hash_key(host_key),
        presenter_key_hash=hash_key(presenter_key),
        owner_id=owner_id,
        created_at=moment(meta["created_at"]),
        retention_days=meta["retention_days"],
        imported_at=utcnow(),
        agenda_started_at=optional_moment(agenda["started_at"]),
        agenda_ended_at=optional_moment(agenda["ended_at"]),
    )
    session.add(meeting)
    session.flush()
    assert meeting.id is not None
    meeting_id = meeting.id

    block_ids = _insert(
        session,
        AgendaBlock,
        [
            {
                "meeting_id": meeting_id,
                "position": position,
                "title": b["title"],
                "goal": b["goal"],
                "description": b["description"],
                "who": b["who"],
                "materials": b["materials"],
                "essential": b["essential"],
                "is_break": b["is_break"],
                "start_time": b["start_time"],
                "duration_minutes": b["duration_minutes"],
                "started_at": optional_moment(b["started_at"]),
                "entered_at": optional_moment(b["entered_at"]),
                "spent_seconds": b["spent_seconds"],
                "self_paced": b.get("self_paced", False),
            }
            for position, b in enumerate(document["blocks"])
        ],
    )
    current = agenda["current_block"]
    if current is not None:
        meeting.current_block_id = block_ids[current - 1]
        session.add(meeting)

    participant_ids = _insert(
        session,
        Participant,
        [
            {
                "meeting_id": meeting_id,
                "token_hash": hash_key(
                    new_key(16)
                ),  # nobody holds the token: a restored meeting is an archive
                "nickname": p["nickname"],
                "created_at": moment(p["joined_at"]),
            }
            for p in document["participants"]
        ],
    )

    for position, (activity, checked) in enumerate(zip(document["activities"], answers, strict=True)):
        _restore_activity(session, meeting_id, position, activity, checked, block_ids, participant_ids)
    session.flush()
    in_order = select(col(Activity.id)).where(col(Activity.meeting_id) == meeting_id)
    activity_ids = [int(i) for i in session.scalars(in_order.order_by(col(Activity.position))) if i]
    qa_export.restore(session, meeting_id, document.get("beside"), participant_ids, activity_ids, moment)
    session.flush()
    return Restored(meeting_id, code, host_key, presenter_key)


def import_json(session: Session, text: str | bytes, *, owner_id: int | None = None) -> int:
    """Restore an export as a new meeting; its id. Raises DomainError('invalid_export', ...)."""
    return restore(session, text, owner_id=owner_id).meeting_id


def _restore_activity(
    session: Session,
    meeting_id: int,
    position: int,
    activity: Mapping[str, Any],
    checked: list[CheckedAnswer],
    block_ids: list[int],
    participant_ids: list[int],
) -> None:
    kind = activity["kind"]
    block = activity["block"]
    row = Activity(
        meeting_id=meeting_id,
        position=position,
        kind=kind,
        prompt=activity["prompt"],
        settings=settings_for(kind, activity["settings"]).model_dump(mode="json"),
        status="closed",
        show_results_presenter=activity["visibility"]["presenter"],
        show_results_phones=activity["visibility"]["phones"],
        moderation={},
        block_id=None if block is None else block_ids[block - 1],
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    activity_id = row.id

    # Step-ins name their word's entry id, known only once the word is stored: a placeholder first.
    client_ids = [f"import-{uuid.uuid4().hex}" for _ in checked]
    entry_ids = _insert(
        session,
        Answer,
        [
            {
                "activity_id": activity_id,
                "participant_id": participant_ids[a.participant - 1],
                "slot": f"{STEP_IN_PREFIX}?{a.entry}" if a.slot.startswith(STEP_IN_PREFIX) else a.slot,
                "payload": a.payload,
                "client_id": client_id,
                "rev": 1,
                "created_at": a.created_at,
                "updated_at": a.updated_at,
            }
            for a, client_id in zip(checked, client_ids, strict=True)
        ],
    )
    slots: list[str] = []
    for a, entry_id in zip(checked, entry_ids, strict=True):
        slot = a.slot
        if slot.startswith(STEP_IN_PREFIX):
            slot = f"{STEP_IN_PREFIX}{entry_ids[int(slot.removeprefix(STEP_IN_PREFIX)) - 1]}"
            session.execute(update(Answer).where(col(Answer.id) == entry_id).values(slot=slot))
        slots.append(slot)

    # The idempotency log holds every client id an answer row carries, as the app writes it.
    if checked:
        session.execute(
            insert(Submission),
            [
                {
                    "participant_id": participant_ids[a.participant - 1],
                    "client_id": client_id,
                    "activity_id": activity_id,
                    "op": "answer",
                    "slot": slot,
                    "fingerprint": AnswerOp(
                        meeting_id,
                        activity_id,
                        participant_ids[a.participant - 1],
                        client_id,
                        "answer",
                        slot,
                        a.payload,
                    ).fingerprint,
                    "entry_id": entry_id,
                    "payload": a.payload,
                    "created_at": a.updated_at,
                }
                for a, client_id, entry_id, slot in zip(checked, client_ids, entry_ids, slots, strict=True)
            ],
        )

    stored = Moderation.from_json(activity["moderation"])
    stored.highlighted = {entry_ids[n - 1] for n in stored.highlighted}
    stored.hidden_entries = {entry_ids[n - 1] for n in stored.hidden_entries}
    row.moderation = stored.to_json()
    session.add(row)


def _insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows in order; their new ids in the same order."""
    if not rows:
        return []
    ids = session.scalars(insert(table).returning(table.id, sort_by_parameter_order=True), rows).all()
    return [int(i) for i in ids]


def _free_code(session: Session) -> str:
    for _ in range(20):
        code = new_code()
        if session.scalar(select(col(Meeting.id)).where(col(Meeting.code) == code)) is None:
            return code
    raise DomainError(Code.NO_CODE, "Could not find a free join code; try again.")  # pragma: no cover
