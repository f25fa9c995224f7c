"""Word cloud: a few words each, counted per normalised key, merged and filtered when shown."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any, ClassVar

from pydantic import Field

from server.domain.words import is_profane, normalise_word
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
    items,
    plain,
    text_field,
)
from server.kinds.bounds import WORDCLOUD_TOP
from server.kinds.fields import WORD_MAX_LENGTH, Count, fields, index_slot, word
from server.kinds.moderation import Moderation
from server.text import N_

CLOUD_SIZE = (720, 330)
TOP_WORDS = 30  # the report's "Meest genoemd" lists this many; it says how many more there are


class WordcloudSettings(KindSettings):
    max_length: ClassVar[int] = WORD_MAX_LENGTH
    max_entries: Count = 3
    profanity_filter: bool = Field(
        default=True, description="the moderation action `profanity_filter` overrides it"
    )


class CloudWord(Item):
    key: str
    text: str
    count: int


class HostCloudWord(CloudWord):
    hidden: bool
    profane: bool


class WordcloudPresenter(Results):
    words: list[CloudWord]


class WordcloudHost(Results):
    words: list[HostCloudWord]


class WordcloudPhone(Results):
    words: list[CloudWord]
    total: int


class WordcloudTally(Tally):
    kind: ClassVar[str] = "wordcloud"

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

    def _snapshot(
        self, settings: KindSettings, moderation: Moderation, audience: Audience
    ) -> dict[str, object]:
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


class Wordcloud(ActivityKind):
    name = "wordcloud"
    label = N_("Word cloud")
    prompt = N_("What comes to mind when you think of {theme}?")
    settings = WordcloudSettings
    tally = WordcloudTally
    results: ClassVar[Mapping[Audience, type[Results]]] = {
        "presenter": WordcloudPresenter,
        "host": WordcloudHost,
        "participant": WordcloudPhone,
    }
    export_columns = (N_("Word"),)
    payload_schema: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["word"],
        "properties": {"word": {"type": "string"}},
    }
    moderation = frozenset({"hide_word", "unhide_word", "merge_words", "unmerge_word", "profanity_filter"})

    def demo(self, say: Say) -> Demo | None:
        return Demo(order=2, settings={})

    def _normalise(
        self, settings: KindSettings, slot: str, payload: Mapping[str, object]
    ) -> dict[str, object]:
        index_slot(slot, expect(settings, WordcloudSettings).max_entries, "word")
        return {"word": word(fields(self.name, payload, "word"), self.name)}

    def validate_withdraw(self, settings: KindSettings, slot: str) -> None:
        index_slot(slot, expect(settings, WordcloudSettings).max_entries, "word")

    def phone_payload(self, settings: KindSettings) -> dict[str, int]:
        return {"word": WORD_MAX_LENGTH, "words": expect(settings, WordcloudSettings).max_entries}

    def export_row(
        self,
        entry: Entry,
        settings: Mapping[str, Any],
        by_number: Callable[[int], Entry | None],
        say: Say,
    ) -> list[Cell]:
        return [plain(entry.payload.get("word"))]

    def hidden(self, entry: Entry, moderation: Moderation) -> bool:
        said = entry.payload.get("word")
        return isinstance(said, str) and moderation.resolve(normalise_word(said)) in moderation.hidden_words

    def report_section(
        self, base: dict[str, Any], results: Mapping[str, Any], ctx: ReportContext
    ) -> dict[str, Any] | None:
        cloud = [(plain(w.get("text")), int(w.get("count", 0))) for w in items(results.get("words"))]
        cloud = [(said, count) for said, count in cloud if said and count > 0]
        if not cloud:
            return None
        width, height = CLOUD_SIZE
        left = len(cloud) - TOP_WORDS
        more = N_("and one more word") if left == 1 else N_("and {n} more words", n=left)
        return {
            **base,
            "svg": {
                "chart": "cloud",
                "words": cloud,
                "width": width,
                "height": height,
                "label": base["prompt"],
            },
            "top": cloud[:TOP_WORDS],
            "more": ctx.say(more) if left > 0 else "",
        }
