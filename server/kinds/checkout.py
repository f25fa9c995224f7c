"""Check-out ("instappen in de kring"): a word each, and stepping in on someone else's word."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from heapq import nlargest, nsmallest
from typing import Any, ClassVar

from server.domain.words import normalise_word
from server.kinds.base import (
    ActivityKind,
    Audience,
    Cell,
    Change,
    Demo,
    Entry,
    Item,
    KindSettings,
    ReportContext,
    Results,
    Say,
    Tally,
    bump,
    items,
    plain,
    text_field,
)
from server.kinds.bounds import CHECKOUT_NEWEST, CHECKOUT_TOP
from server.kinds.fields import (
    STEP_IN_PREFIX,
    WORD_MAX_LENGTH,
    WORD_SLOT,
    fields,
    step_in_slot,
    step_in_target,
    word,
)
from server.kinds.moderation import Moderation
from server.text import N_

STEP_IN = N_("step-in on {word}")


class CheckoutSettings(KindSettings):
    max_length: ClassVar[int] = WORD_MAX_LENGTH


class CheckoutWord(Item):
    id: int
    text: str
    stepins: int


class CheckoutScreen(Results):
    words: list[CheckoutWord]


class CheckoutPhone(Results):
    words: list[CheckoutWord]
    total: int


class CheckoutTally(Tally):
    kind: ClassVar[str] = "checkout"
    searchable: ClassVar[bool] = True

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

    def _snapshot(
        self, settings: KindSettings, moderation: Moderation, audience: Audience
    ) -> dict[str, object]:
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

    def mentioned(self, slots: Mapping[str, tuple[int, object, object]]) -> list[dict[str, object]] | None:
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


class Checkout(ActivityKind):
    name = "checkout"
    label = N_("Check-out")
    prompt = N_("Check-out: which word do you take with you?")
    settings = CheckoutSettings
    tally = CheckoutTally
    results: ClassVar[Mapping[Audience, type[Results]]] = {
        "presenter": CheckoutScreen,
        "host": CheckoutScreen,
        "participant": CheckoutPhone,
    }
    export_columns = (N_("Word"),)
    payload_schema: ClassVar[Mapping[str, Any]] = {
        "description": 'The word (slot "word"), or {} for a step-in (slot "in:<entry number of the word>").',
        "oneOf": [
            {
                "type": "object",
                "additionalProperties": False,
                "required": ["word"],
                "properties": {"word": {"type": "string"}},
            },
            {"type": "object", "maxProperties": 0},
        ],
    }
    results_on_phones_always = True  # a phone steps in on the words it sees

    def demo(self, say: Say) -> Demo | None:
        return Demo(order=90, settings={})  # the check-out closes the meeting

    def _normalise(
        self, settings: KindSettings, slot: str, payload: Mapping[str, object]
    ) -> dict[str, object]:
        if slot == WORD_SLOT:
            return {"word": word(fields(self.name, payload, "word"), self.name)}
        step_in_slot(slot)
        fields(self.name, payload)
        return {}

    def validate_withdraw(self, settings: KindSettings, slot: str) -> None:
        if slot != WORD_SLOT:
            step_in_slot(slot)

    def step_in_target(self, slot: str) -> int | None:
        return step_in_target(slot)

    def phone_payload(self, settings: KindSettings) -> dict[str, int]:
        return {"word": WORD_MAX_LENGTH, "find": WORD_MAX_LENGTH}  # a search is typed like a word

    def export_row(
        self,
        entry: Entry,
        settings: Mapping[str, Any],
        by_number: Callable[[int], Entry | None],
        say: Say,
    ) -> list[Cell]:
        target_number = step_in_target(entry.slot)
        if target_number is not None:
            target = by_number(target_number)
            said = plain(target.payload.get("word")) if target is not None else ""
            return [say(N_(STEP_IN.msgid, word=said))]
        return [plain(entry.payload.get("word"))]

    def report_section(
        self, base: dict[str, Any], results: Mapping[str, Any], ctx: ReportContext
    ) -> dict[str, Any] | None:
        checkout = [
            {"text": plain(w.get("text")), "stepins": int(w.get("stepins", 0))}
            for w in items(results.get("words"))
        ]
        if not checkout:
            return None
        for said in checkout:
            said["label"] = ctx.words["stepped_in_one"] if said["stepins"] == 1 else ctx.words["stepped_in"]
        return {**base, "kicker": ctx.words["checkout"], "words": checkout}
