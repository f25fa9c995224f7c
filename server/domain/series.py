"""Series, pure: the network pass's code, the rule that hides small groups, and before/after figures."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from server.text import N_, Text

# The personal code of a network pass: 12 characters from 31 that are hard to mix up (no 0/O,
# 1/I/L, U): about 59 bits. Typed in groups of four (ABCD-EFGH-JKMN); case, spaces and dashes
# do not matter. Guessing is held back by the per-address limit on wrong codes (server/guards.py).
PASS_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
PASS_LENGTH = 12
PASS_GROUP = 4
_PASS_CHARACTERS = re.compile(rf"^[{PASS_ALPHABET}]{{{PASS_LENGTH}}}$")
# What a person may type into the field: the characters, separators, and some slack.
PASS_INPUT_MAX = 40

# An aggregate over fewer matched participants than this is not shown to anyone: with two,
# each could work out the other's answers from the mean and their own.
MIN_GROUP = 3

SERIES_LINK = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def normalise_pass_code(raw: str) -> str:
    """The code as stored (hashed): upper case, separators and spaces dropped, look-alikes mapped
    to the character they stand for (O -> 0 is not in the alphabet, so O, 0 both fail alike)."""
    text = unicodedata.normalize("NFKC", raw[:PASS_INPUT_MAX]).upper()
    return "".join(ch for ch in text if ch not in " -_.\t")


def is_valid_pass_code(code: str) -> bool:
    return bool(_PASS_CHARACTERS.match(code))


def format_pass_code(code: str) -> str:
    """ABCD-EFGH-JKMN: how the phone shows it and a person copies it."""
    return "-".join(code[i : i + PASS_GROUP] for i in range(0, len(code), PASS_GROUP))


@dataclass(frozen=True, slots=True)
class Suppressed:
    """Why a figure is not shown: ``n`` matched participants, fewer than ``minimum``."""

    n: int
    minimum: int = MIN_GROUP

    @property
    def reason(self) -> Text:
        return N_(
            "Not shown: fewer than {minimum} matched participants (here {n}), so that nobody's own "
            "answers could be worked out.",
            n=self.n,
            minimum=self.minimum,
        )


def suppression(n: int) -> Suppressed | None:
    """The one rule for every aggregate over persons (trends, follow-through, series report):
    None when a figure over ``n`` participants may be shown, else why not."""
    return Suppressed(n) if 0 <= n < MIN_GROUP else None


def valid_series_link(link: str) -> bool:
    return bool(SERIES_LINK.match(link))


@dataclass(frozen=True, slots=True)
class Spread:
    """The group's answers to one statement: how many, their mean and standard deviation."""

    n: int
    mean: float
    sd: float


def spread(values: Sequence[float]) -> Spread | None:
    """Mean and (population) standard deviation; None for no values."""
    if not values:
        return None
    mean = math.fsum(values) / len(values)
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values))
    return Spread(len(values), round(mean, 2), round(sd, 2))


@dataclass(frozen=True, slots=True)
class ItemChange:
    """One statement, meeting 1 beside meeting N, over the participants who answered it in both."""

    index: int
    text: str
    matched: int
    before: Spread | None  # None when suppressed or nobody matched
    after: Spread | None
    change: float | None  # after.mean - before.mean
    suppressed: Suppressed | None


@dataclass(frozen=True, slots=True)
class Comparison:
    """Before and after for a linked activity; ``matched``: participants who answered both."""

    items: tuple[ItemChange, ...]
    matched: int
    suppressed: Suppressed | None


Answers = Mapping[int, Mapping[int, float]]  # pseudonym -> statement index -> value


def compare(texts: Sequence[str], before: Answers, after: Answers) -> Comparison:
    """Matched pairs only: a pseudonym counts for a statement when it answered it both times.
    Every figure over fewer than MIN_GROUP of them is left out, with the reason."""
    both = sorted(set(before) & set(after))
    matched = [p for p in both if before[p] and after[p]]
    items: list[ItemChange] = []
    for index, text in enumerate(texts):
        pairs = [
            (before[p][index], after[p][index]) for p in matched if index in before[p] and index in after[p]
        ]
        hidden = suppression(len(pairs))
        if hidden is not None:
            items.append(ItemChange(index, text, len(pairs), None, None, None, hidden))
            continue
        first = spread([b for b, _ in pairs])
        last = spread([a for _, a in pairs])
        assert first is not None and last is not None
        items.append(ItemChange(index, text, len(pairs), first, last, round(last.mean - first.mean, 2), None))
    return Comparison(tuple(items), len(matched), suppression(len(matched)))


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One meeting in a participant's own trend: its place in the series and their values."""

    position: int
    values: Mapping[int, float]  # statement index -> their answer


def own_trend(points: Sequence[TrendPoint]) -> tuple[TrendPoint, ...]:
    """A participant's own answers across the series, oldest first; meetings they left blank out.
    Only ever shown to that participant, so no suppression applies."""
    return tuple(sorted((p for p in points if p.values), key=lambda p: p.position))
