"""The ranking kind: its settings, the answers it refuses, Borda scores, mean ranks and the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from server.__main__ import main
from server.domain.errors import DomainError
from server.i18n import sayer
from server.kinds import Change, Moderation, get, new_tally, settings_for
from server.kinds.base import ReportContext
from server.kinds.ranking import RankingSettings
from server.services import report
from tests.kinds.support import default_settings

ITEMS = ["Leren", "Vragen", "Netwerk"]


def ranked(*orders: list[int], **raw: Any) -> dict[str, Any]:
    settings = settings_for("ranking", {"items": ITEMS, **raw})
    tally = new_tally("ranking")
    for person, order in enumerate(orders, start=1):
        tally.apply(Change(person, "0", person, None, {"order": order}))
    return tally.snapshot(settings, Moderation(), audience="presenter")


def normalise(payload: dict[str, Any], slot: str = "0", **raw: Any) -> dict[str, object]:
    return get("ranking").normalise_answer(settings_for("ranking", {"items": ITEMS, **raw}), slot, payload)


def test_ranking_defaults_are_the_themes_in_the_meetings_language() -> None:
    nl, en = default_settings("ranking", "nl"), default_settings("ranking", "en")
    assert isinstance(nl, RankingSettings) and isinstance(en, RankingSettings)
    assert nl.items[0] == "Leren van mislukte projecten" and en.items[0] == "Learning from failed projects"
    assert len(nl.items) == len(en.items) == 5 and nl.partial is False


@pytest.mark.parametrize(
    "raw",
    [
        {"items": ["alleen"]},
        {"items": [str(i) for i in range(11)]},
        {"items": ["a", ""]},
        {"partial": "soms"},
    ],
)
def test_ranking_refuses_bad_settings(raw: dict[str, Any]) -> None:
    with pytest.raises(DomainError) as refused:
        settings_for("ranking", raw)
    assert refused.value.code == "invalid_settings"
    assert refused.value.message.startswith("Invalid ranking settings: ")


@pytest.mark.parametrize(
    ("payload", "slot", "raw", "code"),
    [
        ({"order": [0, 1]}, "0", {}, "ranking_incomplete"),
        ({"order": []}, "0", {"partial": True}, "no_option"),
        ({"order": [0, 1, 3]}, "0", {}, "unknown_option"),
        ({"order": [0, -1, 2]}, "0", {}, "unknown_option"),
        ({"order": [0, 0, 1]}, "0", {}, "wrong_kind"),
        ({"order": [0, 1, True]}, "0", {}, "wrong_kind"),
        ({"order": "012"}, "0", {}, "wrong_kind"),
        ({"order": [0, 1, 2], "why": 1}, "0", {}, "wrong_kind"),
        ({"order": [0, 1, 2]}, "1", {}, "invalid_slot"),
    ],
)
def test_ranking_refuses_answers_with_their_code(
    payload: dict[str, Any], slot: str, raw: dict[str, Any], code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        normalise(payload, slot, **raw)
    assert refused.value.code == code and refused.value.message.endswith(".")


def test_ranking_incomplete_names_how_many() -> None:
    with pytest.raises(DomainError, match=r"Put all 3 items in order; you ranked 2\."):
        normalise({"order": [2, 0]})


def test_ranking_stores_the_order_as_sent_and_partial_takes_fewer() -> None:
    assert normalise({"order": [2, 0, 1]}) == {"order": [2, 0, 1]}
    assert normalise({"order": [1]}, partial=True) == {"order": [1]}


def test_ranking_borda_score_mean_rank_and_distribution() -> None:
    results = ranked([0, 1, 2], [1, 0, 2], [1, 2, 0])
    assert results["max_score"] == 9 and results["respondents"] == 3
    by_text = {item["text"]: item for item in results["items"]}
    # Vragen: places 2, 1, 1 -> 2 + 3 + 3 points; Leren: 1, 2, 3 -> 3 + 2 + 1; Netwerk: 3, 3, 2.
    assert by_text["Vragen"] == {
        "index": 1,
        "text": "Vragen",
        "count": 3,
        "mean_rank": 1.33,
        "score": 8,
        "distribution": [2, 1, 0],
    }
    assert (by_text["Leren"]["score"], by_text["Leren"]["mean_rank"]) == (6, 2.0)
    assert by_text["Leren"]["distribution"] == [1, 1, 1]
    assert (by_text["Netwerk"]["score"], by_text["Netwerk"]["distribution"]) == (4, [0, 1, 2])
    assert [item["text"] for item in results["items"]] == ["Vragen", "Leren", "Netwerk"]


def test_ranking_ties_go_to_the_better_mean_rank_then_to_the_first_listed() -> None:
    # Partial: Leren once first (3 points, mean 1); Vragen and Netwerk 1st and 2nd (5, mean 1.5).
    results = ranked([0], [2, 1], [1, 2], partial=True)
    scores = [(item["text"], item["score"], item["mean_rank"]) for item in results["items"]]
    assert scores == [("Vragen", 5, 1.5), ("Netwerk", 5, 1.5), ("Leren", 3, 1.0)]
    assert ranked()["items"][0]["mean_rank"] is None
    assert [item["index"] for item in ranked()["items"]] == [0, 1, 2]


def test_ranking_partial_leaves_unranked_items_out_of_the_count() -> None:
    results = ranked([2], [2, 0], partial=True)
    by_text = {item["text"]: item for item in results["items"]}
    assert by_text["Vragen"] == {
        "index": 1,
        "text": "Vragen",
        "count": 0,
        "mean_rank": None,
        "score": 0,
        "distribution": [0, 0, 0],
    }
    assert (by_text["Netwerk"]["score"], by_text["Leren"]["score"]) == (6, 2)
    assert results["partial"] is True


def test_ranking_replacement_and_withdrawal_move_the_scores() -> None:
    settings = settings_for("ranking", {"items": ITEMS})
    tally = new_tally("ranking")
    tally.apply(Change(1, "0", 1, None, {"order": [0, 1, 2]}))
    tally.apply(Change(1, "0", 1, {"order": [0, 1, 2]}, {"order": [2, 1, 0]}))
    first = tally.snapshot(settings, Moderation(), audience="participant")["items"][0]
    assert (first["text"], first["score"]) == ("Netwerk", 3)
    tally.apply(Change(1, "0", 1, {"order": [2, 1, 0]}, None))
    assert tally.snapshot(settings, Moderation(), audience="host")["items"][0]["score"] == 0


def test_ranking_export_row_numbers_the_places() -> None:
    class Row:
        number, slot, payload = 1, "0", {"order": [2, 0, 1]}

    cells = get("ranking").export_row(Row(), {"items": ITEMS}, lambda _: None, sayer("nl"))
    assert cells == ["1. Netwerk; 2. Leren; 3. Vragen"]


def test_ranking_report_draws_bars_and_the_rank_table_in_the_meetings_language() -> None:
    results = ranked([0, 1, 2], [1, 0, 2], [1, 2, 0])
    context = ReportContext(
        say=sayer("nl"),
        words=report.labels("nl"),
        number=lambda v: f"{v:.1f}".replace(".", ","),
        nicknames=True,
        salt="kring-1",
    )
    section = get("ranking").report_section({"kind": "ranking"}, results, context)
    assert section is not None
    assert section["rows"][0]["figure"] == "8 punten · gemiddelde plaats 1,3"
    assert section["rows"][0]["ranks"] == [2, 1, 0]
    assert section["places"] == ["1", "2", "3"] and section["rank_label"] == "Plaats"
    assert section["not_ranked"] is None
    drawn = report._drawn(section, "nl")
    assert "<svg" in str(drawn["svg"]) and "Vragen" in str(drawn["svg"])


TEMPLATE = """format: kring-draaiboek/1
title: Terugkomdag {{thema}}
placeholders:
  - name: thema
    label: Thema
