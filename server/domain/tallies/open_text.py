"""The open-question tally: answers by entry id, highlighted first, then newest first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from server.domain.activities import Kind, Settings
from server.domain.tallies.base import Audience, Change, Tally, text_field
from server.domain.tallies.bounds import WALL_NEWEST
from server.domain.tallies.moderation import Moderation


class OpenTally(Tally):
    kind: ClassVar[Kind] = "open"

    def __init__(self) -> None:
        super().__init__()
        self._answers: dict[int, str] = {}

    def _add(self, change: Change, payload: Mapping[str, object]) -> None:
        self._answers[change.entry_id] = text_field(payload, "text")

    def _remove(self, change: Change, payload: Mapping[str, object]) -> None:
        self._answers.pop(change.entry_id, None)

    def _snapshot(self, settings: Settings, moderation: Moderation, audience: Audience) -> dict[str, object]:
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
