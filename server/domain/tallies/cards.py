"""The cards tally (inzichten & acties): the facilitator's wall, oldest card first."""

from __future__ import annotations

from collections.abc import Mapping
from heapq import nsmallest
from typing import ClassVar

from server.domain.activities import CardsSettings, Kind, Settings
from server.domain.tallies.base import Audience, Change, Tally, text_field
from server.domain.tallies.bounds import WALL_NEWEST
from server.domain.tallies.moderation import Moderation


class CardsTally(Tally):
    kind: ClassVar[Kind] = "cards"

    def __init__(self) -> None:
        super().__init__()
        self._cards: dict[int, tuple[int, str, str, str | None]] = {}  # entry -> owner, insight, action, name

    def owner_of(self, entry_id: int) -> int | None:
        card = self._cards.get(entry_id)
        return card[0] if card else None

    def _add(self, change: Change, payload: Mapping[str, object]) -> None:
        name = payload.get("name")
        self._cards[change.entry_id] = (
            change.participant,
            text_field(payload, "insight"),
            text_field(payload, "action"),
            name if isinstance(name, str) else None,
        )

    def _remove(self, change: Change, payload: Mapping[str, object]) -> None:
        self._cards.pop(change.entry_id, None)

    def _snapshot(self, settings: Settings, moderation: Moderation, audience: Audience) -> dict[str, object]:
        if not isinstance(settings, CardsSettings):
            raise TypeError(f"CardsSettings expected, got {type(settings).__name__}")
        host = audience == "host"
        shown = [entry_id for entry_id in self._cards if host or entry_id not in moderation.hidden_entries]
        total = len(shown)
        if audience == "participant":  # a bounded wall: highlighted first, then the newest
            shown = nsmallest(WALL_NEWEST, shown, key=lambda e: (e not in moderation.highlighted, -e))
        shown.sort(key=lambda entry_id: (entry_id not in moderation.highlighted, entry_id))
        cards: list[dict[str, object]] = []
        for entry_id in shown:
            _, insight, action, name = self._cards[entry_id]
            card: dict[str, object] = {
                "id": entry_id,
                "insight": insight,
                "action": action,
                "name": name,
                "highlighted": entry_id in moderation.highlighted,
            }
            if host:
                card["hidden"] = entry_id in moderation.hidden_entries
            cards.append(card)
        body: dict[str, object] = {
            "insight_label": settings.insight_label,
            "action_label": settings.action_label,
            "cards": cards,
        }
        if audience == "participant":
            body["total"] = total
        return body

    def _state(self) -> object:
        return sorted(self._cards.items(), key=lambda item: (item[0], repr(item[1])))
