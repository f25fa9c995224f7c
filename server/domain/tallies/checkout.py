"""The check-out tally ("instappen in de kring"): words in order of appearance and who steps in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from heapq import nlargest, nsmallest
from typing import ClassVar

from server.domain.activities import Kind, Settings
from server.domain.tallies.base import Audience, Change, Tally, bump, text_field
from server.domain.tallies.bounds import CHECKOUT_NEWEST, CHECKOUT_TOP
from server.domain.tallies.moderation import Moderation
from server.domain.words import normalise_word

WORD_SLOT = "word"
STEP_IN_PREFIX = "in:"


class CheckoutTally(Tally):
    kind: ClassVar[Kind] = "checkout"

    def __init__(self) -> None:
        super().__init__()
        self._words: dict[int, tuple[int, str]] = {}  # entry id -> (owner, word)
        # Step-ins are counted per target entry whether or not that word is known here yet: another
        # worker's step-in may arrive before the word it steps in on, and the counts must commute.
        self._stepins: dict[int, int] = {}
        self._keys: dict[int, str] = {}  # entry id -> the word as `find` compares it

    def owner_of(self, entry_id: int) -> int | None:
        word = self._words.get(entry_id)
        return word[0] if word else None

    def _add(self, change: Change, payload: Mapping[str, object]) -> None:
        if change.slot == WORD_SLOT:
            text = text_field(payload, "word")
            self._words[change.entry_id] = (change.participant, text)
            self._keys[change.entry_id] = normalise_word(text)
        else:
            bump(self._stepins, _target(change.slot), 1)

    def _remove(self, change: Change, payload: Mapping[str, object]) -> None:
        if change.slot == WORD_SLOT:
            self._words.pop(change.entry_id, None)
            self._keys.pop(change.entry_id, None)
        else:
            bump(self._stepins, _target(change.slot), -1)

    def _snapshot(self, settings: Settings, moderation: Moderation, audience: Audience) -> dict[str, object]:
        if audience == "participant":
            # Phones get a bounded list: the most stepped in on and the newest; any other word
            # is found by typing (`find`), and a phone's own words come with its `mine` frame.
            most = nsmallest(CHECKOUT_TOP, self._words, key=lambda entry: (-self._count(entry), entry))
            shown = sorted({*most, *nlargest(CHECKOUT_NEWEST, self._words)})
            return {"words": self.words(shown), "total": len(self._words)}
        return {"words": self.words(sorted(self._words))}

    def words(self, entry_ids: Iterable[int]) -> list[dict[str, object]]:
        """These words (those still in the circle), as phones and screens show them."""
        return [
            {"id": entry_id, "text": self._words[entry_id][1], "stepins": self._count(entry_id)}
            for entry_id in entry_ids
            if entry_id in self._words
        ]

    def mentioned(self, slots: Mapping[str, tuple[int, object, object]]) -> list[dict[str, object]]:
        """The words one participant's answers are about, by slot -> (entry id, ...): their own
        word and the words they stepped in on."""
        ids = {entry if slot == WORD_SLOT else _target(slot) for slot, (entry, *_) in slots.items()}
        return self.words(sorted(ids))

    def find(self, query: str, limit: int) -> tuple[list[dict[str, object]], bool]:
        """Words containing ``query`` (compared as word-cloud keys are: case and spacing aside),
        those starting with it first, then the most stepped in on; and whether more matched."""
        needle = normalise_word(query)
        matches = [
            (not key.startswith(needle), -self._count(entry_id), entry_id)
            for entry_id, key in self._keys.items()
            if needle in key
        ]
        best = nsmallest(limit, matches)
        return self.words(entry_id for _, _, entry_id in best), len(matches) > limit

    def _count(self, entry_id: int) -> int:
        return max(self._stepins.get(entry_id, 0), 0)

    def _state(self) -> object:
        return (sorted(self._words.items()), sorted(self._stepins.items()))


def _target(slot: str) -> int:
    if not slot.startswith(STEP_IN_PREFIX):
        raise ValueError(f"checkout slot {slot!r} is neither 'word' nor a step-in")
    return int(slot.removeprefix(STEP_IN_PREFIX))
