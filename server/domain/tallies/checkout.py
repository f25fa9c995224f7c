"""The check-out tally ("instappen in de kring"): words in order of appearance and who steps in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from server.domain.activities import Kind, Settings
from server.domain.tallies.base import Audience, Change, Tally, bump, text_field
from server.domain.tallies.moderation import Moderation

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

    def owner_of(self, entry_id: int) -> int | None:
        word = self._words.get(entry_id)
        return word[0] if word else None

    def _add(self, change: Change, payload: Mapping[str, object]) -> None:
        if change.slot == WORD_SLOT:
            self._words[change.entry_id] = (change.participant, text_field(payload, "word"))
        else:
            bump(self._stepins, _target(change.slot), 1)

    def _remove(self, change: Change, payload: Mapping[str, object]) -> None:
        if change.slot == WORD_SLOT:
            self._words.pop(change.entry_id, None)
        else:
            bump(self._stepins, _target(change.slot), -1)

    def _snapshot(self, settings: Settings, moderation: Moderation, audience: Audience) -> dict[str, object]:
        words = [
            {"id": entry_id, "text": text, "stepins": max(self._stepins.get(entry_id, 0), 0)}
            for entry_id, (_, text) in sorted(self._words.items())
        ]
        return {"words": words}

    def _state(self) -> object:
        return (sorted(self._words.items()), sorted(self._stepins.items()))


def _target(slot: str) -> int:
    if not slot.startswith(STEP_IN_PREFIX):
        raise ValueError(f"checkout slot {slot!r} is neither 'word' nor a step-in")
    return int(slot.removeprefix(STEP_IN_PREFIX))
