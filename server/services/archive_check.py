"""Checking a JSON export (``kring-export/1``) before it is restored: against
server/services/export_schema.json first, then for what a schema cannot say (numbering, references,
each answer against its activity, recounted). Pure: nothing is read or written here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from server.domain.errors import Code, DomainError
from server.domain.words import host_text
from server.kinds import Change, get, settings_for
from server.services.export_view import STEP_IN_PREFIX
from server.services.exports import FORMAT

SCHEMA_PATH = Path(__file__).resolve().parent / "export_schema.json"
MESSAGE_MAX = 300


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _fail(where: str, problem: str) -> DomainError:
    message = f"{where}: {problem}" if where else problem
    if len(message) > MESSAGE_MAX:
        message = message[: MESSAGE_MAX - 1] + "…"
    return DomainError(Code.INVALID_EXPORT, f"Invalid export: {message}", path=where)


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
                raise DomainError(
                    Code.INVALID_EXPORT, f"Invalid export: {exc.message}", path=_path(path)
                ) from None
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


def optional_moment(value: str | None) -> datetime | None:
    return None if value is None else moment(value)


def moment(value: str) -> datetime:
    """A schema-checked UTC time ("...Z") as an aware datetime."""
    return datetime.fromisoformat(value)


@dataclass(slots=True)
class CheckedAnswer:
    entry: int
    participant: int
    slot: str
    payload: dict[str, Any]
    created_at: datetime
    updated_at: datetime


def _check_activity(index: int, activity: Mapping[str, Any], participants: int) -> list[CheckedAnswer]:
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
    checked: list[CheckedAnswer] = []
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
        created, updated = moment(answer["created_at"]), moment(answer["updated_at"])
        tally.apply(Change(participant, slot, answer["entry"], None, payload))
        mine[slot] = payload
        checked.append(CheckedAnswer(answer["entry"], participant, slot, dict(payload), created, updated))
    moderation = activity["moderation"]
    for field in ("highlighted", "hidden_entries"):
        for position, number in enumerate(moderation[field]):
            _reference(number, len(answers), f"{where}.moderation.{field}[{position}]", "entry")
    return checked


def check(document: Mapping[str, Any]) -> list[list[CheckedAnswer]]:
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
    for index, run in enumerate(document.get("questionnaires", [])):
        for at, step in enumerate(run["steps"]):
            _reference(step, len(activities), f"$.questionnaires[{index}].steps[{at}]", "activity")
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
