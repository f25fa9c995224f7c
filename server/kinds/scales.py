"""Scales: statements rated in stars, yes/no (the waardencontract) or on a numeric line."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
    Measure,
    ReportContext,
    Results,
    Say,
    Tally,
    bump,
    expect,
    int_field,
    ints,
    items,
    pick_text,
    plain,
    whole,
)
from server.kinds.fields import (
    SCALE_MAX_VALUES,
    STARS_MAX,
    Label,
    ScaleEnd,
    Statement,
    fields,
    index_slot,
    number,
    whole_number,
)
from server.kinds.moderation import Moderation
from server.text import N_

# The "Klaar voor actieleren!" checklist from the run sheet, as ik-boodschappen.
STATEMENTS = (
    N_("I have new ideas and get/take the room to put them into practice!"),
    N_("I pay attention to projects that failed!"),
    N_("I want to get more out of my network!"),
    N_("I take the time to reflect on experiences."),
    N_("I value people who ask me sharp/good questions."),
)
LOW = N_("That doesn't apply to me at all")
HIGH = N_("That's typical of me")


class ScalesSettings(KindSettings):
    statements: list[Statement] = Field(
        default_factory=lambda: [str(s) for s in STATEMENTS], min_length=1, max_length=50
    )
    mode: Literal["stars", "yesno", "numeric"] = "stars"
    min: ScaleEnd = Field(default=1, description="below `max`; `stars`: at least 1; `yesno`: always 0")
    max: ScaleEnd = Field(
        default=5,
        description=f"`stars`: at most {STARS_MAX}; `yesno`: always 1; "
        f"at most {SCALE_MAX_VALUES} values from `min` to `max`",
    )
    label_low: Label = Field(default=str(LOW), description='blank: `""`')
    label_high: Label = Field(default=str(HIGH), description='blank: `""`')
    # None: rate every statement you like
    pick: int | None = Field(
        default=None, ge=1, description="up to the number of statements; `null`: rate any or all"
    )
    # yes/no: a statement is agreed when everyone who answered said yes ("all": the
    # waardencontract's JA = AFSPRAAK), or when more said yes than no ("majority").
    agreement: Literal["all", "majority"] = Field(default="all", description="used by `yesno`")

    @model_validator(mode="before")
    @classmethod
    def _yes_no_is_zero_and_one(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and data.get("mode") == "yesno":
            return {**data, "min": 0, "max": 1}  # 0 = nee, 1 = ja, whatever was stored before
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.min >= self.max:
            raise ValueError(N_("min ({min}) must be below max ({max})", min=self.min, max=self.max))
        if self.mode == "stars" and not (self.min >= 1 and self.max <= STARS_MAX):
            raise ValueError(N_("stars run from 1 up to at most {n}", n=STARS_MAX))
        if self.max - self.min + 1 > SCALE_MAX_VALUES:
            raise ValueError(
                N_(
                    "a scale has at most {n} values; {min}–{max} is too wide",
                    n=SCALE_MAX_VALUES,
                    min=self.min,
                    max=self.max,
                )
            )
        if self.pick is not None and self.pick > len(self.statements):
            raise ValueError(
                N_("pick ({pick}) is more than the {n} statements", pick=self.pick, n=len(self.statements))
            )
        return self


class Statement_(Item):
    index: int
    text: str
    count: int
    distribution: list[int]
    mean: float | None
    values: list[int] | None = None  # numeric, on the screens: every dot on the line
    agreed: bool | None = None  # yes/no


class ScalesResults(Results):
    mode: Literal["stars", "yesno", "numeric"]
    min: int
    max: int
    label_low: str
    label_high: str
    statements: list[Statement_]
    agreed: list[str] | None = None  # yes/no: the statements the group agreed on


class ScalesTally(Tally):
    kind: ClassVar[str] = "scales"

    def __init__(self) -> None:
        super().__init__()
        self._counts: dict[int, int] = {}  # statement -> ratings
        self._sums: dict[int, int] = {}  # statement -> sum of ratings, for the mean in O(1)
        self._values: dict[int, dict[int, int]] = {}  # statement -> value -> ratings

    def _add(self, change: Change, payload: Mapping[str, object]) -> None:
        self._count(int(change.slot), int_field(payload, "value"), 1)

    def _remove(self, change: Change, payload: Mapping[str, object]) -> None:
        self._count(int(change.slot), int_field(payload, "value"), -1)

    def _count(self, statement: int, value: int, delta: int) -> None:
        bump(self._counts, statement, delta)
        bump(self._sums, statement, value * delta)
        values = self._values.setdefault(statement, {})
        bump(values, value, delta)
        if not values:
            del self._values[statement]

    def _snapshot(self, settings: KindSettings, moderation: Moderation, audience: Audience) -> ScalesResults:
        if not isinstance(settings, ScalesSettings):
            raise TypeError(f"ScalesSettings expected, got {type(settings).__name__}")
        statements: list[Statement_] = []
        for index, text in enumerate(settings.statements):
            count = self._counts.get(index, 0)
            values = self._values.get(index, {})
            item = Statement_(
                index=index,
                text=text,
                count=count,
                distribution=[values.get(v, 0) for v in range(settings.min, settings.max + 1)],
                mean=round(self._sums.get(index, 0) / count, 2) if count > 0 else None,
            )
            # The fields of one mode only are set (assigned), so only they are in the snapshot.
            if settings.mode == "numeric" and audience != "participant":
                # Every dot on the line, for the screens; phones draw theirs from `distribution`,
                # which is as long as the scale, not as the hall.
                item.values = [v for v in sorted(values) for _ in range(max(values[v], 0))]
            if settings.mode == "yesno":
                item.agreed = _agreed(values.get(1, 0), values.get(0, 0), settings.agreement)
            statements.append(item)
        body = ScalesResults(
            **self.counts(),
            mode=settings.mode,
            min=settings.min,
            max=settings.max,
            label_low=settings.label_low,
            label_high=settings.label_high,
            statements=statements,
        )
        if settings.mode == "yesno":
            # The waardencontract's outcome: the statements the group agreed on, in their order.
            body.agreed = [item.text for item in statements if item.agreed]
        return body

    def _state(self) -> object:
        return (
            sorted(self._counts.items()),
            sorted(self._sums.items()),
            sorted((index, sorted(values.items())) for index, values in self._values.items()),
        )


def _agreed(yes: int, no: int, rule: str) -> bool:
    """JA = AFSPRAAK: agreed when somebody said yes and (by the rule) nobody, or fewer, said no."""
    return yes > 0 and (no <= 0 if rule == "all" else yes > no)


class Scales(ActivityKind):
    name = "scales"
    label = N_("Scales")
    prompt = N_("Ready for action learning? Pick three.")
    settings = ScalesSettings
    tally = ScalesTally
    results: ClassVar[Mapping[Audience, type[Results]]] = {
        "presenter": ScalesResults,
        "host": ScalesResults,
        "participant": ScalesResults,
    }
    export_columns = (N_("Statement"), N_("Value"))
    payload_schema: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["value"],
        "properties": {"value": {"type": "integer"}},
    }

    def demo(self, say: Say) -> Demo | None:
        return Demo(order=3, settings={"pick": 3})

    def defaults(self, say: Say) -> KindSettings:
        return ScalesSettings(
            statements=[say(statement) for statement in STATEMENTS], label_low=say(LOW), label_high=say(HIGH)
        )

    def pick(self, settings: KindSettings) -> int | None:
        return expect(settings, ScalesSettings).pick

    def measure(self, settings: KindSettings) -> Measure | None:
        """Every scale compares: the checklist, the leervoorkeuren, a yes/no (as the share of yes)."""
        scale = expect(settings, ScalesSettings)
        return Measure(tuple(scale.statements), scale.min, scale.max)

    def measured(self, slot: str, payload: Mapping[str, object]) -> tuple[int, float] | None:
        value = payload.get("value")
        if number(slot) is None or isinstance(value, bool) or not isinstance(value, int):
            return None
        return int(slot), float(value)

    def _normalise(
        self, settings: KindSettings, slot: str, payload: Mapping[str, object]
    ) -> dict[str, object]:
        scale = expect(settings, ScalesSettings)
        count = len(scale.statements)
        if number(slot) is None:
            raise DomainError(Code.INVALID_SLOT, f"Slot {slot!r} is not a statement number.", slot=slot)
        if int(slot) >= count:
            raise DomainError(
                Code.UNKNOWN_STATEMENT, f"There is no statement {slot}; use 0 to {count - 1}.", slot=slot
            )
        value = whole_number(fields(self.name, payload, "value"), self.name)
        if not scale.min <= value <= scale.max:
            raise DomainError(
                Code.VALUE_OUT_OF_RANGE,
                f"Value {value} is outside the scale {scale.min} to {scale.max}.",
                value=value,
                min=scale.min,
                max=scale.max,
            )
        return {"value": value}

    def validate_withdraw(self, settings: KindSettings, slot: str) -> None:
        index_slot(slot, len(expect(settings, ScalesSettings).statements), "statement")

    def phone_payload(self, settings: KindSettings) -> dict[str, int]:
        return {}  # min, max and pick are the settings themselves

    def export_row(
        self,
        entry: Entry,
        settings: Mapping[str, Any],
        by_number: Callable[[int], Entry | None],
        say: Say,
    ) -> list[Cell]:
        return [pick_text(settings.get("statements"), entry.slot), whole(entry.payload.get("value"))]

    def mean(self, settings: Mapping[str, Any], entries: Sequence[Entry]) -> float | None:
        """The mean of every rating of a stars or numeric scale (a yes/no has none)."""
        if settings.get("mode") == "yesno":
            return None
        values = [v for e in entries if isinstance(v := e.payload.get("value"), int)]
        return round(sum(values) / len(values), 2) if values else None

    def report_section(
        self, base: dict[str, Any], results: Mapping[str, Any], ctx: ReportContext
    ) -> dict[str, Any] | None:
        mode = plain(results.get("mode")) or "stars"
        low, high = int(results.get("min", 1)), int(results.get("max", 5))
        statements = [s for s in items(results.get("statements")) if int(s.get("count", 0)) > 0]
        if not statements:
            return None
        out: dict[str, Any] = {
            **base,
            "mode": mode,
            "label_low": results.get("label_low"),
            "low": low,
            "high": high,
            "label_high": results.get("label_high"),
        }
        if mode == "yesno":
            agreed: list[dict[str, Any]] = []
            open_: list[dict[str, Any]] = []
            for s in items(results.get("statements")):
                no, yes = ([*ints(s.get("distribution")), 0, 0])[:2]
                item = {"text": plain(s.get("text")), "yes": yes, "no": no}
                (agreed if s.get("agreed") else open_).append(item)
            out.update(
                kicker=ctx.words["agreed"],
                agreed=agreed,
                not_agreed=[i for i in open_ if i["yes"] or i["no"]],
            )
            return out
        if mode == "numeric":
            rows = [
                (plain(s.get("text")), ints(s.get("values")), _mean(s.get("mean")))
                for s in items(results.get("statements"))
            ]
            out["svg"] = {"chart": "strips", "rows": rows, "low": low, "high": high, "salt": ctx.salt}
            out["range"] = ctx.words["low_high"].format(low=low, high=high)
            out["statements"] = [
                {"text": t, "count": len(v), "mean": ctx.number(m) if m is not None else None}
                for t, v, m in rows
            ]
            return out
        rated = []
        for index, s in enumerate(statements):
            mean = _mean(s.get("mean"))
            rated.append(
                {
                    "text": plain(s.get("text")),
                    "count": int(s.get("count", 0)),
                    "mean": ctx.number(mean) if mean is not None else "–",
                    "mean_value": mean,
                    "svg": {
                        "chart": "distribution",
                        "counts": ints(s.get("distribution")),
                        "low": low,
                        "mean": mean,
                        "salt": f"{ctx.salt}-{index}",
                    },
                }
            )
        out["statements"] = rated
        return out


def _mean(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
