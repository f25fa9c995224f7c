"""Meetings from draaiboek templates by API, and any meeting back out as a template."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.draaiboek import Template, fill, load_builtin, parse
from server.kinds import settings_for
from tests.factories import auth, client_for, make_meeting


@pytest.fixture
def client(database_url: str) -> Any:
    with client_for(database_url) as client:
        yield client


def test_templates_are_listed_with_their_placeholders(client: TestClient) -> None:
    listed = {t["name"]: t for t in client.get("/api/templates").json()}
    assert set(listed) == {"blank", "followup", "kickoff"}
    kickoff = listed["kickoff"]
    assert kickoff["placeholders"][0]["name"] == "thema" and kickoff["placeholders"][0]["default"] is None
    assert kickoff["blocks"] == 11 and kickoff["minutes"] == 200
    yaml = client.get("/api/templates/kickoff.yaml")
    assert yaml.status_code == 200 and "format: kring-draaiboek/1" in yaml.text
    assert client.get("/api/templates/nope.yaml").json()["error"]["code"] == "unknown_template"


def test_the_kickoff_with_theme_inclusie_has_every_block_and_activity(client: TestClient) -> None:
    response = client.post("/api/meetings", json={"template": "kickoff", "values": {"thema": "Inclusie"}})
    assert response.status_code == 201, response.text
    meeting = response.json()
    expected = fill(load_builtin("kickoff"), {"thema": "Inclusie"})
    assert meeting["title"] == expected.title and "Inclusie" in meeting["title"]
    assert meeting["theme"] == "Inclusie"
    assert [
        (b["title"], b["duration_minutes"], b["essential"], b["is_break"]) for b in meeting["blocks"]
    ] == [(b.title, b.duration_minutes, b.essential, b.is_break) for b in expected.blocks]
    by_id = {a["id"]: a for a in meeting["activities"]}
    for block, spec in zip(meeting["blocks"], expected.blocks, strict=True):
        got = [by_id[i] for i in block["activity_ids"]]
        assert [(a["kind"], a["prompt"]) for a in got] == [(a.kind, a.prompt) for a in spec.activities]
    kinds = [a["kind"] for a in meeting["activities"]]
    assert {"open", "groups", "scales", "choice", "wordcloud", "cards", "checkout"} <= set(kinds)
    assert "Waar denk jij aan bij Inclusie?" in [a["prompt"] for a in meeting["activities"]]
    assert not any("{{" in a["prompt"] or "{{" in str(a["settings"]) for a in meeting["activities"])
    # the activities walk the agenda in order: "next" follows the blocks
    positions = [by_id[i]["position"] for b in meeting["blocks"] for i in b["activity_ids"]]
    assert positions == sorted(positions)


def test_theme_field_fills_the_placeholder_and_errors_are_clear(client: TestClient) -> None:
    made = client.post(
        "/api/meetings", json={"template": "kickoff", "theme": "Vitaliteit", "title": "Eigen titel"}
    )
    assert made.status_code == 201 and made.json()["title"] == "Eigen titel"
    assert made.json()["theme"] == "Vitaliteit"
    missing = client.post("/api/meetings", json={"template": "kickoff"})
    assert missing.status_code == 400
    assert (
        missing.json()["error"]["code"] == "invalid_template_values"
        and "thema" in missing.json()["error"]["message"]
    )
    unknown = client.post("/api/meetings", json={"template": "bestaatniet", "values": {}})
    assert unknown.status_code == 404 and "kickoff" in unknown.json()["error"]["message"]
    no_title = client.post("/api/meetings", json={"theme": "x"})
    assert no_title.status_code == 400 and no_title.json()["error"]["code"] == "missing_title"


def test_any_meeting_exports_as_a_template_that_recreates_it(client: TestClient) -> None:
    meeting = client.post(
        "/api/meetings", json={"template": "kickoff", "values": {"thema": "Inclusie"}}
    ).json()
    response = client.get(f"/api/meetings/{meeting['code']}/template.yaml", headers=auth(meeting))
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    template = parse(response.text, "export.yaml")
    assert [p.name for p in template.placeholders] == ["thema"]
    assert "{{thema}}" in template.title and "Inclusie" not in response.text
    again = client.post("/api/meetings", json={"template": "kickoff", "values": {"thema": "Inclusie"}}).json()
    filled = fill(template, {"thema": "Inclusie"})
    assert [b.title for b in filled.blocks] == [b["title"] for b in again["blocks"]]
    assert [a.prompt for b in filled.blocks for a in b.activities] == [
        a["prompt"] for a in again["activities"]
    ]
    assert client.get(f"/api/meetings/{meeting['code']}/template.yaml").status_code == 404


def test_a_meeting_without_blocks_exports_its_activities_in_one_block(client: TestClient) -> None:
    meeting = make_meeting(client, theme="")
    client.post(
        f"/api/meetings/{meeting['code']}/activities", json={"kind": "checkout"}, headers=auth(meeting)
    )
    template = parse(
        client.get(f"/api/meetings/{meeting['code']}/template.yaml", headers=auth(meeting)).text, "x.yaml"
    )
    assert len(template.blocks) == 1 and [a.kind for a in template.blocks[0].activities] == ["checkout"]
    assert template.placeholders == ()


def test_the_kickoff_round_trips_through_export_as_template(client: TestClient) -> None:
    """The meeting keeps the draaiboek's description and preparation, so its exported template
    fills in to the builtin kick-off again: every block, activity, setting and note."""
    meeting = client.post(
        "/api/meetings", json={"template": "kickoff", "values": {"thema": "Inclusie"}}
    ).json()
    builtin = fill(load_builtin("kickoff"), {"thema": "Inclusie"})
    got = client.get(f"/api/meetings/{meeting['code']}", headers=auth(meeting)).json()
    assert got["description"] == builtin.description and got["preparation"] == builtin.preparation
    assert "Inclusie" in got["preparation"]
    text = client.get(f"/api/meetings/{meeting['code']}/template.yaml", headers=auth(meeting)).text
    again = fill(parse(text, "export.yaml"), {"thema": "Inclusie"})

    def normal(template: Template) -> Template:
        blocks = tuple(
            replace(
                b,
                activities=tuple(
                    replace(a, settings=settings_for(a.kind, a.settings).model_dump(mode="json"))  # type: ignore[arg-type]
                    for a in b.activities
                ),
            )
            for b in template.blocks
        )
        return replace(template, name="kickoff", blocks=blocks)

    assert normal(again) == normal(builtin)
    # The notes are part of the JSON export too, and come back with an import.
    exported = client.get(f"/api/meetings/{meeting['code']}/export.json", headers=auth(meeting))
    assert exported.json()["meeting"]["preparation"] == builtin.preparation
    restored = client.post("/api/import", content=exported.content).json()
    assert restored["description"] == builtin.description and restored["preparation"] == builtin.preparation


def test_the_notes_can_be_edited(client: TestClient) -> None:
    meeting = make_meeting(client)
    assert meeting["description"] == "" and meeting["preparation"] == ""
    path = f"/api/meetings/{meeting['code']}"
    edited = client.patch(path, json={"preparation": "Flappen klaarzetten"}, headers=auth(meeting))
    assert edited.status_code == 200 and edited.json()["preparation"] == "Flappen klaarzetten"
    assert edited.json()["description"] == ""
    too_long = client.patch(path, json={"description": "x" * 2001}, headers=auth(meeting))
    assert too_long.status_code == 422


OWN = """\
format: kring-draaiboek/1
title: Intervisie {{thema}}
placeholders:
  - name: thema
    label: Thema
