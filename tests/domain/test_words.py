"""Cleaning free text, normalising cloud keys, and the profanity lists."""

from __future__ import annotations

import unicodedata
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.errors import DomainError
from server.domain.words import clean_text, host_text, is_profane, normalise_word

FAMILY = "👩\u200d👩\u200d👧"
SCOTLAND = "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"


@pytest.mark.parametrize(
    ("raw", "allow_newlines", "cleaned"),
    [
        ("  hallo  ", False, "hallo"),
        ("Samen \t  werken", False, "Samen werken"),
        ("a\u00a0\u2003\u3000b", False, "a b"),
        ("e\u0301e\u0301n", False, "één"),
        ("regel één  \n   regel twee", True, "regel één\nregel twee"),
        ("a\n\n\n\n\nb", True, "a\n\nb"),
        ("a\n\nb", True, "a\n\nb"),
        ("a \n \n \n b", True, "a\n\nb"),
        ("\n\n  a  \n\n", True, "a"),
        ("a\r\nb", True, "a\nb"),
        ("a\u2028b", True, "a\nb"),
        (FAMILY, False, FAMILY),
        ("❤\ufe0f\u200d🔥", False, "❤\ufe0f\u200d🔥"),
        ("👩🏽\u200d💻 top", False, "👩🏽\u200d💻 top"),
        (f"go {SCOTLAND}", False, f"go {SCOTLAND}"),
        ("می\u200cخواهم", False, "می\u200cخواهم"),
    ],
)
def test_clean_text_normalises(raw: str, allow_newlines: bool, cleaned: str) -> None:
    assert clean_text(raw, max_length=280, allow_newlines=allow_newlines) == cleaned


@pytest.mark.parametrize(
    ("raw", "allow_newlines", "code"),
    [
        ("", False, "text_empty"),
        (" \t\u00a0 ", False, "text_empty"),
        ("\n\n\n", True, "text_empty"),
        ("a\x00b", True, "control_characters"),
        ("bel\x07", True, "control_characters"),
        ("a\x0bb", True, "control_characters"),
        ("a\x0cb", True, "control_characters"),
        ("a\x85b", True, "control_characters"),
        ("a\x7fb", True, "control_characters"),
        ("a\rb", True, "control_characters"),
        ("a\r\nb", False, "control_characters"),
        ("a\nb", False, "control_characters"),
        ("a\u2028b", False, "control_characters"),
        ("a\u200bb", True, "control_characters"),
        ("a\u202eb", True, "control_characters"),
        ("a\u2066b", True, "control_characters"),
        ("\ufeffa", True, "control_characters"),
        ("a\u00adb", True, "control_characters"),
        ("a\u200db", True, "control_characters"),
        ("\u200d👍", True, "control_characters"),
        ("👍\u200d", True, "control_characters"),
        ("👍\u200d\u200d👍", True, "control_characters"),
        ("a\U000e0067b", True, "control_characters"),
        ("a\ud800b", True, "control_characters"),
        ("\udfff", True, "control_characters"),
    ],
)
def test_clean_text_refuses(raw: str, allow_newlines: bool, code: str) -> None:
    with pytest.raises(DomainError) as error:
        clean_text(raw, max_length=280, allow_newlines=allow_newlines)
    assert error.value.code == code
    assert error.value.message


def test_clean_text_too_long_names_length_and_maximum() -> None:
    with pytest.raises(DomainError) as error:
        clean_text("x" * 312, max_length=280, allow_newlines=True)
    assert error.value.code == "text_too_long"
    assert error.value.message == "Text is 312 characters; the maximum is 280."
    assert error.value.params == {"length": 312, "maximum": 280}


@pytest.mark.parametrize(
    ("raw", "max_length"),
    [
        ("a" + " " * 300 + "b", 3),  # counted after collapsing
        ("e\u0301" * 40, 40),  # counted after NFC
        ("👍" * 40, 40),  # counted in code points
        ("  " + "x" * 40 + "  ", 40),
    ],
)
def test_clean_text_counts_length_after_cleaning(raw: str, max_length: int) -> None:
    assert len(clean_text(raw, max_length=max_length, allow_newlines=False)) <= max_length


def test_clean_text_counts_code_points_not_graphemes() -> None:
    with pytest.raises(DomainError):
        clean_text(FAMILY, max_length=4, allow_newlines=False)  # five code points, one picture


