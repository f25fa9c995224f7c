"""Points: spread a budget (100 by default) over 2–10 options; totals, means and how many gave."""

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
    items,
    plain,
)
from server.kinds.fields import Option, fields, index_slot, whole_number
from server.kinds.moderation import Moderation
from server.text import N_

POINTS_MAX_OPTIONS = 10
POINTS_MAX_BUDGET = 10_000
# Where a lerend netwerk spends its next meetings: the priorities the group divides 100 points over.
PRIORITIES = (
    N_("Time for our own questions"),
    N_("Visiting each other's workplaces"),
    N_("An expert from outside"),
    N_("Sharing tools and methods"),
)
# The report's words.
FIGURE = N_("{total} points · mean {mean}")
GAVE = N_("{givers} of {respondents} gave it points")


class PointsSettings(KindSettings):
    options: list[Option] = Field(
        default_factory=lambda: [str(p) for p in PRIORITIES], min_length=2, max_length=POINTS_MAX_OPTIONS
    )
    budget: int = Field(default=100, ge=1, le=POINTS_MAX_BUDGET)


class PointsOption(Item):
    index: int
    text: str
    total: int  # every participant's points on it
    mean: float | None  # total / respondents: the points an average participant gave it
    givers: int  # the participants who gave it at least one point
    percent: float  # its share of every point given


class PointsResults(Results):
    budget: int
    spent: int  # every point given, over every option
    options: list[PointsOption]  # most points first


class PointsTally(Tally):
    kind: ClassVar[str] = "points"

    def __init__(self) -> None:
        super().__init__()
        self._totals: dict[int, int] = {}  # option -> points
        self._givers: dict[int, int] = {}  # option -> participants giving it points

    def _add(self, change: Change, payload: Mapping[str, object]) -> None:
        self._count(payload, 1)

    def _remove(self, change: Change, payload: Mapping[str, object]) -> None:
        self._count(payload, -1)

    def _count(self, payload: Mapping[str, object], delta: int) -> None:
        for option, given in enumerate(int_list_field(payload, "points")):
            if given:
                bump(self._totals, option, given * delta)
                bump(self._givers, option, delta)

    def _snapshot(self, settings: KindSettings, moderation: Moderation, audience: Audience) -> PointsResults:
        points = expect(settings, PointsSettings)
        respondents = self.respondents()
        spent = sum(self._totals.get(index, 0) for index in range(len(points.options)))
        # Most points first; equal totals in the order of the options.
        order = sorted(range(len(points.options)), key=lambda i: (-self._totals.get(i, 0), i))
        options: list[PointsOption] = []
        for index in order:
            total = self._totals.get(index, 0)
            options.append(
                PointsOption(
                    index=index,
                    text=points.options[index],
                    total=total,
                    mean=round(total / respondents, 2) if respondents > 0 else None,
                    givers=self._givers.get(index, 0),
                    percent=round(total / spent * 100, 1) if spent > 0 else 0.0,
                )
            )
        return PointsResults(**self.counts(), budget=points.budget, spent=spent, options=options)

    def _state(self) -> object:
        return sorted(self._totals.items()), sorted(self._givers.items())


class Points(ActivityKind):
    name = "points"
    label = N_("100 points")
    prompt = N_("Spread your points over what matters most to you.")
    settings = PointsSettings
    tally = PointsTally
    results: ClassVar[Mapping[Audience, type[Results]]] = {
        "presenter": PointsResults,
        "host": PointsResults,
        "participant": PointsResults,
    }
    export_columns = (N_("Points"), N_("Spent"))
    payload_schema: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["points"],
        "properties": {
            "points": {
                "type": "array",
                "items": {"type": "integer", "minimum": 0, "maximum": POINTS_MAX_BUDGET},
                "minItems": 2,
                "maxItems": POINTS_MAX_OPTIONS,
            }
        },
    }

    def demo(self, say: Say) -> Demo | None:
        return Demo(order=8, settings={})

    def defaults(self, say: Say) -> KindSettings:
        return PointsSettings(options=[say(priority) for priority in PRIORITIES])

    def _normalise(
        self, settings: KindSettings, slot: str, payload: Mapping[str, object]
    ) -> dict[str, object]:
        points = expect(settings, PointsSettings)
        index_slot(slot, 1, "points")
        given = fields(self.name, payload, "points")
        count = len(points.options)
        if not isinstance(given, list | tuple) or len(given) != count:
            raise DomainError(
                Code.WRONG_KIND, f"Points are a list of {count} whole numbers, one per option, in order."
            )
        values = [whole_number(value, self.name) for value in given]
        for value in values:
            if not 0 <= value <= points.budget:
                raise DomainError(
                    Code.VALUE_OUT_OF_RANGE,
                    f"{value} points is outside 0 to {points.budget}.",
                    value=value,
                    min=0,
                    max=points.budget,
                )
        spent = sum(values)
        if spent > points.budget:
            raise DomainError(
                Code.POINTS_OVER_BUDGET,
                f"You spent {spent} points; the budget is {points.budget}.",
                spent=spent,
                budget=points.budget,
            )
        if spent == 0:
            raise DomainError(Code.NO_OPTION, "Give at least one option a point.")
        return {"points": values}

    def validate_withdraw(self, settings: KindSettings, slot: str) -> None:
        index_slot(slot, 1, "points")

    def phone_payload(self, settings: KindSettings) -> dict[str, int]:
        return {}  # the budget is the setting itself

    def export_row(
        self,
        entry: Entry,
        settings: Mapping[str, Any],
        by_number: Callable[[int], Entry | None],
        say: Say,
    ) -> list[Cell]:
        given = entry.payload.get("points")
        values = [v for v in given if isinstance(v, int)] if isinstance(given, list) else []
        options = settings.get("options")
        texts = options if isinstance(options, list) else []
        spread = "; ".join(
            f"{texts[i] if i < len(texts) else i}: {value}" for i, value in enumerate(values) if value
        )
        return [spread, sum(values)]

    def report_section(
        self, base: dict[str, Any], results: Mapping[str, Any], ctx: ReportContext
    ) -> dict[str, Any] | None:
        options = items(results.get("options"))
        if not int(results.get("spent", 0)):
            return None
        respondents = int(results.get("respondents", 0))
        rows = []
        for option in options:
            mean = option.get("mean")
            rows.append(
                {
                    "text": plain(option.get("text")),
                    "share": float(option.get("percent", 0)) / 100,
                    "figure": ctx.say(
                        N_(
                            FIGURE.msgid,
                            total=int(option.get("total", 0)),
                            mean=ctx.number(float(mean)) if isinstance(mean, int | float) else "–",
                        )
                    ),
                    "gave": ctx.say(
                        N_(GAVE.msgid, givers=int(option.get("givers", 0)), respondents=respondents)
                    ),
                }
            )
        return {
            **base,
            "svg": {
                "chart": "bars",
                "rows": [(row["text"], row["share"], row["figure"]) for row in rows],
                "salt": ctx.salt,
            },
            "rows": rows,
        }
