"""The quiz bench at small N: its deadline, recount and reveal checks count right."""

from __future__ import annotations

import pytest

from bench import quiz, report
from bench import scenarios as s

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


def test_quiz_bench_holds_the_deadline_and_recounts_the_leaderboard_at_60_phones() -> None:
    with s.run(processes=2) as r:
        row = {"suite": "quiz", "mode": "optimised", **s.join(r, 60, 200)}
        row.update(quiz.question(r, seconds=5))
        row["server_errors_logged"] = r.server.errors_logged()
    assert row["quiz_phones"] == 60 and row["timeouts"] == 0
    assert row["late_sent"] == 6 and row["late_refused_too_late"] == 6 and row["late_acked"] == 0
    assert row["early_acked"] == row["early_sent"] == 54 and row["early_refused"] == {}
    assert row["leaderboard_exact"] is True and row["own_rank_wrong"] == 0
    assert row["players"] == 54 and row["right"] == row["right_recounted"]
    assert row["reveal_missing"] == 0 and row["reveal_p99_ms"] is not None
    assert row["server_errors_logged"] == 0
    measured, _, met = quiz.measure([row])
    assert met is True and "54 of 54" in measured
    assert any(t["metric"].startswith("quiz") for t in report.targets([row]))
