"""Cleaning free text, normalising words into cloud keys, and the Dutch and English profanity lists."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

from server.domain.errors import Code, DomainError
from server.text import N_, Text

_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_SPACE_AROUND_NEWLINE = re.compile(r" ?\n ?")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_LINE_SEPARATORS = str.maketrans({"\u2028": "\n", "\u2029": "\n"})
_INVISIBLE = frozenset({"Cc", "Cf", "Cs"})
_JOINERS = frozenset("\u200c\u200d")  # ZWNJ, ZWJ
_BLACK_FLAG = "\U0001f3f4"  # starts an emoji tag sequence such as the flag of Scotland
_TAGS = range(0xE0020, 0xE0080)
_CANCEL_TAG = "\U000e007f"
_PARTS = re.compile(r"[\s\-\u2010-\u2015_/]+")
_PUNCTUATION = ".,;:!?¡¿'\"`´‘’“”«»()[]{}*"
_PROFANITY_FILES = ("profanity_nl.txt", "profanity_en.txt")


# The one rule for every text a host sets (titles, theme, descriptions, prompts, block texts, in
# a request, a template or an import) and, with the stricter rule of clean_text on top, for every
# answer: the same on SQLite and PostgreSQL, which refuses NUL outright.
MAX_MARKS = 10  # combining marks on one letter: scripts stack at most 4-5; "zalgo" text hundreds
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MARKS = frozenset({"Mn", "Me"})


def host_text(raw: str, *, field: str) -> str:
    """A host's free text as stored: line breaks made \\n; refused (``field`` named) when it holds
    a control character other than newline and tab (NUL, BEL, ESC, DEL, C1), a directional
    override or isolate (U+202A-U+202E, U+2066-U+2069), a lone surrogate, a noncharacter or more
    than MAX_MARKS combining marks in a row. Nothing is stripped silently: what is stored is what
    the host sees."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    if text.isascii() and text.isprintable():
        return text  # the common case, checked at C speed
    for ch in text:
        category = unicodedata.category(ch)
        if (category == "Cc" and ch not in "\n\t") or category == "Cs" or ch in _BIDI_CONTROLS:
            error = _control_error(ch)
            raise DomainError(error.code, N_("{field}: {problem}", field=field, problem=error.message))
    refuse_unsafe_text(text, field=field)
    return text


def refuse_unsafe_text(text: str, *, field: str | None = None) -> None:
    """Noncharacters and runs of combining marks, refused in any text (``field`` named if given)."""
    run = 0
    for ch in text:
        point = ord(ch)
        if 0xFDD0 <= point <= 0xFDEF or point & 0xFFFE == 0xFFFE:
            code = f"U+{point:04X}"
            said = N_("Text contains a noncharacter ({point}), which is not a letter; remove it.", point=code)
            raise DomainError(Code.NONCHARACTER, _in_field(said, field), character=code)
        run = run + 1 if unicodedata.category(ch) in _MARKS else 0
        if run > MAX_MARKS:
            said = N_("Text stacks more than {n} accents or marks on one letter.", n=MAX_MARKS)
            raise DomainError(Code.COMBINING_MARKS, _in_field(said, field), maximum=MAX_MARKS)


def _in_field(message: Text, field: str | None) -> Text:
    return message if field is None else N_("{field}: {problem}", field=field, problem=message)


def clean_text(raw: str, *, max_length: int, allow_newlines: bool) -> str:
    """Trim, collapse whitespace and NFC-normalise; refuse control characters, noncharacters, stacks
    of marks, empty and over-long text."""
    text = raw.replace("\r\n", "\n") if allow_newlines else raw
    text = text.translate(_LINE_SEPARATORS)
    _refuse_control_characters(text, allow_newlines=allow_newlines)
    refuse_unsafe_text(text)
    text = _HORIZONTAL_SPACE.sub(" ", unicodedata.normalize("NFC", text))
    if allow_newlines:
        text = _MANY_NEWLINES.sub("\n\n", _SPACE_AROUND_NEWLINE.sub("\n", text))
    text = text.strip()
    if not text:
        raise DomainError(Code.TEXT_EMPTY, N_("Text is empty; write something first."))
    if len(text) > max_length:
        raise DomainError(
            Code.TEXT_TOO_LONG,
            N_("Text is {n} characters; the maximum is {max}.", n=len(text), max=max_length),
            length=len(text),
            maximum=max_length,
        )
    return text


def _refuse_control_characters(text: str, *, allow_newlines: bool) -> None:
    in_tag_sequence = False
    for index, ch in enumerate(text):
        if unicodedata.category(ch) not in _INVISIBLE:
            in_tag_sequence = ch == _BLACK_FLAG
            continue
        if ch == "\t":
            continue  # horizontal whitespace like any other: collapsed to one space
        if ch == "\n" and allow_newlines:
            continue
        if ch in _JOINERS and _joins_visible(text, index):
            continue  # emoji such as 👩‍💻 and scripts like Persian need them between two characters
        if in_tag_sequence and ord(ch) in _TAGS:
            in_tag_sequence = ch != _CANCEL_TAG
            continue
        raise _control_error(ch)


def _joins_visible(text: str, index: int) -> bool:
    """A joiner counts only between two visible non-ASCII characters: elsewhere it just hides text."""
    if index == 0 or index + 1 == len(text):
        return False
    return all(
        not ch.isascii() and not ch.isspace() and unicodedata.category(ch) not in _INVISIBLE
        for ch in (text[index - 1], text[index + 1])
    )


def _control_error(ch: str) -> DomainError:
    point = f"U+{ord(ch):04X}"
    if ch == "\n":
        message = N_("A word cannot contain a line break; keep it on one line.")
    elif unicodedata.category(ch) == "Cs":
        message = N_(
            "Text contains an invalid character (a lone surrogate, {point}); retype it.", point=point
        )
    else:
        message = N_("Text contains an invisible or control character ({point}); remove it.", point=point)
    return DomainError(Code.CONTROL_CHARACTERS, message, character=point)


def normalise_word(text: str) -> str:
    """The key a word is counted under: 'Samenwerking' and ' samenwerking ' are one key."""
    collapsed = " ".join(unicodedata.normalize("NFC", text).split())
    # Case folding can decompose letters (ǰ -> j + ̌), so compose again to keep keys canonical.
    return unicodedata.normalize("NFC", collapsed.casefold())


@cache
def _profanity() -> frozenset[str]:
    words: set[str] = set()
    folder = resources.files("server.domain")
    for name in _PROFANITY_FILES:
        for line in folder.joinpath(name).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                words.add(normalise_word(line))
    return frozenset(words)


def is_profane(key: str) -> bool:
    """True when the key, or one of its whitespace- or hyphen-separated parts, is on a list."""
    words = _profanity()
    key = normalise_word(key)
    if key in words:
        return True
    return any(part.strip(_PUNCTUATION) in words for part in _PARTS.split(key))
