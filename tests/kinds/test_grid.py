"""The 2×2 grid: its settings, its refusals, the means and spreads on the plane, and its report."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.__main__ import main
from server.domain.errors import DomainError
from server.i18n import sayer
from server.kinds import (
    AUDIENCES,
    REGISTRY,
    Change,
    Moderation,
    names,
    new_tally,
    settings_for,
    tally_from_rows,
)
from server.kinds.base import ReportContext
from server.kinds.grid import GRID_MAX_ITEMS, GridResults
from server.services import report
from tests.kinds.support import default_settings, validate_answer

GRID = REGISTRY["grid"]


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        ({"x_min": 5, "x_max": 1}, "x_min (5) must be below x_max (1)"),
        ({"y_min": 3, "y_max": 3}, "y_min (3) must be below y_max (3)"),
        ({"x_min": -100, "x_max": 101}, "an axis has at most 201 values; -100–101 is too wide"),
        ({"y_max": 10**7}, "y_max"),
        ({"items": []}, "items"),
        ({"items": ["x"] * (GRID_MAX_ITEMS + 1)}, "items"),
        ({"items": ["a", "   "]}, "items.1"),
        ({"items": ["x" * 281]}, "items.0"),
        ({"quadrants": ["a", "b", "c"]}, "quadrants"),
        ({"quadrants": ["a", "b", "c", "d", "e"]}, "quadrants"),
        ({"x_label": ""}, "x_label"),
        ({"y_label": "x" * 201}, "y_label"),
        ({"spread": "circle"}, "spread"),
        ({"axes": 3}, "axes"),
    ],
)
def test_grid_settings_refused_naming_the_field(raw: dict[str, Any], said: str) -> None:
    with pytest.raises(DomainError) as refused:
        settings_for("grid", raw)
    assert refused.value.code == "invalid_settings"
    assert refused.value.message.startswith("Invalid grid settings: ") and said in refused.value.message


def test_grid_settings_allow_blank_quadrants_and_any_range_up_to_201_values() -> None:
    grid = settings_for("grid", {"quadrants": ["", "", "", ""], "x_min": -100, "x_max": 100, "y_min": 0})
    assert grid.model_dump()["quadrants"] == ["", "", "", ""]


def test_grid_defaults_are_in_the_meetings_language() -> None:
    nl, en = default_settings("grid", "nl").model_dump(), default_settings("grid", "en").model_dump()
    assert (nl["x_label"], nl["y_label"], nl["quadrants"][0]) == ("Moeite", "Impact", "Snelle winst")
    assert (en["x_label"], en["y_label"], en["quadrants"][0]) == ("Effort", "Impact", "Quick wins")
    assert len(nl["items"]) == len(en["items"]) == 5 and nl["items"] != en["items"]
    assert (nl["x_min"], nl["x_max"], nl["y_min"], nl["y_max"], nl["spread"]) == (1, 10, 1, 10, "none")


@pytest.mark.parametrize(
    ("slot", "payload", "code"),
    [
        ("0", {"x": 0, "y": 5}, "value_out_of_range"),
        ("0", {"x": 5, "y": 11}, "value_out_of_range"),
        ("0", {"x": True, "y": 5}, "wrong_kind"),
        ("0", {"x": 5.0, "y": 5}, "wrong_kind"),
        ("0", {"x": "5", "y": 5}, "wrong_kind"),
        ("0", {"x": 5}, "wrong_kind"),
        ("0", {"x": 5, "y": 5, "why": "x"}, "wrong_kind"),
        ("0", {"value": 5}, "wrong_kind"),
        ("5", {"x": 5, "y": 5}, "unknown_item"),
        ("99", {"x": 5, "y": 5}, "unknown_item"),
        ("x", {"x": 5, "y": 5}, "invalid_slot"),
        ("03", {"x": 5, "y": 5}, "invalid_slot"),
        ("-1", {"x": 5, "y": 5}, "invalid_slot"),
    ],
)
def test_grid_refuses_answers_with_a_clear_code(slot: str, payload: dict[str, Any], code: str) -> None:
    with pytest.raises(DomainError) as refused:
        validate_answer(
            "grid", default_settings("grid"), slot, payload, own={}, participant=1, tally=new_tally("grid")
        )
    assert refused.value.code == code


def test_grid_out_of_range_names_the_axis_and_its_range() -> None:
    with pytest.raises(DomainError) as refused:
        GRID.normalise_answer(settings_for("grid", {"y_min": -5, "y_max": 5}), "1", {"x": 3, "y": 6})
    assert refused.value.params == {"axis": "y", "value": 6, "min": -5, "max": 5}
    assert refused.value.message == "y = 6 is outside its axis, -5 to 5."


def test_grid_withdraw_refuses_a_slot_it_does_not_have() -> None:
    GRID.validate_withdraw(default_settings("grid"), "4")
    with pytest.raises(DomainError) as refused:
        GRID.validate_withdraw(default_settings("grid"), "5")
    assert refused.value.code == "invalid_slot"


def place(tally: Any, person: int, slot: str, x: int, y: int, old: dict[str, int] | None = None) -> None:
    tally.apply(Change(person, slot, person * 10 + int(slot), old, {"x": x, "y": y}))


def test_grid_means_and_spread_per_item() -> None:
    tally = new_tally("grid")
    for person, (x, y) in enumerate([(2, 9), (4, 5), (9, 1)], start=1):
        place(tally, person, "0", x, y)
    place(tally, 1, "2", 10, 10)
    cross = settings_for("grid", {"spread": "cross"})
    snapshot = tally.snapshot(cross, Moderation(), audience="participant")
    GridResults.model_validate(snapshot)
    first, second, third = snapshot["items"][:3]  # type: ignore[index]
    spread = round(math.sqrt(26 / 3), 2)  # deviations 3, 1, 4 on x; 4, 0, 4 on y
    assert first == {
        "index": 0,
        "text": first["text"],
        "count": 3,
        "x": 5.0,
        "y": 5.0,
        "sd_x": spread,
        "sd_y": round(math.sqrt(32 / 3), 2),
    }
    assert second == {**second, "count": 0, "x": None, "y": None, "sd_x": None, "sd_y": None}
    assert third == {**third, "count": 1, "x": 10.0, "y": 10.0, "sd_x": 0.0, "sd_y": 0.0}
    assert (snapshot["responses"], snapshot["respondents"]) == (4, 3)
    plain = tally.snapshot(default_settings("grid"), Moderation(), audience="presenter")
    assert plain["spread"] == "none" and plain["items"][0]["sd_x"] is None  # type: ignore[index]
    assert plain["quadrants"] == ["Snelle winst", "Grote projecten", "Kleine klusjes", "Niet aan beginnen"]


def test_grid_a_moved_dot_moves_the_mean_and_a_withdrawal_takes_it_away() -> None:
    tally = new_tally("grid")
    place(tally, 1, "0", 2, 2)
    place(tally, 2, "0", 4, 4)
    place(tally, 1, "0", 8, 6, old={"x": 2, "y": 2})
    grid = default_settings("grid")
    assert tally.snapshot(grid, Moderation(), audience="host")["items"][0]["x"] == 6.0  # type: ignore[index]
    tally.apply(Change(2, "0", 20, {"x": 4, "y": 4}, None))
    item = tally.snapshot(grid, Moderation(), audience="host")["items"][0]  # type: ignore[index]
    assert (item["count"], item["x"], item["y"]) == (1, 8.0, 6.0)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 5), st.sampled_from(["0", "3"]), st.integers(-50, 50), st.integers(0, 100)),
        max_size=40,
    )
)
def test_grid_spread_of_the_incremental_tally_equals_a_recount(
    ops: list[tuple[int, str, int, int]],
) -> None:
    """Moves and withdrawals, each row's in order: means and standard deviations as a recount's."""
    tally, rows = new_tally("grid"), {}
    for person, slot, x, y in ops:
        key = (person, slot)
        old = rows.pop(key, None)
        new = None if x % 7 == 0 and old is not None else {"x": x, "y": y}  # sometimes a withdrawal
        tally.apply(Change(person, slot, person * 10 + int(slot), old, new))
        if new is not None:
            rows[key] = new
    recount = tally_from_rows(
        "grid", [Change(p, s, p * 10 + int(s), None, payload) for (p, s), payload in rows.items()]
    )
    grid = settings_for("grid", {"x_min": -50, "x_max": 50, "y_min": 0, "y_max": 100, "spread": "ellipse"})
    for audience in AUDIENCES:
        snapshot = tally.snapshot(grid, Moderation(), audience=audience)
        assert snapshot == recount.snapshot(grid, Moderation(), audience=audience)
        for item in snapshot["items"]:  # type: ignore[attr-defined]
            placed = [p for (_, s), p in rows.items() if s == str(item["index"])]
            if placed:
                mean = sum(p["x"] for p in placed) / len(placed)
                assert item["x"] == round(mean, 2)
                deviation = math.sqrt(sum((p["x"] - mean) ** 2 for p in placed) / len(placed))
                assert item["sd_x"] == pytest.approx(deviation, abs=0.006)


def test_grid_report_section_draws_the_plane_with_numbered_dots_and_quadrants() -> None:
    tally = new_tally("grid")
    place(tally, 1, "0", 2, 9)
    place(tally, 2, "0", 4, 7)
    place(tally, 1, "3", 8, 2)
    grid = settings_for("grid", {"spread": "ellipse"}, sayer("nl"))
    results = tally.snapshot(grid, Moderation(), audience="presenter")
    context = ReportContext(
        say=sayer("nl"),
        words=report.labels("nl"),
        number=lambda v: f"{v:.1f}".replace(".", ","),
        nicknames=True,
        salt="kring-3",
    )
    base = {"kind": "grid", "number": 3, "prompt": "Waar?", "private": False, "respondents": "2"}
    found = GRID.report_section(dict(base), results, context)
    assert found is not None
    assert [(i["number"], i["x"], i["y"], i["sd_x"], i["count"]) for i in found["items"]] == [
        (1, "3,0", "8,0", "1,0", 2),
        (4, "8,0", "2,0", "0,0", 1),
    ]
    svg = str(report._drawn(found, "nl")["svg"])
    assert svg.startswith("<svg")
    words = re.findall(r">([^<>]+)</text>", svg)
    for expected in ("Snelle winst", "Niet aan beginnen", "Moeite", "Impact", "1", "4"):
        assert any(expected in w for w in words), expected


TEMPLATE = """\
format: kring-draaiboek/1
title: Prioriteren
placeholders:
  - name: thema
    label: Thema
