"""The multiple-choice tally: votes per option, percentages of the people who answered."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from server.domain.activities import ChoiceSettings, Kind, Settings
from server.domain.tallies.base import Audience, Change, Tally, bump
from server.domain.tallies.moderation import Moderation


class ChoiceTally(Tally):
    kind: ClassVar[Kind] = "choice"

    def __init__(self) -> None:
        super().__init__()
        self._counts: dict[int, int] = {}  # option index -> participants who chose it

    def _add(self, change: Change, payload: Mapping[str, object]) -> None:
        for option in _options(payload):
            bump(self._counts, option, 1)

    def _remove(self, change: Change, payload: Mapping[str, object]) -> None:
        for option in _options(payload):
            bump(self._counts, option, -1)

    def _snapshot(self, settings: Settings, moderation: Moderation, audience: Audience) -> dict[str, object]:
        if not isinstance(settings, ChoiceSettings):
            raise TypeError(f"ChoiceSettings expected, got {type(settings).__name__}")
        # Percent of respondents, not of votes: with several choices each, the bars may sum past 100.
        respondents = self.respondents()
        options: list[dict[str, object]] = []
        for index, text in enumerate(settings.options):
            count = self._counts.get(index, 0)
            percent = round(count / respondents * 100, 1) if respondents > 0 else 0.0
            options.append({"index": index, "text": text, "count": count, "percent": percent})
        return {"max_choices": settings.max_choices, "options": options}

    def _state(self) -> object:
        return sorted(self._counts.items())


def _options(payload: Mapping[str, object]) -> list[int]:
    options = payload["options"]
    if not isinstance(options, list | tuple) or not all(
        isinstance(o, int) and not isinstance(o, bool) for o in options
    ):
        raise TypeError("stored choice payload 'options' is not a list of option numbers")
    return list(options)
