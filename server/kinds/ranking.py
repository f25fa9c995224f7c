"""Ranking: put up to 10 items in order; each item's mean rank, Borda score and rank distribution."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from pydantic import Field

from server.domain.errors import Code, DomainError
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
    expect,
    int_list_field,
    ints,
    items,
    pick_text,
    plain,
)
from server.kinds.fields import Option, fields, index_slot, whole_number
from server.kinds.moderation import Moderation
from server.text import N_

RANKING_MAX_ITEMS = 10  # every snapshot carries an items × ranks table
# The themes a lerend netwerk ranks for its next meeting (the run sheet's ik-boodschappen).
THEMES = (
    N_("Learning from failed projects"),
    N_("Asking sharp questions"),
    N_("Getting more out of the network"),
    N_("Taking time to reflect"),
    N_("Experimenting in daily work"),
)
# The report's words.
SCORE = N_("{score} points · mean rank {rank}")
RANK = N_("Rank")
NOT_RANKED = N_("Not ranked")


class RankingSettings(KindSettings):
    items: list[Option] = Field(
        default_factory=lambda: [str(theme) for theme in THEMES], min_length=2, max_length=RANKING_MAX_ITEMS
    )
    partial: bool = Field(
        default=False, description="`true`: rank only the items you care about (at least one)"
    )


class RankedItem(Item):
    index: int
    text: str
    count: int  # the participants who ranked it
    mean_rank: float | None
    score: int  # Borda: first place earns as many points as there are items, last place 1
    distribution: list[int]  # how often it was ranked 1st, 2nd, … (one number per item)


class RankingResults(Results):
    partial: bool
    max_score: int  # everybody put the same item first: the bars' full length
    items: list[RankedItem]  # highest score first


class RankingTally(Tally):
    kind: ClassVar[str] = "ranking"

    def __init__(self) -> None:
        super().__init__()
        self._counts: dict[int, int] = {}  # item -> participants who ranked it
        self._rank_sums: dict[int, int] = {}  # item -> sum of its ranks (1 = first)
        self._ranks: dict[tuple[int, int], int] = {}  # (item, rank) -> participants

    def _add(self, change: Change, payload: Mapping[str, object]) -> None:
        self._count(payload, 1)

    def _remove(self, change: Change, payload: Mapping[str, object]) -> None:
        self._count(payload, -1)

    def _count(self, payload: Mapping[str, object], delta: int) -> None:
        for rank, item in enumerate(int_list_field(payload, "order"), 1):
            bump(self._counts, item, delta)
            bump(self._rank_sums, item, rank * delta)
            bump(self._ranks, (item, rank), delta)

    def _snapshot(self, settings: KindSettings, moderation: Moderation, audience: Audience) -> RankingResults:
        ranking = expect(settings, RankingSettings)
        n = len(ranking.items)
        # Highest score first; a tie goes to the better mean rank, then to the item listed first.
        order = sorted(range(n), key=lambda i: (-self._score(i, n), self._mean(i) or float("inf"), i))
        ranked = [
            RankedItem(
                index=index,
                text=ranking.items[index],
                count=self._counts.get(index, 0),
                mean_rank=self._mean(index),
                score=self._score(index, n),
                distribution=[self._ranks.get((index, rank), 0) for rank in range(1, n + 1)],
            )
            for index in order
        ]
        max_score = self.respondents() * n
        return RankingResults(**self.counts(), partial=ranking.partial, max_score=max_score, items=ranked)

    def _score(self, item: int, n: int) -> int:
        """Borda: Σ (n + 1 − rank) over the people who ranked it; an unranked item earns nothing."""
        return self._counts.get(item, 0) * (n + 1) - self._rank_sums.get(item, 0)

    def _mean(self, item: int) -> float | None:
        count = self._counts.get(item, 0)
        return round(self._rank_sums.get(item, 0) / count, 2) if count > 0 else None

    def _state(self) -> object:
        return sorted(self._counts.items()), sorted(self._rank_sums.items()), sorted(self._ranks.items())


class Ranking(ActivityKind):
    name = "ranking"
    label = N_("Ranking")
    prompt = N_("Which theme should our next meeting be about? Put them in order.")
    settings = RankingSettings
    tally = RankingTally
    results: ClassVar[Mapping[Audience, type[Results]]] = {
        "presenter": RankingResults,
        "host": RankingResults,
        "participant": RankingResults,
    }
    export_columns = (N_("Ranking"),)
    payload_schema: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["order"],
        "properties": {
            "order": {
                "type": "array",
                "items": {"type": "integer", "minimum": 0},
                "minItems": 1,
                "maxItems": RANKING_MAX_ITEMS,
            }
        },
    }

    def demo(self, say: Say) -> Demo | None:
        return Demo(order=7, settings={})

    def defaults(self, say: Say) -> KindSettings:
        return RankingSettings(items=[say(theme) for theme in THEMES])

    def _normalise(
        self, settings: KindSettings, slot: str, payload: Mapping[str, object]
    ) -> dict[str, object]:
        ranking = expect(settings, RankingSettings)
        index_slot(slot, 1, "ranking")
        order = fields(self.name, payload, "order")
        if not isinstance(order, list | tuple):
            raise DomainError(Code.WRONG_KIND, "A ranking's order must be a list of item numbers.")
        if not order:
            raise DomainError(Code.NO_OPTION, "Rank at least one item.")
        count = len(ranking.items)
        indices = [whole_number(item, self.name) for item in order]
        for index in indices:
            if not 0 <= index < count:
                raise DomainError(
                    Code.UNKNOWN_OPTION, f"There is no item {index}; use 0 to {count - 1}.", option=index
                )
        if len(set(indices)) != len(indices):
            raise DomainError(Code.WRONG_KIND, "Each item may be ranked only once.")
        if len(indices) < count and not ranking.partial:
            raise DomainError(
                Code.RANKING_INCOMPLETE,
                f"Put all {count} items in order; you ranked {len(indices)}.",
                items=count,
                ranked=len(indices),
            )
        return {"order": indices}

    def validate_withdraw(self, settings: KindSettings, slot: str) -> None:
        index_slot(slot, 1, "ranking")

    def phone_payload(self, settings: KindSettings) -> dict[str, int]:
        return {}  # the items themselves are the limit

    def export_row(
        self,
        entry: Entry,
        settings: Mapping[str, Any],
        by_number: Callable[[int], Entry | None],
        say: Say,
    ) -> list[Cell]:
        order = entry.payload.get("order")
        listed = order if isinstance(order, list) else []
        return [
            "; ".join(f"{rank}. {pick_text(settings.get('items'), i)}" for rank, i in enumerate(listed, 1))
        ]

    def report_section(
        self, base: dict[str, Any], results: Mapping[str, Any], ctx: ReportContext
    ) -> dict[str, Any] | None:
        ranked = items(results.get("items"))
        if not any(int(item.get("count", 0)) for item in ranked):
            return None
        most = max(int(results.get("max_score", 0)), 1)
        respondents = int(results.get("respondents", 0))
        rows = []
        for item in ranked:
            mean = item.get("mean_rank")
            said = ctx.say(
                N_(
                    SCORE.msgid,
                    score=int(item.get("score", 0)),
                    rank=ctx.number(float(mean)) if isinstance(mean, int | float) else "–",
                )
            )
            distribution = ints(item.get("distribution"))
            rows.append(
                {
                    "text": plain(item.get("text")),
                    "figure": said,
                    "share": int(item.get("score", 0)) / most,
                    "ranks": distribution,
                    "unranked": respondents - int(item.get("count", 0)),
                }
            )
        return {
            **base,
            "svg": {
                "chart": "bars",
                "rows": [(row["text"], row["share"], row["figure"]) for row in rows],
                "salt": ctx.salt,
            },
            "rank_label": ctx.say(RANK),
            "places": [str(n) for n in range(1, len(ranked) + 1)],
            "not_ranked": ctx.say(NOT_RANKED) if results.get("partial") else None,
            "rows": rows,
        }
