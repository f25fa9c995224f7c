"""Word normalisation and the profanity lists."""

from __future__ import annotations

import pytest

from server.domain.words import is_profane, normalise_word


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Samenwerking", " samenwerking "),
        ("e\u0301e\u0301n", "één"),
        ("Samen  werken", "samen werken"),
        ("STRASSE", "straße"),
    ],
)
def test_normalise_word_makes_variants_one_key(a: str, b: str) -> None:
    assert normalise_word(a) == normalise_word(b)


@pytest.mark.parametrize(
    ("word", "profane"),
    [
        ("kut", True),
        ("Klootzak", True),
        ("shit happens", True),
        ("samenwerking", False),
        ("inclusie", False),
        ("homo", False),
    ],
)
def test_is_profane_matches_whole_words(word: str, profane: bool) -> None:
    assert is_profane(word) is profane
