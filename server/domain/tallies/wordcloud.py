"""The word-cloud tally: counts per normalised key and per spelling, merged and filtered on snapshot."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import ClassVar

from server.domain.activities import Kind, Settings, WordcloudSettings
from server.domain.tallies.base import Audience, Change, Tally, bump, text_field
from server.domain.tallies.bounds import WORDCLOUD_TOP
from server.domain.tallies.moderation import Moderation
from server.domain.words import is_profane, normalise_word


class WordcloudTally(Tally):
    kind: ClassVar[Kind] = "wordcloud"

    def __init__(self) -> None:
        super().__init__()
        self._counts: dict[str, int] = {}  # key -> entries
        self._spellings: dict[str, dict[str, int]] = {}  # key -> spelling as typed -> entries

    def _add(self, change: Change, payload: Mapping[str, object]) -> None:
        self._count(text_field(payload, "word"), 1)

    def _remove(self, change: Change, payload: Mapping[str, object]) -> None:
        self._count(text_field(payload, "word"), -1)

    def _count(self, spelling: str, delta: int) -> None:
        key = normalise_word(spelling)
        bump(self._counts, key, delta)
        spellings = self._spellings.setdefault(key, {})
        bump(spellings, spelling, delta)
        if not spellings:
            del self._spellings[key]

    def _snapshot(self, settings: Settings, moderation: Moderation, audience: Audience) -> dict[str, object]:
        if not isinstance(settings, WordcloudSettings):
            raise TypeError(f"WordcloudSettings expected, got {type(settings).__name__}")
        groups: dict[str, list[str]] = {}  # the key counted under -> the keys merged into it
        for key in self._counts:
            groups.setdefault(moderation.resolve(key), []).append(key)
        filtering = settings.profanity_filter and not moderation.profanity_filter_off
        host = audience == "host"
        words: list[dict[str, object]] = []
        for key, members in groups.items():
            count = sum(self._counts[member] for member in members)
            if count <= 0:
                continue  # only while a withdrawal overtakes its answer
            # A merged group reads as its target's own most-used spelling, if anyone typed the target.
            own = self._spellings.get(key)
            text = _most_used(own.items() if own else self._combined(members))
            hidden = key in moderation.hidden_words
            profane = _profane(key) or _profane(text)
            if not host and (hidden or (filtering and profane)):
                continue
            word: dict[str, object] = {"key": key, "text": text, "count": count}
            if host:
                word["hidden"] = hidden
                word["profane"] = profane
            words.append(word)
        words.sort(key=_by_count)
        if audience == "participant":  # a phone's frame stays the same size however many type
            return {"words": words[:WORDCLOUD_TOP], "total": len(words)}
        return {"words": words}

    def _combined(self, keys: list[str]) -> Iterable[tuple[str, int]]:
        combined: dict[str, int] = {}
        for key in keys:
            for spelling, count in self._spellings.get(key, {}).items():
                combined[spelling] = combined.get(spelling, 0) + count
        return combined.items()

    def _state(self) -> object:
        return sorted((key, sorted(spellings.items())) for key, spellings in self._spellings.items())


def _most_used(spellings: Iterable[tuple[str, int]]) -> str:
    """The spelling typed most; a tie goes to the alphabetically smallest, so every worker agrees."""
    return min(spellings, key=lambda item: (-item[1], item[0]))[0]


def _by_count(word: dict[str, object]) -> tuple[int, str]:
    count, key = word["count"], word["key"]
    assert isinstance(count, int) and isinstance(key, str)
    return -count, key


@lru_cache(maxsize=4096)
def _profane(text: str) -> bool:
    return is_profane(text)
