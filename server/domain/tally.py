"""Incremental tallies, one per activity kind: O(1) per change, snapshots built on demand.

Changes commute across rows: every worker applies the same set of row changes (each row's own
changes in order) in whatever order they arrive and ends with the same tally.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from server.domain.activities import (
    ChoiceSettings,
    Kind,
    ScalesSettings,
    Settings,
    WordcloudSettings,
)
from server.domain.words import is_profane, normalise_word

Audience = Literal["host", "presenter", "participant"]


@dataclass(frozen=True, slots=True)
class Change:
    participant: int
    slot: str
    entry_id: int
    old: Mapping[str, object] | None
    new: Mapping[str, object] | None
    nickname: str | None = None


@dataclass
class Moderation:
    highlighted: set[int] = field(default_factory=set)
    hidden_entries: set[int] = field(default_factory=set)
    hidden_words: set[str] = field(default_factory=set)
    merges: dict[str, str] = field(default_factory=dict)
    profanity_filter_off: bool = False

    @classmethod
    def from_json(cls, raw: Mapping[str, Any] | None) -> Moderation:
        raw = raw or {}
        return cls(
            highlighted={int(x) for x in raw.get("highlighted", [])},
            hidden_entries={int(x) for x in raw.get("hidden_entries", [])},
            hidden_words={str(x) for x in raw.get("hidden_words", [])},
            merges={str(k): str(v) for k, v in dict(raw.get("merges", {})).items()},
            profanity_filter_off=bool(raw.get("profanity_filter_off", False)),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "highlighted": sorted(self.highlighted),
            "hidden_entries": sorted(self.hidden_entries),
            "hidden_words": sorted(self.hidden_words),
            "merges": dict(sorted(self.merges.items())),
            "profanity_filter_off": self.profanity_filter_off,
        }

    def resolve(self, key: str) -> str:
        """Follow merges to the word a key counts under; a cycle stops where it closes."""
        seen = {key}
        while key in self.merges:
            key = self.merges[key]
            if key in seen:
                break
            seen.add(key)
        return key


class Tally(ABC):
    kind: Kind

    def __init__(self) -> None:
        self._rows = 0
        self._per_participant: Counter[int] = Counter()

    def apply(self, change: Change) -> None:
        if change.old is None and change.new is not None:
            self._rows += 1
            self._per_participant[change.participant] += 1
        elif change.old is not None and change.new is None:
            self._rows -= 1
            self._per_participant[change.participant] -= 1
            if self._per_participant[change.participant] <= 0:
                del self._per_participant[change.participant]
        if change.old is not None:
            self._remove(change, change.old)
        if change.new is not None:
            self._add(change, change.new)

    def responses(self) -> int:
        return self._rows

    def respondents(self) -> int:
        return len(self._per_participant)

    def owner_of(self, entry_id: int) -> int | None:
        return None

    def snapshot(
        self, settings: Settings, moderation: Moderation, *, audience: Audience
    ) -> dict[str, object]:
        body = self._snapshot(settings, moderation, audience)
        return {"kind": self.kind, **body, "responses": self._rows, "respondents": self.respondents()}

    def state(self) -> object:
        return (self._rows, sorted(self._per_participant.items()), self._state())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tally) and self.kind == other.kind and self.state() == other.state()

    __hash__ = None  # type: ignore[assignment]

    @abstractmethod
    def _add(self, change: Change, payload: Mapping[str, object]) -> None: ...

    @abstractmethod
    def _remove(self, change: Change, payload: Mapping[str, object]) -> None: ...

    @abstractmethod
    def _snapshot(
        self, settings: Settings, moderation: Moderation, audience: Audience
    ) -> dict[str, object]: ...

    @abstractmethod
    def _state(self) -> object: ...


class OpenTally(Tally):
    kind: Kind = "open"

    def __init__(self) -> None:
        super().__init__()
        self.answers: dict[int, str] = {}

    def _add(self, change: Change, payload: Mapping[str, object]) -> None:
        self.answers[change.entry_id] = str(payload["text"])

    def _remove(self, change: Change, payload: Mapping[str, object]) -> None:
        self.answers.pop(change.entry_id, None)

    def _snapshot(self, settings: Settings, moderation: Moderation, audience: Audience) -> dict[str, object]:
        items = []
        for entry_id, text in self.answers.items():
            hidden = entry_id in moderation.hidden_entries
            if hidden and audience != "host":
                continue
            item: dict[str, object] = {
                "id": entry_id,
                "text": text,
                "highlighted": entry_id in moderation.highlighted,
            }
            if audience == "host":
                item["hidden"] = hidden
            items.append(item)
        items.sort(key=lambda a: (not a["highlighted"], -int(a["id"])))  # type: ignore[call-overload]
        return {"answers": items}

    def _state(self) -> object:
        return sorted(self.answers.items())


class WordcloudTally(Tally):
    kind: Kind = "wordcloud"

    def __init__(self) -> None:
        super().__init__()
        self.spellings: dict[str, Counter[str]] = {}

    def _add(self, change: Change, payload: Mapping[str, object]) -> None:
        text = str(payload["word"])
        self.spellings.setdefault(normalise_word(text), Counter())[text] += 1

    def _remove(self, change: Change, payload: Mapping[str, object]) -> None:
        text = str(payload["word"])
        key = normalise_word(text)
        counter = self.spellings.get(key)
        if counter is None:
            return
        counter[text] -= 1
        if counter[text] <= 0:
            del counter[text]
        if not counter:
            del self.spellings[key]

    def _snapshot(self, settings: Settings, moderation: Moderation, audience: Audience) -> dict[str, object]:
        assert isinstance(settings, WordcloudSettings)
        groups: dict[str, Counter[str]] = {}
        for key, counter in self.spellings.items():
            groups.setdefault(moderation.resolve(key), Counter()).update(counter)
        filtering = settings.profanity_filter and not moderation.profanity_filter_off
        words = []
        for key, counter in groups.items():
            own = self.spellings.get(key)
            text = _most_used(own if own else counter)
            hidden = key in moderation.hidden_words
            profane = _profane(key) or _profane(text)
            if audience != "host" and (hidden or (filtering and profane)):
                continue
            word: dict[str, object] = {"key": key, "text": text, "count": sum(counter.values())}
            if audience == "host":
                word["hidden"] = hidden
                word["profane"] = profane
            words.append(word)
        words.sort(key=lambda w: (-int(w["count"]), str(w["key"])))  # type: ignore[call-overload]
        return {"words": words}

    def _state(self) -> object:
        return sorted((k, sorted(c.items())) for k, c in self.spellings.items())


def _most_used(counter: Counter[str]) -> str:
    return min(counter.items(), key=lambda item: (-item[1], item[0]))[0]


@lru_cache(maxsize=4096)
def _profane(text: str) -> bool:
    return is_profane(text)


class ScalesTally(Tally):
    kind: Kind = "scales"

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[int, Counter[int]] = {}
        self.sums: Counter[int] = Counter()

    def _add(self, change: Change, payload: Mapping[str, object]) -> None:
        index, value = int(change.slot), int(payload["value"])  # type: ignore[call-overload]
        self.values.setdefault(index, Counter())[value] += 1
        self.sums[index] += value

    def _remove(self, change: Change, payload: Mapping[str, object]) -> None:
        index, value = int(change.slot), int(payload["value"])  # type: ignore[call-overload]
        counter = self.values.get(index)
        if counter is None:
            return
        counter[value] -= 1
        if counter[value] <= 0:
            del counter[value]
        if not counter:
            del self.values[index]
        self.sums[index] -= value
        if not self.sums[index]:
            del self.sums[index]

    def _snapshot(self, settings: Settings, moderation: Moderation, audience: Audience) -> dict[str, object]:
        assert isinstance(settings, ScalesSettings)
        statements = []
        for index, text in enumerate(settings.statements):
            counter = self.values.get(index, Counter())
            count = sum(counter.values())
            item: dict[str, object] = {
                "index": index,
                "text": text,
                "count": count,
                "distribution": [counter.get(v, 0) for v in range(settings.min, settings.max + 1)],
                "mean": round(self.sums.get(index, 0) / count, 2) if count else None,
            }
            if settings.mode == "numeric":
                item["values"] = sorted(counter.elements())
            statements.append(item)
        return {
            "mode": settings.mode,
            "min": settings.min,
            "max": settings.max,
            "label_low": settings.label_low,
            "label_high": settings.label_high,
            "statements": statements,
        }

    def _state(self) -> object:
        return (sorted((i, sorted(c.items())) for i, c in self.values.items()), sorted(self.sums.items()))


class CheckoutTally(Tally):
    kind: Kind = "checkout"

    def __init__(self) -> None:
        super().__init__()
        self.words: dict[int, tuple[int, str]] = {}
        # Kept by target entry whether or not the word is known (yet): changes commute.
        self.stepins: dict[int, set[int]] = {}

    def owner_of(self, entry_id: int) -> int | None:
        word = self.words.get(entry_id)
        return word[0] if word else None

    def _add(self, change: Change, payload: Mapping[str, object]) -> None:
        if change.slot == "word":
            self.words[change.entry_id] = (change.participant, str(payload["word"]))
        else:
            self.stepins.setdefault(_target(change.slot), set()).add(change.participant)

    def _remove(self, change: Change, payload: Mapping[str, object]) -> None:
        if change.slot == "word":
            self.words.pop(change.entry_id, None)
            return
        target = _target(change.slot)
        people = self.stepins.get(target)
        if people is not None:
            people.discard(change.participant)
            if not people:
                del self.stepins[target]

    def _snapshot(self, settings: Settings, moderation: Moderation, audience: Audience) -> dict[str, object]:
        words = [
            {"id": entry_id, "text": text, "stepins": len(self.stepins.get(entry_id, ()))}
            for entry_id, (_, text) in sorted(self.words.items())
        ]
        return {"words": words}

    def _state(self) -> object:
        return (sorted(self.words.items()), sorted((k, sorted(v)) for k, v in self.stepins.items()))


def _target(slot: str) -> int:
    return int(slot.partition(":")[2])


class ChoiceTally(Tally):
    kind: Kind = "choice"

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[int] = Counter()

    def _add(self, change: Change, payload: Mapping[str, object]) -> None:
        for option in payload["options"]:  # type: ignore[attr-defined]
            self.counts[int(option)] += 1

    def _remove(self, change: Change, payload: Mapping[str, object]) -> None:
        for option in payload["options"]:  # type: ignore[attr-defined]
            self.counts[int(option)] -= 1
            if self.counts[int(option)] <= 0:
                del self.counts[int(option)]

    def _snapshot(self, settings: Settings, moderation: Moderation, audience: Audience) -> dict[str, object]:
        assert isinstance(settings, ChoiceSettings)
        respondents = self.respondents()
        options = [
            {
                "index": index,
                "text": text,
                "count": self.counts.get(index, 0),
                "percent": round(self.counts.get(index, 0) / respondents * 100, 1) if respondents else 0.0,
            }
            for index, text in enumerate(settings.options)
        ]
        return {"max_choices": settings.max_choices, "options": options}

    def _state(self) -> object:
        return sorted(self.counts.items())


TALLIES: dict[Kind, type[Tally]] = {
    "open": OpenTally,
    "wordcloud": WordcloudTally,
    "scales": ScalesTally,
    "checkout": CheckoutTally,
    "choice": ChoiceTally,
}


def new_tally(kind: Kind) -> Tally:
    return TALLIES[kind]()


def tally_from_rows(kind: Kind, rows: Iterable[Change]) -> Tally:
    """Recompute from scratch: every stored row as an insertion."""
    tally = new_tally(kind)
    for row in rows:
        tally.apply(Change(row.participant, row.slot, row.entry_id, None, row.new, row.nickname))
    return tally