blocks:
  - title: Waar steken we op in?
    duration: 20
    activities:
      - kind: grid
        prompt: Waar steken we op in voor {{thema}}?
        settings:
          items: [Inspiratietafel, Werkbezoek, Intervisie]
          x_label: Moeite
          y_label: Impact
          quadrants: [Snelle winst, Grote projecten, Kleine klusjes, Niet aan beginnen]
          spread: cross
"""


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (
            ("x_label: Moeite", "x_label: Moeite\n          x_min: 10\n          x_max: 1"),
            "grid.yaml:12: blocks[0].activities[0].settings: Invalid grid settings: "
            "x_min (10) must be below x_max (1).",
        ),
        (("spread: cross", "spread: wolk"), "grid.yaml:12: blocks[0].activities[0].settings: Invalid grid"),
        (
            ("Kleine klusjes, Niet aan beginnen", "Kleine klusjes"),
            "grid.yaml:12: blocks[0].activities[0].settings: Invalid grid settings: quadrants:",
        ),
        (("kind: grid", "kind: raster"), "grid.yaml:10: blocks[0].activities[0].kind: must be one of "),
    ],
)
def test_kring_template_validate_takes_a_grid_and_names_the_line_of_bad_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: tuple[str, str], said: str
) -> None:
    path = tmp_path / "grid.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    assert main(["template", "validate", str(path)]) == 0
    assert "OK (1 blocks" in capsys.readouterr().out
    path.write_text(TEMPLATE.replace(*change), encoding="utf-8")
    assert main(["template", "validate", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(said), err
    if "kind:" in said:  # the registry's names, the grid among them
        assert ", grid" in err and err.endswith(f'{", ".join(names())}, got "raster"')