blocks:
  - title: Vooruitkijken
    duration: 15
    activities:
      - kind: ranking
        prompt: Welk thema willen we de volgende keer?
        settings:
          items: [Leren van mislukte projecten, Scherpe vragen stellen, Meer uit het netwerk halen]
          partial: true
"""


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (
            (
                "items: [Leren van mislukte projecten, Scherpe vragen stellen, Meer uit het netwerk halen]",
                "items: [Alleen dit]",
            ),
            "ranking.yaml:12: blocks[0].activities[0].settings: Invalid ranking settings: items: List should"
            " have at least 2 items after validation, not 1.",
        ),
        (
            ("partial: true", "partial: soms"),
            "ranking.yaml:12: blocks[0].activities[0].settings: Invalid ranking settings: partial: Input"
            " should be a valid boolean, unable to interpret input.",
        ),
        (("partial: true", "gedeeltelijk: true"), "ranking.yaml:12: blocks[0].activities[0].settings:"),
    ],
)
def test_kring_template_validate_takes_a_ranking_and_names_the_line_of_bad_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: tuple[str, str], said: str
) -> None:
    path = tmp_path / "ranking.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    assert main(["template", "validate", str(path)]) == 0
    assert "OK (1 blocks" in capsys.readouterr().out
    path.write_text(TEMPLATE.replace(*change), encoding="utf-8")
    assert main(["template", "validate", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(said), err