@settings(max_examples=300, deadline=None)
@given(raw=st.text(), allow_newlines=st.booleans())
def test_clean_text_is_idempotent_and_tidy(raw: str, allow_newlines: bool) -> None:
    try:
        cleaned = clean_text(raw, max_length=10_000, allow_newlines=allow_newlines)
    except DomainError as error:
        assert error.code in {"text_empty", "control_characters"}
        return
    assert clean_text(cleaned, max_length=10_000, allow_newlines=allow_newlines) == cleaned
    assert cleaned == cleaned.strip() and "  " not in cleaned and "\n\n\n" not in cleaned
    assert unicodedata.is_normalized("NFC", cleaned)
    assert allow_newlines or "\n" not in cleaned


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Samenwerking", " samenwerking "),
        ("SAMENWERKING", "samenwerking"),
        ("e\u0301e\u0301n", "één"),
        ("Samen  \t werken", "samen werken"),
        ("STRASSE", "straße"),
        ("J̌", "ǰ"),
    ],
)
def test_normalise_word_makes_variants_one_key(a: str, b: str) -> None:
    assert normalise_word(a) == normalise_word(b)


@pytest.mark.parametrize(("a", "b"), [("samen werken", "samenwerken"), ("idee", "ideeën"), ("e", "é")])
def test_normalise_word_keeps_different_words_apart(a: str, b: str) -> None:
    assert normalise_word(a) != normalise_word(b)


@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_normalise_word_is_idempotent_and_nfc(text: str) -> None:
    key = normalise_word(text)
    assert normalise_word(key) == key
    assert unicodedata.is_normalized("NFC", key)


@pytest.mark.parametrize(
    ("word", "profane"),
    [
        ("kut", True),
        ("Klootzak", True),
        ("KANKER", True),
        ("kut!", True),
        ("kut-dag", True),
        ("wat een teringzooi", True),
        ("shit happens", True),
        ("mother_fucker", True),
        ("motherfucker", True),
        ("fuck/this", True),
        ("samenwerking", False),
        ("inclusie", False),
        ("kankerlijder", False),  # a patient, not a curse
        ("assessment", False),
        ("klasse", False),
        ("dick", False),  # a Dutch first name
        ("homo", False),
        ("hoe-gaat-het", False),
        ("", False),
    ],
)
def test_is_profane_matches_whole_words_and_parts(word: str, profane: bool) -> None:
    assert is_profane(word) is profane


@pytest.mark.parametrize("name", ["profanity_nl.txt", "profanity_en.txt"])
def test_profanity_list_is_modest_lowercase_and_unique(name: str) -> None:
    text = resources.files("server.domain").joinpath(name).read_text(encoding="utf-8")
    words = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert 60 <= len(words) <= 150
    assert len(set(words)) == len(words)
    assert all(word == normalise_word(word) and " " not in word for word in words)
    assert all(is_profane(word) for word in words)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("a\x00b", "control_characters"),
        ("bel\x07", "control_characters"),
        ("del\x7f", "control_characters"),
        ("rlo\u202e", "control_characters"),
        ("lri\u2066", "control_characters"),
        ("half\ud800", "control_characters"),
        ("non\uffff", "noncharacter"),
        ("non\U0010fffe", "noncharacter"),
        ("non\ufdef", "noncharacter"),
        ("e" + "\u0301" * 11, "combining_marks"),
    ],
)
def test_host_text_refuses_naming_the_field(text: str, code: str) -> None:
    with pytest.raises(DomainError) as caught:
        host_text(text, field="theme")
    assert caught.value.code == code and caught.value.message.startswith("theme: ")


def test_host_text_keeps_what_people_write() -> None:
    written = "Regel 1\r\nRegel\t2\rë ẹ̀ 👩\u200d💻 zelf\u00adstandig \u200fعربي " + "e" + "\u0301" * 10
    assert host_text(written, field="title") == written.replace("\r\n", "\n").replace("\r", "\n")


@pytest.mark.parametrize("text", ["ja\uffff", "ja\U0010ffff", "a" + "\u0300" * 200])
def test_answers_refuse_noncharacters_and_stacks_of_marks(text: str) -> None:
    with pytest.raises(DomainError) as caught:
        clean_text(text, max_length=280, allow_newlines=True)
    assert caught.value.code in ("noncharacter", "combining_marks")
