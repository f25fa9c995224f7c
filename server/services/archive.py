"""Restore a meeting from its JSON export (``kring-export/1``): a new meeting, closed, with all data.

The text is checked against server/services/export_schema.json first, then for what a schema cannot say
(numbering, references, each answer against its activity); nothing is written unless it all holds.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from sqlalchemy import insert, select, update
from sqlmodel import Session, col

from server.db.tables import Activity, AgendaBlock, Answer, Meeting, Participant, Submission, utcnow
from server.domain.errors import DomainError
from server.domain.words import host_text
from server.kinds import Change, Moderation, get, settings_for
from server.services import qa_export
from server.services.answers import AnswerOp
from server.services.export_view import STEP_IN_PREFIX
from server.services.exports import FORMAT
from server.services.keys import hash_key, new_code, new_key

SCHEMA_PATH = Path(__file__).resolve().parent / "export_schema.json"
INVALID = "invalid_export"
MESSAGE_MAX = 300


@dataclass(frozen=True, slots=True)
class Restored:
    meeting_id: int
    code: str
    host_key: str
    presenter_key: str


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _fail(where: str, problem: str) -> DomainError:
    message = f"{where}: {problem}" if where else problem
    if len(message) > MESSAGE_MAX:
        message = message[: MESSAGE_MAX - 1] + "…"
    return DomainError(INVALID, f"Invalid export: {message}", path=where)


def _path(parts: Any) -> str:
    text = "$"
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def parse(text: str | bytes) -> dict[str, Any]:
    """The export as JSON values, checked against the schema; a DomainError names path and problem."""
    if isinstance(text, str):
        text = text.removeprefix("\ufeff")  # a byte order mark some editors add on saving
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        detail = (
            f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
            if isinstance(exc, json.JSONDecodeError)
            else str(exc)
        )
        raise _fail("", f"not JSON ({detail}).") from None
    except RecursionError:  # json.loads guards its C stack: [[[[... a hundred thousand deep
        raise _fail("", "not JSON this program can read (nested too deeply).") from None
    if not isinstance(document, dict):
        raise _fail("$", "an export is a JSON object.")
    found = document.get("format")
    if found != FORMAT:
        raise _fail("$.format", f"expected {FORMAT!r}, found {found!r}; this Kring reads {FORMAT} exports.")
    error = best_match(Draft202012Validator(schema()).iter_errors(document))
    if error is not None:
        raise _fail(_path(error.absolute_path), error.message)
    _check_texts(document)
    return document


def _check_texts(document: dict[str, Any]) -> None:
    """Every text of the export through the host text rule (no NUL, control characters,
    noncharacters or stacks of marks), as if the host typed it; answers are checked again by kind."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            try:
                host_text(value, field=_path(path))
            except DomainError as exc:
                raise DomainError(INVALID, f"Invalid export: {exc.message}", path=_path(path)) from None
        elif isinstance(value, dict):
            stack += [((*path, key), item) for key, item in value.items()]
        elif isinstance(value, list):
            stack += [((*path, index), item) for index, item in enumerate(value)]


def _numbered(items: list[dict[str, Any]], where: str, field: str = "number") -> None:
    for index, item in enumerate(items):
        if item[field] != index + 1:
            raise _fail(f"{where}[{index}].{field}", f"expected {index + 1}: numbers run 1..n in order.")


def _reference(value: int | None, count: int, where: str, what: str) -> None:
    if value is not None and not 1 <= value <= count:
        raise _fail(where, f"there is no {what} {value} (there are {count}).")


def _time(value: str | None) -> datetime | None:
    return None if value is None else _moment(value)


def _moment(value: str) -> datetime:
    """A schema-checked UTC time ("...Z") as an aware datetime."""
    return datetime.fromisoformat(value)


@dataclass(slots=True)
class _CheckedAnswer:
    entry: int
    participant: int
    slot: str
    payload: dict[str, Any]
    created_at: datetime
    updated_at: datetime


