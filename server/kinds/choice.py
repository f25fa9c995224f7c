"""Multiple choice: one or more options each; percentages of the people who answered."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Self

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
    int_list_field,
    items,
    pick_text,
    plain,
)
from server.kinds.fields import Option, fields, index_slot, whole_number
from server.kinds.moderation import Moderation
from server.text import N_

YES_NO = (N_("Yes"), N_("No"))
# The demo meeting asks the run sheet's phase question.
DEMO_PROMPT = N_("Which phase of action learning do you feel most at home in?")
DEMO_OPTIONS = (
    N_("Phase 0: ready for action learning"),
    N_("Exploring the problem"),
    N_("Gathering knowledge and skills"),
    N_("Experimenting"),
    N_("Reflecting"),
)


class ChoiceSettings(KindSettings):
    options: list[Option] = Field(
        default_factory=lambda: [str(option) for option in YES_NO], min_length=2, max_length=30
    )
    max_choices: int = Field(default=1, ge=1, description="up to the number of options")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.max_choices > len(self.options):
            raise ValueError(
                N_(
                    "max_choices ({k}) is more than the {n} options",
                    k=self.max_choices,
                    n=len(self.options),
                )
            )
        return self


class ChoiceOption(Item):
    index: int
    text: str
    count: int
    percent: float


class ChoiceResults(Results):
    max_choices: int
    options: list[ChoiceOption]


class ChoiceTally(Tally):
    kind: ClassVar[str] = "choice"

    def __init__(self) -> None:
        super().__init__()
        self._counts: dict[int, int] = {}  # option index -> participants who chose it

    def _add(self, change: Change, payload: Mapping[str, object]) -> None:
        for option in int_list_field(payload, "options"):
            bump(self._counts, option, 1)

    def _remove(self, change: Change, payload: Mapping[str, object]) -> None:
        for option in int_list_field(payload, "options"):
            bump(self._counts, option, -1)

    def _snapshot(self, settings: KindSettings, moderation: Moderation, audience: Audience) -> ChoiceResults:
        if not isinstance(settings, ChoiceSettings):
            raise TypeError(f"ChoiceSettings expected, got {type(settings).__name__}")
        # Percent of respondents, not of votes: with several choices each, the bars may sum past 100.
        respondents = self.respondents()
        options: list[ChoiceOption] = []
        for index, text in enumerate(settings.options):
            count = self._counts.get(index, 0)
            percent = round(count / respondents * 100, 1) if respondents > 0 else 0.0
            options.append(ChoiceOption(index=index, text=text, count=count, percent=percent))
        return ChoiceResults(**self.counts(), max_choices=settings.max_choices, options=options)

    def _state(self) -> object:
        return sorted(self._counts.items())


class Choice(ActivityKind):
    name = "choice"
    label = N_("Multiple choice")
    prompt = N_("Are these values OK for you?")
    settings = ChoiceSettings
    tally = ChoiceTally
    results: ClassVar[Mapping[Audience, type[Results]]] = {
        "presenter": ChoiceResults,
        "host": ChoiceResults,
        "participant": ChoiceResults,
    }
    export_columns = (N_("Choice"),)
    payload_schema: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["options"],
        "properties": {
            "options": {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 1}
        },
    }

    def demo(self, say: Say) -> Demo | None:
        return Demo(
            order=4,
            prompt=say(DEMO_PROMPT),
            settings={"options": [say(option) for option in DEMO_OPTIONS], "max_choices": 1},
        )

    def defaults(self, say: Say) -> KindSettings:
        return ChoiceSettings(options=[say(option) for option in YES_NO])

    def _normalise(
        self, settings: KindSettings, slot: str, payload: Mapping[str, object]
    ) -> dict[str, object]:
        chosen = expect(settings, ChoiceSettings)
        index_slot(slot, 1, "choice")
        picked = fields(self.name, payload, "options")
        if not isinstance(picked, list | tuple):
            raise DomainError(Code.WRONG_KIND, "A choice answer's options must be a list of option numbers.")
        if not picked:
            raise DomainError(Code.NO_OPTION, "Choose at least one option.")
        count = len(chosen.options)
        indices = [whole_number(option, self.name) for option in picked]
        for index in indices:
            if not 0 <= index < count:
                raise DomainError(
                    Code.UNKNOWN_OPTION, f"There is no option {index}; use 0 to {count - 1}.", option=index
                )
        if len(set(indices)) != len(indices):
            raise DomainError(Code.WRONG_KIND, "Each option may be chosen only once.")
        if len(indices) > chosen.max_choices:
            plural = "option" if chosen.max_choices == 1 else "options"
            raise DomainError(
                Code.TOO_MANY_OPTIONS,
                f"Choose at most {chosen.max_choices} {plural}; you chose {len(indices)}.",
                maximum=chosen.max_choices,
            )
        return {"options": sorted(indices)}

    def validate_withdraw(self, settings: KindSettings, slot: str) -> None:
        index_slot(slot, 1, "choice")

    def phone_payload(self, settings: KindSettings) -> dict[str, int]:
        return {"choices": expect(settings, ChoiceSettings).max_choices}

    def export_row(
        self,
        entry: Entry,
        settings: Mapping[str, Any],
        by_number: Callable[[int], Entry | None],
        say: Say,
    ) -> list[Cell]:
        picked = entry.payload.get("options")
        options = picked if isinstance(picked, list) else []
        return ["; ".join(pick_text(settings.get("options"), o) for o in options)]

    def report_section(
        self, base: dict[str, Any], results: Mapping[str, Any], ctx: ReportContext
    ) -> dict[str, Any] | None:
        return bars_section(base, items(results.get("options")), results, ctx, percent=True)


def bars_section(
    base: dict[str, Any],
    entries: Sequence[Mapping[str, Any]],
    results: Mapping[str, Any],
    ctx: ReportContext,
    *,
    percent: bool,
    members: bool = False,
) -> dict[str, Any] | None:
    """A bar per option (choice) or group: the big screen's scale, never relative to the largest."""
    if not any(int(e.get("count", 0)) for e in entries):
        return None
    bars: list[dict[str, Any]] = []
    for entry in entries:
        count = int(entry.get("count", 0))
        bar: dict[str, Any] = {
            "text": plain(entry.get("text")),
            "count": count,
            "percent": ctx.number(float(p)) if isinstance(p := entry.get("percent"), int | float) else None,
        }
        if members:
            listed = entry.get("members")
            names = [m for m in listed if isinstance(m, str) and m] if isinstance(listed, list) else []
            bar["members"] = sorted(names, key=str.casefold) if ctx.nicknames else []
            bar["anonymous"] = count - len(bar["members"])
        bars.append(bar)
    questions = results.get("questions")
    # A choice's bar is its share of the people who answered (its percent), a group's its share of
    # everyone in a group.
    everyone = sum(bar["count"] for bar in bars) or 1
    shares = [
        float(p) / 100
        if percent and isinstance(p := entry.get("percent"), int | float)
        else bar["count"] / everyone
        for entry, bar in zip(entries, bars, strict=True)
    ]
    chart = [
        (
            bar["text"],
            share,
            f"{bar['count']} · {bar['percent']}%"
            if percent and bar["percent"] is not None
            else str(bar["count"]),
        )
        for bar, share in zip(bars, shares, strict=True)
    ]
    return {
        **base,
        "bars": bars,
        "svg": {"chart": "bars", "rows": chart, "salt": ctx.salt},
        "questions": [q for q in questions if isinstance(q, str)] if isinstance(questions, list) else [],
    }
