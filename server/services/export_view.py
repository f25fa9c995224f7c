"""The export-local view of a meeting, shared by every export: participants by export numbers
(1..n in join order), answers by entry numbers (1..n per activity), moderation by entry number,
and each activity's host results recounted from its rows; the exports' words; times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from typing import Any

from server.domain.errors import DomainError
from server.i18n import say, words
from server.kinds import REGISTRY, Change, Moderation, get, settings_for, tally_from_rows
from server.services.export_data import ActivityData, AnswerData, MeetingData
from server.text import C_, N_, Text

STEP_IN_PREFIX = "in:"

Cell = str | int | float | bool | datetime | None

# The exports' words, said in the meeting's language through the catalogue (server/i18n.py).
LABELS: dict[str, Text] = {
    "number": C_("export column", "No"),
    "participant": N_("Participant"),
    "nickname": N_("Nickname"),
    "answer": N_("Answer"),
    "word": N_("Word"),
    "statement": N_("Statement"),
    "value": N_("Value"),
    "choice": N_("Choice"),
    "group": N_("Group"),
    "insight": N_("Insight"),
    "action": N_("Action"),
    "name": N_("Name"),
    "hidden": N_("Hidden"),
    "time": N_("Time"),
    "yes": N_("yes"),
    "no": N_("no"),
    "summary": N_("Summary"),
    "activity": N_("Activity"),
    "kind": N_("Kind"),
    "answers": N_("Answers"),
    "participants": N_("Participants"),
    "mean": N_("Mean"),
    "title": N_("Title"),
    "theme": N_("Theme"),
    "date": N_("Date"),
}


def labels(language: str) -> dict[str, str]:
    return words(LABELS, language)


def kind_names(language: str) -> dict[str, str]:
    return {name: say(kind.label, language) for name, kind in REGISTRY.items()}


# -- the export-local view of a meeting ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """One acknowledged answer, by export-local numbers."""

    number: int  # 1..n within its activity, in the order the answers were first stored
    participant: int  # the participant's export number
    nickname: str | None
    slot: str  # a step-in's slot names the entry number of the word: "in:<number>"
    payload: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    hidden: bool


@dataclass(frozen=True, slots=True)
class Prepared:
    """An activity ready to be written: numbered entries, moderation by entry number, results."""

    number: int
    activity: ActivityData
    settings: dict[str, Any]
    entries: tuple[Entry, ...]
    moderation: Moderation
    results: dict[str, Any]

    @property
    def respondents(self) -> int:
        return len({e.participant for e in self.entries})

    def mean(self) -> float | None:
        """The summary's mean over every answer, where the kind has one."""
        return get(self.activity.kind).mean(self.settings, self.entries)


def participant_numbers(data: MeetingData) -> dict[int, int]:
    """Database id -> export number, 1..n in join order."""
    ordered = sorted(data.participants, key=lambda p: (p.joined_at, p.id))
    return {p.id: number for number, p in enumerate(ordered, 1)}


def prepare(data: MeetingData) -> list[Prepared]:
    numbers = participant_numbers(data)
    nicknames = {numbers[p.id]: p.nickname for p in data.participants}
    return [_prepare(index, a, numbers, nicknames) for index, a in enumerate(data.activities, 1)]


def _prepare(
    number: int, activity: ActivityData, numbers: Mapping[int, int], nicknames: Mapping[int, str | None]
) -> Prepared:
    kind = get(activity.kind)
    try:
        settings = settings_for(kind.name, activity.settings).model_dump(mode="json")
    except DomainError:  # pragma: no cover - stored settings were checked when they were written
        settings = dict(activity.settings)
    kept: list[AnswerData] = []
    local: dict[int, int] = {}
    for answer in activity.answers:
        if answer.participant_id not in numbers:  # pragma: no cover - the foreign key cascades
            continue
        if answer.slot.startswith(STEP_IN_PREFIX) and _step_in_target(answer.slot) not in local:
            continue  # a step-in on a word that is gone (the withdrawal normally takes it along)
        kept.append(answer)
        local[answer.entry_id] = len(kept)
    stored = Moderation.from_json(activity.moderation)
    moderation = Moderation(
        highlighted={local[e] for e in stored.highlighted if e in local},
        hidden_entries={local[e] for e in stored.hidden_entries if e in local},
        hidden_words=set(stored.hidden_words),
        merges=dict(stored.merges),
        profanity_filter_off=stored.profanity_filter_off,
    )
    entries: list[Entry] = []
    for answer in kept:
        slot = answer.slot
        if slot.startswith(STEP_IN_PREFIX):
            slot = f"{STEP_IN_PREFIX}{local[_step_in_target(slot)]}"
        entry_number = local[answer.entry_id]
        participant = numbers[answer.participant_id]
        entry = Entry(
            number=entry_number,
            participant=participant,
            nickname=nicknames.get(participant),
            slot=slot,
            payload=dict(answer.payload),
            created_at=answer.created_at,
            updated_at=answer.updated_at,
            hidden=False,
        )
        entries.append(replace(entry, hidden=kind.hidden(entry, moderation)))
    rows = [Change(e.participant, e.slot, e.number, None, e.payload, e.nickname) for e in entries]
    results = tally_from_rows(kind.name, rows).snapshot(
        settings_for(kind.name, settings), moderation, audience="host"
    )
    return Prepared(number, activity, settings, tuple(entries), moderation, dict(results))


def _step_in_target(slot: str) -> int:
    number = slot.removeprefix(STEP_IN_PREFIX)
    return int(number) if number.isascii() and number.isdigit() else -1


def utc_text(moment: datetime | None) -> str | None:
    """UTC ISO 8601 with Z; microseconds only when there are any."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def local_time(moment: datetime, zone: tzinfo) -> datetime:
    """A naive datetime on the wall clock of ``zone`` (spreadsheets know no time zones)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).replace(tzinfo=None)
