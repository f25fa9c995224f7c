"""The 2×2 grid: items placed on two axes (impact against effort); each item's mean is a dot."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from math import sqrt
from typing import Any, ClassVar, Literal, Self

from pydantic import Field, model_validator

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
    int_field,
    items,
    pick_text,
    plain,
    whole,
)
from server.kinds.fields import (
    SCALE_MAX_VALUES,
    Label,
    Option,
    ScaleEnd,
    Statement,
    index_slot,
    number,
    whole_number,
)
from server.kinds.moderation import Moderation
from server.text import N_

GRID_MAX_ITEMS = 20  # every phone gets every item's dot: the frame is bounded by this, not the hall
AXES = ("x", "y")
# Ideas for the network's next meetings, from the run sheet (its kennissnack variants, the
# inspiratietafel, the network's own knowledge and the homework).
IDEAS = (
    N_("A speaker who sketches an inspiring perspective"),
    N_("A two-minute pitch per organisation"),
    N_("An inspiration table"),
    N_("Sharing the network's knowledge and skills"),
    N_("Homework between the meetings"),
)
EFFORT = N_("Effort")
IMPACT = N_("Impact")
# Reading order: top left, top right, bottom left, bottom right (high impact and little effort
# is top left).
QUADRANTS = (N_("Quick wins"), N_("Big projects"), N_("Fill-ins"), N_("Not worth it"))
Spread = Literal["none", "cross", "ellipse"]


class GridSettings(KindSettings):
    items: list[Statement] = Field(
        default_factory=lambda: [str(idea) for idea in IDEAS], min_length=1, max_length=GRID_MAX_ITEMS
    )
    x_label: Option = Field(default=str(EFFORT), description="the horizontal axis")
    x_min: ScaleEnd = Field(default=1, description="below `x_max`")
    x_max: ScaleEnd = Field(
        default=10, description=f"at most {SCALE_MAX_VALUES} values from `x_min` to `x_max`"
    )
    y_label: Option = Field(default=str(IMPACT), description="the vertical axis")
    y_min: ScaleEnd = Field(default=1, description="below `y_max`")
    y_max: ScaleEnd = Field(
        default=10, description=f"at most {SCALE_MAX_VALUES} values from `y_min` to `y_max`"
    )
    quadrants: list[Label] = Field(
        default_factory=lambda: [str(q) for q in QUADRANTS],
        min_length=4,
        max_length=4,
        description='blank: `""`; in reading order: top left, top right, bottom left, bottom right',
    )
    # The group's spread per item around its dot: one standard deviation per axis, as a cross or
    # an ellipse; "none" shows the dots alone.
    spread: Spread = Field(default="none", description="one standard deviation per axis around each dot")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for axis in AXES:
            low, high = getattr(self, f"{axis}_min"), getattr(self, f"{axis}_max")
            if low >= high:
                raise ValueError(
                    N_("{axis}_min ({min}) must be below {axis}_max ({max})", axis=axis, min=low, max=high)
                )
            if high - low + 1 > SCALE_MAX_VALUES:
                raise ValueError(
                    N_(
                        "an axis has at most {n} values; {min}–{max} is too wide",
                        n=SCALE_MAX_VALUES,
                        min=low,
                        max=high,
                    )
                )
        return self


class GridItem(Item):
    index: int
    text: str
    count: int
    x: float | None  # the mean position; null before anybody placed the item
    y: float | None
    sd_x: float | None  # one standard deviation per axis, only when the spread is shown
    sd_y: float | None


class GridResults(Results):
    x_label: str
    x_min: int
    x_max: int
    y_label: str
    y_min: int
    y_max: int
    quadrants: list[str]
    spread: Spread
    items: list[GridItem]


class GridTally(Tally):
    kind: ClassVar[str] = "grid"

    def __init__(self) -> None:
        super().__init__()
        self._counts: dict[int, int] = {}  # item -> placements
        # (item, axis) -> the sum of the values and of their squares: the mean and the spread in
        # O(1), in whole numbers, so any order of changes ends in the same state.
        self._sums: dict[tuple[int, str], int] = {}
        self._squares: dict[tuple[int, str], int] = {}

    def _add(self, change: Change, payload: Mapping[str, object]) -> None:
        self._count(int(change.slot), payload, 1)

    def _remove(self, change: Change, payload: Mapping[str, object]) -> None:
        self._count(int(change.slot), payload, -1)

    def _count(self, item: int, payload: Mapping[str, object], delta: int) -> None:
        bump(self._counts, item, delta)
        for axis in AXES:
            value = int_field(payload, axis)
            bump(self._sums, (item, axis), value * delta)
            bump(self._squares, (item, axis), value * value * delta)

    def _snapshot(self, settings: KindSettings, moderation: Moderation, audience: Audience) -> GridResults:
        grid = expect(settings, GridSettings)
        placed: list[GridItem] = []
        for index, text in enumerate(grid.items):
            count = self._counts.get(index, 0)
            mean: dict[str, float | None] = {}
            sd: dict[str, float | None] = {}
            for axis in AXES:
                total, squares = self._sums.get((index, axis), 0), self._squares.get((index, axis), 0)
                mean[axis] = round(total / count, 2) if count > 0 else None
                # Population variance from whole numbers: (n·Σv² − (Σv)²) / n², never below 0.
                spread = grid.spread != "none" and count > 0
                sd[axis] = round(sqrt(max(count * squares - total * total, 0)) / count, 2) if spread else None
            placed.append(
                GridItem(
                    index=index,
                    text=text,
                    count=count,
                    x=mean["x"],
                    y=mean["y"],
                    sd_x=sd["x"],
                    sd_y=sd["y"],
                )
            )
        return GridResults(
            **self.counts(),
            x_label=grid.x_label,
            x_min=grid.x_min,
            x_max=grid.x_max,
            y_label=grid.y_label,
            y_min=grid.y_min,
            y_max=grid.y_max,
            quadrants=list(grid.quadrants),
            spread=grid.spread,
            items=placed,
        )

    def _state(self) -> object:
        return (sorted(self._counts.items()), sorted(self._sums.items()), sorted(self._squares.items()))


class Grid(ActivityKind):
    name = "grid"
    label = N_("2×2 grid")
    prompt = N_("Where do we put our energy? Place each idea on impact and effort.")
    settings = GridSettings
    tally = GridTally
    results: ClassVar[Mapping[Audience, type[Results]]] = {
        "presenter": GridResults,
        "host": GridResults,
        "participant": GridResults,
    }
    export_columns = (N_("Item"), N_("Horizontal axis"), N_("Vertical axis"))
    payload_schema: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["x", "y"],
        "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
    }

    def defaults(self, say: Say) -> KindSettings:
        return GridSettings(
            items=[say(idea) for idea in IDEAS],
            x_label=say(EFFORT),
            y_label=say(IMPACT),
            quadrants=[say(q) for q in QUADRANTS],
        )

    def demo(self, say: Say) -> Demo | None:
        return Demo(order=6, settings={"spread": "cross"})

    def _normalise(
        self, settings: KindSettings, slot: str, payload: Mapping[str, object]
    ) -> dict[str, object]:
        grid = expect(settings, GridSettings)
        count = len(grid.items)
        if number(slot) is None:
            raise DomainError(Code.INVALID_SLOT, f"Slot {slot!r} is not an item number.", slot=slot)
        if int(slot) >= count:
            raise DomainError(Code.UNKNOWN_ITEM, f"There is no item {slot}; use 0 to {count - 1}.", slot=slot)
        if set(payload) != set(AXES):
            got = ", ".join(repr(str(key)[:20]) for key in list(payload)[:4]) or "nothing"
            raise DomainError(
                Code.WRONG_KIND, f"A grid answer has exactly the fields 'x' and 'y'; got {got}."
            )
        stored: dict[str, object] = {}
        for axis in AXES:
            value = whole_number(payload[axis], self.name)
            low, high = getattr(grid, f"{axis}_min"), getattr(grid, f"{axis}_max")
            if not low <= value <= high:
                raise DomainError(
                    Code.VALUE_OUT_OF_RANGE,
                    f"{axis} = {value} is outside its axis, {low} to {high}.",
                    axis=axis,
                    value=value,
                    min=low,
                    max=high,
                )
            stored[axis] = value
        return stored

    def validate_withdraw(self, settings: KindSettings, slot: str) -> None:
        index_slot(slot, len(expect(settings, GridSettings).items), "grid")

    def phone_payload(self, settings: KindSettings) -> dict[str, int]:
        return {}  # the axes' ranges are the settings themselves

    def export_row(
        self,
        entry: Entry,
        settings: Mapping[str, Any],
        by_number: Callable[[int], Entry | None],
        say: Say,
    ) -> list[Cell]:
        return [
            pick_text(settings.get("items"), entry.slot),
            whole(entry.payload.get("x")),
            whole(entry.payload.get("y")),
        ]

    def report_section(
        self, base: dict[str, Any], results: Mapping[str, Any], ctx: ReportContext
    ) -> dict[str, Any] | None:
        placed = [i for i in items(results.get("items")) if whole(i.get("count"))]
        if not placed:
            return None

        def axis(name: str) -> tuple[str, int, int]:
            return (
                plain(results.get(f"{name}_label")),
                int(results[f"{name}_min"]),
                int(results[f"{name}_max"]),
            )

        def said(value: object) -> str | None:
            return ctx.number(float(value)) if isinstance(value, int | float) else None

        rows = [
            {
                "number": int(i["index"]) + 1,
                "text": plain(i.get("text")),
                "count": int(i["count"]),
                "x": said(i.get("x")),
                "y": said(i.get("y")),
                "sd_x": said(i.get("sd_x")),
                "sd_y": said(i.get("sd_y")),
            }
            for i in placed
        ]
        x, y = axis("x"), axis("y")
        quadrants = [plain(q) for q in results.get("quadrants") or []]
        return {
            **base,
            "x_label": x[0],
            "y_label": y[0],
            "items": rows,
            "spread": any(row["sd_x"] is not None for row in rows),
            "svg": {
                "chart": "plane",
                "dots": [
                    (r["number"], float(i["x"]), float(i["y"]), _float(i.get("sd_x")), _float(i.get("sd_y")))
                    for r, i in zip(rows, placed, strict=True)
                ],
                "x": x,
                "y": y,
                "quadrants": quadrants,
                "ellipse": results.get("spread") == "ellipse",
                "salt": ctx.salt,
            },
        }


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