def _check_activity(index: int, activity: Mapping[str, Any], participants: int) -> list[_CheckedAnswer]:
    """Every answer against its activity, as the app would have accepted it; payloads normalised."""
    where = f"$.activities[{index}]"
    kind = get(activity["kind"])
    try:
        settings = settings_for(kind.name, activity["settings"])
    except DomainError as exc:
        raise _fail(f"{where}.settings", exc.message) from None
    answers: list[dict[str, Any]] = activity["answers"]
    _numbered(answers, f"{where}.answers", "entry")
    tally = kind.new_tally()
    own: dict[int, dict[str, Mapping[str, object]]] = {}
    checked: list[_CheckedAnswer] = []
    for position, answer in enumerate(answers):
        at = f"{where}.answers[{position}]"
        participant, slot = answer["participant"], answer["slot"]
        _reference(participant, participants, f"{at}.participant", "participant")
        mine = own.setdefault(participant, {})
        if slot in mine:
            raise _fail(f"{at}.slot", f"participant {participant} already has an answer in slot {slot!r}.")
        if slot.startswith(STEP_IN_PREFIX):
            target = slot.removeprefix(STEP_IN_PREFIX)
            if not (target.isdigit() and 1 <= int(target) < answer["entry"]):
                raise _fail(f"{at}.slot", "a step-in names the entry number of an earlier word.")
        try:
            payload = kind.validate_answer(
                settings, slot, answer["payload"], own=mine, participant=participant, tally=tally
            )
        except DomainError as exc:
            raise _fail(f"{at}.payload", exc.message) from None
        created, updated = _moment(answer["created_at"]), _moment(answer["updated_at"])
        tally.apply(Change(participant, slot, answer["entry"], None, payload))
        mine[slot] = payload
        checked.append(_CheckedAnswer(answer["entry"], participant, slot, dict(payload), created, updated))
    moderation = activity["moderation"]
    for field in ("highlighted", "hidden_entries"):
        for position, number in enumerate(moderation[field]):
            _reference(number, len(answers), f"{where}.moderation.{field}[{position}]", "entry")
    return checked


def check(document: Mapping[str, Any]) -> list[list[_CheckedAnswer]]:
    """What the schema cannot say: numbering, references, and each answer valid for its activity."""
    blocks: list[dict[str, Any]] = document["blocks"]
    participants: list[dict[str, Any]] = document["participants"]
    activities: list[dict[str, Any]] = document["activities"]
    _numbered(blocks, "$.blocks")
    _numbered(participants, "$.participants")
    _numbered(activities, "$.activities")
    _reference(document["agenda"]["current_block"], len(blocks), "$.agenda.current_block", "block")
    for index, activity in enumerate(activities):
        _reference(activity["block"], len(blocks), f"$.activities[{index}].block", "block")
    _check_beside(document.get("beside"), len(participants), len(activities))
    return [_check_activity(i, a, len(participants)) for i, a in enumerate(activities)]


def _check_beside(beside: Mapping[str, Any] | None, participants: int, activities: int) -> None:
    """The Q&A's questions numbered in order, and every participant and activity they name there."""
    if not beside:
        return
    questions = beside["qa"]["questions"]
    _numbered(questions, "$.beside.qa.questions")
    for index, question in enumerate(questions):
        at = f"$.beside.qa.questions[{index}]"
        _reference(question["participant"], participants, f"{at}.participant", "participant")
        for voter in question["voters"]:
            _reference(voter, participants, f"{at}.voters", "participant")
    for index, count in enumerate(beside["reactions"]["counts"]):
        _reference(count["activity"], activities, f"$.beside.reactions.counts[{index}].activity", "activity")


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
        created_at=_moment(meta["created_at"]),
        retention_days=meta["retention_days"],
        imported_at=utcnow(),
        agenda_started_at=_time(agenda["started_at"]),
        agenda_ended_at=_time(agenda["ended_at"]),
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
                "started_at": _time(b["started_at"]),
                "entered_at": _time(b["entered_at"]),
                "spent_seconds": b["spent_seconds"],
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
                "created_at": _moment(p["joined_at"]),
            }
            for p in document["participants"]
        ],
    )

    for position, (activity, checked) in enumerate(zip(document["activities"], answers, strict=True)):
        _restore_activity(session, meeting_id, position, activity, checked, block_ids, participant_ids)
    session.flush()
    in_order = select(col(Activity.id)).where(col(Activity.meeting_id) == meeting_id)
    activity_ids = [int(i) for i in session.scalars(in_order.order_by(col(Activity.position))) if i]
    qa_export.restore(session, meeting_id, document.get("beside"), participant_ids, activity_ids, _moment)
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
    checked: list[_CheckedAnswer],
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
    raise DomainError("no_code", "Could not find a free join code; try again.")  # pragma: no cover
