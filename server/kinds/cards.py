"""Cards (inzichten & acties): a small card per participant, an insight, an action, maybe a name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from heapq import nsmallest
from typing import Any, ClassVar

from server.domain.errors import Code, DomainError
from server.kinds.base import (
    ActivityKind,
    Audience,
    Cell,
    Change,
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
from server.kinds.fields import CARD_MAX_LENGTH, CARD_NAME_MAX_LENGTH, Option, Private, index_slot, text
from server.kinds.moderation import Moderation
from server.text import N_

INSIGHT = N_("My insight of today")
ACTION = N_("The action I will take")


class CardsSettings(KindSettings):
    """Inzichten & acties: a small card per participant (insight, action, optionally a name)."""

    insight_label: Option = str(INSIGHT)
    action_label: Option = str(ACTION)
    ask_name: bool = True
    private: Private = False


class Card(Item):
    id: int
    insight: str
    action: str
    name: str | None
    highlighted: bool


class HostCard(Card):
    hidden: bool


class CardsPresenter(Results):
    insight_label: str
    action_label: str
    cards: list[Card]


class CardsHost(CardsPresenter):
    cards: list[HostCard]  # type: ignore[assignment]  # the host's cards say whether they are hidden


class CardsPhone(CardsPresenter):
    total: int


class CardsTally(Tally):
    kind: ClassVar[str] = "cards"

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

    def _snapshot(
        self, settings: KindSettings, moderation: Moderation, audience: Audience
    ) -> dict[str, object]:
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


class Cards(ActivityKind):
    name = "cards"
    label = N_("Cards")
    prompt = N_("Insights & actions: what do you take away, and what will you do?")
    settings = CardsSettings
    tally = CardsTally
    results: ClassVar[Mapping[Audience, type[Results]]] = {
        "presenter": CardsPresenter,
        "host": CardsHost,
        "participant": CardsPhone,
    }
    export_columns = (N_("Insight"), N_("Action"), N_("Name"))
    payload_schema: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["insight", "action"],
        "properties": {
            "insight": {"type": "string"},
            "action": {"type": "string"},
            "name": {"type": ["string", "null"]},
        },
    }

    def defaults(self, say: Say) -> KindSettings:
        return CardsSettings(insight_label=say(INSIGHT), action_label=say(ACTION))

    def private(self, settings: KindSettings) -> bool:
        return expect(settings, CardsSettings).private

    def carried_action(self, payload: Mapping[str, object]) -> tuple[str, str] | None:
        return text_field(payload, "insight"), text_field(payload, "action")

    def _normalise(
        self, settings: KindSettings, slot: str, payload: Mapping[str, object]
    ) -> dict[str, object]:
        ask_name = expect(settings, CardsSettings).ask_name
        index_slot(slot, 1, "card")
        allowed = {"insight", "action", "name"} if ask_name else {"insight", "action"}
        if not {"insight", "action"} <= set(payload) <= allowed:
            want = "insight, action and optionally name" if ask_name else "insight and action"
            got = ", ".join(repr(str(key)[:20]) for key in list(payload)[:4]) or "nothing"
            raise DomainError(Code.WRONG_KIND, f"A card has {want}; got {got}.")
        card: dict[str, object] = {
            field: text(payload[field], self.name, max_length=CARD_MAX_LENGTH, allow_newlines=True)
            for field in ("insight", "action")
        }
        name = payload.get("name")
        blank = name is None or (isinstance(name, str) and not name.strip())
        card["name"] = (
            None if blank else text(name, self.name, max_length=CARD_NAME_MAX_LENGTH, allow_newlines=False)
        )
        return card

    def validate_withdraw(self, settings: KindSettings, slot: str) -> None:
        index_slot(slot, 1, "card")

    def phone_payload(self, settings: KindSettings) -> dict[str, int]:
        return {"text": CARD_MAX_LENGTH, "name": CARD_NAME_MAX_LENGTH}  # text: the insight and the action

    def export_row(
        self,
        entry: Entry,
        settings: Mapping[str, Any],
        by_number: Callable[[int], Entry | None],
        say: Say,
    ) -> list[Cell]:
        payload = entry.payload
        return [plain(payload.get("insight")), plain(payload.get("action")), payload.get("name") or None]

    def hidden(self, entry: Entry, moderation: Moderation) -> bool:
        return entry.number in moderation.hidden_entries

    def report_section(
        self, base: dict[str, Any], results: Mapping[str, Any], ctx: ReportContext
    ) -> dict[str, Any] | None:
        cards = [
            {
                "insight": plain(c.get("insight")),
                "action": plain(c.get("action")),
                "name": plain(c.get("name")).strip() if ctx.nicknames else "",
                "highlighted": bool(c.get("highlighted")),
            }
            for c in items(results.get("cards"))
        ]
        if not cards:
            return None
        return {
            **base,
            "kicker": ctx.words["cards"],
            "insight_label": plain(results.get("insight_label")),
            "action_label": plain(results.get("action_label")),
            "cards": cards,
        }