preparation: Stoelen in een kring.
blocks:
  - title: Start
    duration: 10
    activities:
      - kind: wordcloud
        prompt: Waar denk je aan bij {{thema}}?
  - title: Casus
    duration: twintig
"""


def test_your_own_template_as_yaml_text(client: TestClient) -> None:
    bad = client.post(
        "/api/meetings", json={"template_yaml": OWN, "template_file": "C:\\docs\\mijn.yaml", "values": {}}
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_template"
    assert bad.json()["error"]["message"] == (
        'mijn.yaml:14: blocks[1].duration: must be a whole number of minutes from 1 to 1440, got "twintig"'
    )
    checked = client.post("/api/templates/check", json={"yaml": OWN, "file": "mijn.yaml"})
    assert checked.status_code == 200 and checked.json()["valid"] is False  # the check itself worked
    assert checked.json()["error"] == {
        "code": "invalid_template",
        "message": bad.json()["error"]["message"],
        "line": 14,
    }
    good = OWN.replace("twintig", "20")
    verdict = client.post("/api/templates/check", json={"yaml": good}).json()
    assert verdict["valid"] is True and verdict["error"] is None
    summary = verdict["template"]
    assert summary["title"] == "Intervisie {{thema}}" and summary["blocks"] == 2 and summary["minutes"] == 30
    assert summary["placeholders"] == [{"name": "thema", "label": "Thema", "default": None}]
    missing = client.post("/api/meetings", json={"template_yaml": good})
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "invalid_template_values"
    made = client.post("/api/meetings", json={"template_yaml": good, "values": {"thema": "Feedback"}})
    assert made.status_code == 201, made.text
    meeting = made.json()
    assert meeting["title"] == "Intervisie Feedback" and meeting["preparation"] == "Stoelen in een kring."
    assert [b["title"] for b in meeting["blocks"]] == ["Start", "Casus"]
    assert meeting["activities"][0]["prompt"] == "Waar denk je aan bij Feedback?"
    both = client.post("/api/meetings", json={"template": "kickoff", "template_yaml": good})
    assert both.status_code == 400 and "not both" in both.json()["error"]["message"]
    empty = client.post("/api/templates/check", json={"yaml": ""})
    assert empty.json()["valid"] is False and empty.json()["error"]["message"] == (
        "template.yaml:1: the file is empty; a template starts with 'format: kring-draaiboek/1'"
    )
