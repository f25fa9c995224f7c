"""Meetings from draaiboek templates by API, and any meeting back out as a template."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.draaiboek import fill, load_builtin, parse
from tests.factories import auth, client_for, make_meeting


@pytest.fixture
def client(database_url: str) -> Any:
    with client_for(database_url) as client:
        yield client


def test_templates_are_listed_with_their_placeholders(client: TestClient) -> None:
    listed = {t["name"]: t for t in client.get("/api/templates").json()}
    assert set(listed) == {"blank", "kickoff"}
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
    assert client.get(f"/api/meetings/{meeting['code']}/template.yaml").status_code == 401


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
