"""The points kind: its budget, the answers it refuses (points_over_budget), totals, means and givers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from server.__main__ import main
from server.domain.errors import DomainError
from server.i18n import sayer
from server.kinds import Change, Moderation, get, new_tally, settings_for
from server.kinds.base import ReportContext
from server.kinds.points import PointsSettings
from server.services import report
from tests.kinds.support import default_settings

OPTIONS = ["Eigen vragen", "Werkbezoek", "Expert"]


def spread(*answers: list[int], **raw: Any) -> dict[str, Any]:
    settings = settings_for("points", {"options": OPTIONS, **raw})
    tally = new_tally("points")
    for person, points in enumerate(answers, start=1):
        tally.apply(Change(person, "0", person, None, {"points": points}))
    return tally.snapshot(settings, Moderation(), audience="participant")


def normalise(payload: dict[str, Any], slot: str = "0", **raw: Any) -> dict[str, object]:
    return get("points").normalise_answer(settings_for("points", {"options": OPTIONS, **raw}), slot, payload)


def test_points_defaults_budget_100_and_the_priorities_in_the_meetings_language() -> None:
    nl, en = default_settings("points", "nl"), default_settings("points", "en")
    assert isinstance(nl, PointsSettings) and isinstance(en, PointsSettings)
    assert nl.budget == en.budget == 100
    assert nl.options[0] == "Tijd voor onze eigen vragen" and en.options[0] == "Time for our own questions"


@pytest.mark.parametrize(
    "raw",
    [
        {"options": ["alleen"]},
        {"options": [str(i) for i in range(11)]},
        {"budget": 0},
        {"budget": 10_001},
        {"budget": "honderd"},
        {"budget": 99.5},
    ],
)
def test_points_refuses_bad_settings(raw: dict[str, Any]) -> None:
    with pytest.raises(DomainError) as refused:
        settings_for("points", raw)
    assert refused.value.code == "invalid_settings"
    assert refused.value.message.startswith("Invalid points settings: ")


@pytest.mark.parametrize(
    ("payload", "slot", "raw", "code"),
    [
        ({"points": [60, 30, 11]}, "0", {}, "points_over_budget"),
        ({"points": [6, 5, 0]}, "0", {"budget": 10}, "points_over_budget"),
        ({"points": [101, 0, 0]}, "0", {}, "value_out_of_range"),
        ({"points": [-5, 10, 0]}, "0", {}, "value_out_of_range"),
        ({"points": [0, 0, 0]}, "0", {}, "no_option"),
        ({"points": [50, 50]}, "0", {}, "wrong_kind"),
        ({"points": [50, 25, 25, 0]}, "0", {}, "wrong_kind"),
        ({"points": [50, 25.0, 25]}, "0", {}, "wrong_kind"),
        ({"points": [50, True, 25]}, "0", {}, "wrong_kind"),
        ({"points": {"0": 50}}, "0", {}, "wrong_kind"),
        ({"punten": [50, 25, 25]}, "0", {}, "wrong_kind"),
        ({"points": [50, 25, 25]}, "1", {}, "invalid_slot"),
    ],
)
def test_points_refuses_answers_with_their_code(
    payload: dict[str, Any], slot: str, raw: dict[str, Any], code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        normalise(payload, slot, **raw)
    assert refused.value.code == code and refused.value.message.endswith(".")


def test_points_over_budget_names_the_sum_and_the_budget() -> None:
    with pytest.raises(DomainError, match=r"You spent 101 points; the budget is 100\.") as refused:
        normalise({"points": [60, 30, 11]})
    assert refused.value.params == {"spent": 101, "budget": 100}


def test_points_may_leave_points_unspent_and_spend_exactly_the_budget() -> None:
    assert normalise({"points": [10, 0, 5]}) == {"points": [10, 0, 5]}
    assert normalise({"points": [0, 100, 0]}) == {"points": [0, 100, 0]}
    assert normalise({"points": [400, 600, 0]}, budget=1000) == {"points": [400, 600, 0]}


def test_points_totals_means_givers_and_shares_most_first() -> None:
    results = spread([50, 50, 0], [0, 70, 30], [20, 0, 60])
    assert (results["budget"], results["spent"], results["respondents"]) == (100, 280, 3)
    assert results["options"] == [
        {"index": 1, "text": "Werkbezoek", "total": 120, "mean": 40.0, "givers": 2, "percent": 42.9},
        {"index": 2, "text": "Expert", "total": 90, "mean": 30.0, "givers": 2, "percent": 32.1},
        {"index": 0, "text": "Eigen vragen", "total": 70, "mean": 23.33, "givers": 2, "percent": 25.0},
    ]


def test_points_without_answers_lists_the_options_in_order() -> None:
    results = spread()
    assert [(o["index"], o["total"], o["mean"], o["percent"]) for o in results["options"]] == [
        (0, 0, None, 0.0),
        (1, 0, None, 0.0),
        (2, 0, None, 0.0),
    ]


def test_points_change_of_mind_moves_the_points_and_the_givers() -> None:
    settings = settings_for("points", {"options": OPTIONS})
    tally = new_tally("points")
    tally.apply(Change(1, "0", 1, None, {"points": [100, 0, 0]}))
    tally.apply(Change(1, "0", 1, {"points": [100, 0, 0]}, {"points": [0, 40, 60]}))
    options = tally.snapshot(settings, Moderation(), audience="presenter")["options"]
    assert [(o["index"], o["total"], o["givers"]) for o in options] == [(2, 60, 1), (1, 40, 1), (0, 0, 0)]


def test_points_export_row_lists_what_was_given() -> None:
    class Row:
        number, slot, payload = 1, "0", {"points": [50, 0, 25]}

    cells = get("points").export_row(Row(), {"options": OPTIONS}, lambda _: None, sayer("nl"))
    assert cells == ["Eigen vragen: 50; Expert: 25", 75]


def test_points_report_says_totals_means_and_givers_in_the_meetings_language() -> None:
    results = spread([50, 50, 0], [0, 70, 30], [20, 0, 60])
    context = ReportContext(
        say=sayer("nl"),
        words=report.labels("nl"),
        number=lambda v: f"{v:.1f}".replace(".", ","),
        nicknames=True,
        salt="kring-1",
    )
    section = get("points").report_section({"kind": "points"}, results, context)
    assert section is not None
    assert section["rows"][0]["figure"] == "120 punten · gemiddeld 40,0"
    assert section["rows"][2]["gave"] == "2 van de 3 gaven er punten aan"
    assert "<svg" in str(report._drawn(section, "nl")["svg"])


TEMPLATE = """format: kring-draaiboek/1
title: Terugkomdag {{thema}}
placeholders:
  - name: thema
    label: Thema
