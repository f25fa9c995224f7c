"""The scales tally: per statement a count, a sum and a value distribution, kept incrementally."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from server.domain.activities import Kind, ScalesSettings, Settings
from server.domain.tallies.base import Audience, Change, Tally, bump, int_field
from server.domain.tallies.moderation import Moderation


class ScalesTally(Tally):
    kind: ClassVar[Kind] = "scales"

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

    def _snapshot(self, settings: Settings, moderation: Moderation, audience: Audience) -> dict[str, object]:
        if not isinstance(settings, ScalesSettings):
            raise TypeError(f"ScalesSettings expected, got {type(settings).__name__}")
        statements: list[dict[str, object]] = []
        for index, text in enumerate(settings.statements):
            count = self._counts.get(index, 0)
            values = self._values.get(index, {})
            item: dict[str, object] = {
                "index": index,
                "text": text,
                "count": count,
                "distribution": [values.get(v, 0) for v in range(settings.min, settings.max + 1)],
                "mean": round(self._sums.get(index, 0) / count, 2) if count > 0 else None,
            }
            if settings.mode == "numeric" and audience != "participant":
                # Every dot on the line, for the screens; phones draw theirs from `distribution`,
                # which is as long as the scale, not as the hall.
                item["values"] = [v for v in sorted(values) for _ in range(max(values[v], 0))]
            if settings.mode == "yesno":
                item["agreed"] = _agreed(values.get(1, 0), values.get(0, 0), settings.agreement)
            statements.append(item)
        body: dict[str, object] = {
            "mode": settings.mode,
            "min": settings.min,
            "max": settings.max,
            "label_low": settings.label_low,
            "label_high": settings.label_high,
            "statements": statements,
        }
        if settings.mode == "yesno":
            # The waardencontract's outcome: the statements the group agreed on, in their order.
            body["agreed"] = [item["text"] for item in statements if item["agreed"]]
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
