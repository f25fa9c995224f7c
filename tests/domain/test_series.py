"""Series, pure: the pass code, the rule that hides groups under three, and the matched comparison."""

from __future__ import annotations

import pytest

from server.domain.series import (
    MIN_GROUP,
    PASS_ALPHABET,
    PASS_LENGTH,
    TrendPoint,
    compare,
    format_pass_code,
    is_valid_pass_code,
    normalise_pass_code,
    own_trend,
    spread,
    suppression,
)
from server.i18n import say


def test_pass_code_normalises_what_a_person_types() -> None:
    code = "ABCDEFGHJKMN"
    assert format_pass_code(code) == "ABCD-EFGH-JKMN"
    for typed in ("abcd-efgh-jkmn", " ABCD EFGH JKMN ", "abcd_efgh.jkmn", "ＡＢＣＤ-ＥＦＧＨ-ＪＫＭＮ"):
        assert normalise_pass_code(typed) == code
        assert is_valid_pass_code(normalise_pass_code(typed))


@pytest.mark.parametrize(
    "typed", ["", "ABCD-EFGH-JKM", "ABCD-EFGH-JKMNP", "ABCD-EFGH-JKM0", "ABCD-EFGH-JKMI"]
)
def test_pass_code_refuses_wrong_lengths_and_look_alikes(typed: str) -> None:
    assert not is_valid_pass_code(normalise_pass_code(typed))


def test_pass_alphabet_leaves_out_characters_that_are_mixed_up() -> None:
    assert not set("01ILOU") & set(PASS_ALPHABET)
    assert len(PASS_ALPHABET) ** PASS_LENGTH > 2**58  # ~59 bits: guessing needs the rate limit to lose


def test_suppression_hides_fewer_than_three_and_says_why() -> None:
    assert MIN_GROUP == 3
    for n in (0, 1, 2):
        hidden = suppression(n)
        assert hidden is not None and hidden.n == n
    assert suppression(3) is None and suppression(40) is None
    hidden = suppression(2)
    assert hidden is not None
    assert "2" in say(hidden.reason, "en") and "3" in say(hidden.reason, "en")
    assert say(hidden.reason, "nl") != say(hidden.reason, "en")


def test_spread_is_mean_and_population_deviation() -> None:
    assert spread([]) is None
    found = spread([1, 3, 5])
    assert found is not None
    assert (found.n, found.mean, found.sd) == (3, 3.0, 1.63)


def test_compare_counts_only_matched_pairs_per_statement() -> None:
    texts = ["a", "b"]
    before = {1: {0: 2.0, 1: 5.0}, 2: {0: 3.0}, 3: {0: 1.0}, 4: {0: 5.0}, 9: {0: 1.0}}
    after = {1: {0: 4.0, 1: 4.0}, 2: {0: 4.0}, 3: {0: 2.0}, 4: {1: 3.0}, 8: {0: 5.0}}
    result = compare(texts, before, after)
    assert result.matched == 4  # 1, 2, 3, 4 answered both times; 8 and 9 only once
    first, second = result.items
    assert first.matched == 3  # 4 left statement 0 out the second time
    assert first.before is not None and first.after is not None
    assert (first.before.mean, first.after.mean, first.change) == (2.0, 3.33, 1.33)
    assert first.suppressed is None
    assert second.matched == 1  # only 1 answered b both times (4 only after)
    assert second.before is None and second.after is None and second.change is None
    assert second.suppressed is not None and second.suppressed.n == 1
    assert result.suppressed is None


def test_compare_under_three_matched_shows_nothing() -> None:
    result = compare(["a"], {1: {0: 1.0}, 2: {0: 2.0}}, {1: {0: 5.0}, 2: {0: 5.0}, 3: {0: 5.0}})
    assert result.matched == 2
    assert result.suppressed is not None
    (item,) = result.items
    assert item.before is None and item.after is None and item.change is None


def test_own_trend_orders_meetings_and_leaves_blanks_out() -> None:
    points = [TrendPoint(3, {0: 4.0}), TrendPoint(1, {0: 2.0}), TrendPoint(2, {})]
    assert [p.position for p in own_trend(points)] == [1, 3]
