"""Per-activity moderation by the facilitator: highlights, hidden answers and words, merged words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass
class Moderation:
    highlighted: set[int] = field(default_factory=set)  # open: entry ids shown first
    hidden_entries: set[int] = field(default_factory=set)  # open: entry ids only the host sees
    hidden_words: set[str] = field(default_factory=set)  # wordcloud: normalised keys
    merges: dict[str, str] = field(default_factory=dict)  # wordcloud: from key -> into key
    profanity_filter_off: bool = False  # overrides the activity's profanity_filter setting

    @classmethod
    def from_json(cls, raw: Mapping[str, object] | None) -> Moderation:
        """Read what ``to_json`` wrote; unreadable parts are dropped rather than failing a whole room."""
        raw = raw or {}
        merges = raw.get("merges")
        return cls(
            highlighted=_ints(raw.get("highlighted")),
            hidden_entries=_ints(raw.get("hidden_entries")),
            hidden_words={str(word) for word in _items(raw.get("hidden_words"))},
            merges={str(k): str(v) for k, v in merges.items()} if isinstance(merges, Mapping) else {},
            profanity_filter_off=raw.get("profanity_filter_off") is True,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "highlighted": sorted(self.highlighted),
            "hidden_entries": sorted(self.hidden_entries),
            "hidden_words": sorted(self.hidden_words),
            "merges": dict(sorted(self.merges.items())),
            "profanity_filter_off": self.profanity_filter_off,
        }

    def resolve(self, key: str) -> str:
        """The key a word counts under after following merges: a -> b -> c gives c.

        A chain without an end (a -> b -> a, or a -> b -> c -> b) merges nothing: every key on it
        stays itself, so a careless pair of merges never hangs or swaps two words.
        """
        seen = {key}
        current = key
        while (into := self.merges.get(current)) is not None:
            if into in seen:
                return key
            seen.add(into)
            current = into
        return current


def _items(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple | set | frozenset) else []


def _ints(value: object) -> set[int]:
    numbers: set[int] = set()
    for item in _items(value):
        if isinstance(item, int) and not isinstance(item, bool):
            numbers.add(item)
        elif isinstance(item, str) and item.isascii() and item.isdigit():
            numbers.add(int(item))
    return numbers