blocks:
  - title: Prioriteiten
    duration: 15
    activities:
      - kind: points
        prompt: Verdeel je punten over wat het netwerk gaat doen.
        settings:
          options: [Werkbezoek, Intervisie, Een expert van buiten]
          budget: 10
"""


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (
            ("budget: 10", "budget: 0"),
            "points.yaml:12: blocks[0].activities[0].settings: Invalid points settings: budget: Input"
            " should be greater than or equal to 1.",
        ),
        (
            ("budget: 10", "budget: 20000"),
            "points.yaml:12: blocks[0].activities[0].settings: Invalid points settings: budget: Input"
            " should be less than or equal to 10000.",
        ),
        (
            ("options: [Werkbezoek, Intervisie, Een expert van buiten]", "options: [Werkbezoek]"),
            "points.yaml:12: blocks[0].activities[0].settings: Invalid points settings: options: List"
            " should have at least 2 items after validation, not 1.",
        ),
    ],
)
def test_kring_template_validate_takes_points_and_names_the_line_of_bad_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: tuple[str, str], said: str
) -> None:
    path = tmp_path / "points.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    assert main(["template", "validate", str(path)]) == 0
    assert "OK (1 blocks" in capsys.readouterr().out
    path.write_text(TEMPLATE.replace(*change), encoding="utf-8")
    assert main(["template", "validate", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(said), err
