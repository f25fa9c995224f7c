"""Open question: free text answers on a wall, highlighted first, then newest first."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

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
    expect,
    items,
    plain,
    text_field,
)
from server.kinds.bounds import WALL_NEWEST
from server.kinds.fields import OPEN_MAX_LENGTH, Count, Private, fields, index_slot, text
from server.kinds.moderation import Moderation
from server.text import N_


class OpenSettings(KindSettings):
    max_length: ClassVar[int] = OPEN_MAX_LENGTH
    max_answers: Count = 1
    # Facilitator-only answers (the exploreervraag): see ActivityKind.private.
    private: Private = False


class OpenAnswer(Item):
    id: int
    text: str
    highlighted: bool


class OpenHostAnswer(OpenAnswer):
    hidden: bool


class OpenPresenter(Results):
    answers: list[OpenAnswer]


class OpenHost(Results):
    answers: list[OpenHostAnswer]


class OpenPhone(Results):
    answers: list[OpenAnswer]
    total: int


class OpenTally(Tally):
    kind: ClassVar[str] = "open"

    def __init__(self) -> None:
        super().__init__()
        self._answers: dict[int, str] = {}

    def _add(self, change: Change, payload: Mapping[str, object]) -> None:
        self._answers[change.entry_id] = text_field(payload, "text")

    def _remove(self, change: Change, payload: Mapping[str, object]) -> None:
        self._answers.pop(change.entry_id, None)

    def _snapshot(
        self, settings: KindSettings, moderation: Moderation, audience: Audience
    ) -> dict[str, object]:
        host = audience == "host"
        shown = [entry_id for entry_id in self._answers if host or entry_id not in moderation.hidden_entries]
        shown.sort(key=lambda entry_id: (entry_id not in moderation.highlighted, -entry_id))
        total = len(shown)
        if audience == "participant":  # highlighted first, then the newest: a bounded wall
            shown = shown[:WALL_NEWEST]
        answers: list[dict[str, object]] = []
        for entry_id in shown:
            answer: dict[str, object] = {
                "id": entry_id,
                "text": self._answers[entry_id],
                "highlighted": entry_id in moderation.highlighted,
            }
            if host:
                answer["hidden"] = entry_id in moderation.hidden_entries
            answers.append(answer)
        if audience == "participant":
            return {"answers": answers, "total": total}
        return {"answers": answers}

    def _state(self) -> object:
        return sorted(self._answers.items())


class Open(ActivityKind):
    name = "open"
    label = N_("Open question")
    prompt = N_("What do you expect from the learning network?")
    settings = OpenSettings
    tally = OpenTally
    results: ClassVar[Mapping[Audience, type[Results]]] = {
        "presenter": OpenPresenter,
        "host": OpenHost,
        "participant": OpenPhone,
    }
    export_columns = (N_("Answer"),)
    payload_schema: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["text"],
        "properties": {"text": {"type": "string"}},
    }
    moderation = frozenset({"highlight", "unhighlight", "hide", "unhide"})

    def demo(self, say: Say) -> Demo | None:
        return Demo(order=1, settings={})

    def private(self, settings: KindSettings) -> bool:
        return expect(settings, OpenSettings).private

    def _normalise(
        self, settings: KindSettings, slot: str, payload: Mapping[str, object]
    ) -> dict[str, object]:
        index_slot(slot, expect(settings, OpenSettings).max_answers, "answer")
        said = text(
            fields(self.name, payload, "text"), self.name, max_length=OPEN_MAX_LENGTH, allow_newlines=True
        )
        return {"text": said}

    def validate_withdraw(self, settings: KindSettings, slot: str) -> None:
        index_slot(slot, expect(settings, OpenSettings).max_answers, "answer")

    def phone_payload(self, settings: KindSettings) -> dict[str, int]:
        return {"text": OPEN_MAX_LENGTH, "answers": expect(settings, OpenSettings).max_answers}

    def export_row(
        self,
        entry: Entry,
        settings: Mapping[str, Any],
        by_number: Callable[[int], Entry | None],
        say: Say,
    ) -> list[Cell]:
        return [plain(entry.payload.get("text"))]

    def hidden(self, entry: Entry, moderation: Moderation) -> bool:
        return entry.number in moderation.hidden_entries

    def report_section(
        self, base: dict[str, Any], results: Mapping[str, Any], ctx: ReportContext
    ) -> dict[str, Any] | None:
        answers = items(results.get("answers"))
        if not answers:
            return None
        # The tally lists the newest first; the report reads in the order people wrote.
        answers = sorted(answers, key=lambda a: (not a.get("highlighted"), int(a.get("id", 0))))
        return {
            **base,
            "highlighted": [plain(a.get("text")) for a in answers if a.get("highlighted")],
            "answers": [plain(a.get("text")) for a in answers if not a.get("highlighted")],
        }
