"""Cleaning free text, normalising words for the cloud, and the profanity lists."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

from server.domain.errors import DomainError

_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_SPACE_AROUND_NEWLINE = re.compile(r" *\n *")
_JOINERS = "\u200c\u200d"  # ZWNJ, ZWJ
_SPLIT = re.compile(r"[\s\-_/.,!?;:'\"()]+")


def clean_text(raw: str, *, max_length: int, allow_newlines: bool) -> str:
    """Trim, collapse whitespace, NFC; refuse control characters, empty and over-long text."""
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in raw):
        raise DomainError("control_characters", "The text contains invalid characters (lone surrogates).")
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    for ch in text:
        if ch in "\t\n" or ch in _JOINERS:
            continue  # whitespace (collapsed below) and the joiners emoji sequences need
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs"):
            raise DomainError(
                "control_characters",
                f"The text contains a control character (U+{ord(ch):04X}); remove it.",
            )
    if allow_newlines:
        text = _HORIZONTAL_SPACE.sub(" ", text)
        text = _SPACE_AROUND_NEWLINE.sub("\n", text)
        text = _MANY_NEWLINES.sub("\n\n", text)
    else:
        text = " ".join(text.split())
    text = unicodedata.normalize("NFC", text.strip())
    if not text:
        raise DomainError("text_empty", "The text is empty.")
    if len(text) > max_length:
        raise DomainError(
            "text_too_long",
            f"The text is {len(text)} characters; the maximum is {max_length}.",
            length=len(text),
            maximum=max_length,
        )
    return text


def normalise_word(text: str) -> str:
    """The key a word is counted under: 'Samenwerking' and ' samenwerking ' are one."""
    return unicodedata.normalize("NFC", " ".join(text.split())).casefold()


@cache
def _profanity() -> frozenset[str]:
    words: set[str] = set()
    for name in ("profanity_nl.txt", "profanity_en.txt"):
        content = resources.files("server.domain").joinpath(name).read_text(encoding="utf-8")
        for line in content.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                words.add(normalise_word(line))
    return frozenset(words)


def is_profane(key: str) -> bool:
    """True when the key, or one of its parts, is on the Dutch or English list."""
    words = _profanity()
    key = normalise_word(key)
    if key in words:
        return True
    return any(part in words for part in _SPLIT.split(key) if part)
