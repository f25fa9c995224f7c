"""The `find` message over the real websocket: a phone finds a check-out word by typing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import migrated_sqlite_url
from tests.factories import ORIGIN, add_activity, client_for, make_meeting, open_activity


@pytest.fixture
def client(tmp_path: object) -> Any:
    url = migrated_sqlite_url(tmp_path)
    # Bursts of 8 messages, refilled by one a minute: a phone's ninth is refused however long
    # the eight before took (at the default 2 a second, eight round trips slower than 0.5 s on a
    # loaded machine earned the ninth a token).
    with client_for(url, ws_rate_burst=8, ws_rate_per_minute=1) as client:
        yield client


def joined(client: TestClient, meeting: dict[str, Any]) -> str:
    """A new participant's cookie (the client's jar holds one participant at a time)."""
    client.cookies.clear()
    response = client.post(f"/api/join/{meeting['code']}", json={})
    assert response.status_code == 200, response.text
    name = f"kring_{meeting['code']}"
    return f"{name}={client.cookies.get(name)}"


def phone(client: TestClient, meeting: dict[str, Any], cookie: str) -> Any:
    return client.websocket_connect(f"/ws/{meeting['code']}", headers={"cookie": cookie, "origin": ORIGIN})


def receive_until(ws: Any, kind: str, limit: int = 20) -> dict[str, Any]:
    for _ in range(limit):
        message: dict[str, Any] = ws.receive_json()
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind} message")


def checkout(client: TestClient) -> tuple[dict[str, Any], int]:
    meeting = make_meeting(client)
    activity = add_activity(client, meeting, "checkout")
    open_activity(client, meeting, activity["id"])
    return meeting, activity["id"]


def test_a_phone_finds_a_word_by_typing_and_steps_in_on_it(client: TestClient) -> None:
    meeting, activity = checkout(client)
    anna, bram = joined(client, meeting), joined(client, meeting)
    with phone(client, meeting, anna) as ws:
        receive_until(ws, "state")
        answer = {"type": "answer", "activity_id": activity, "slot": "word", "value": {"word": "Verbinding"}}
        ws.send_text(json.dumps({**answer, "client_id": "a1"}))
        word = receive_until(ws, "ack")["entry_id"]
    with phone(client, meeting, bram) as ws:
        receive_until(ws, "state")
        ws.send_text(json.dumps({"type": "find", "activity_id": activity, "query": "VERB"}))
        found = receive_until(ws, "found")
        assert found == {
            "type": "found",
            "activity_id": activity,
            "query": "VERB",
            "words": [{"id": word, "text": "Verbinding", "stepins": 0}],
            "more": False,
        }
        ws.send_text(json.dumps({"type": "find", "activity_id": activity, "query": "rust"}))
        assert receive_until(ws, "found")["words"] == []
        step_in = {"type": "answer", "activity_id": activity, "slot": f"in:{word}", "value": {}}
        ws.send_text(json.dumps({**step_in, "client_id": "b1"}))
        assert receive_until(ws, "ack")["slot"] == f"in:{word}"
        ws.send_text(json.dumps({"type": "find", "activity_id": activity, "query": "binding"}))
        assert receive_until(ws, "found")["words"][0]["stepins"] == 1


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ({"query": ""}, "invalid_message"),
        ({"query": "x" * 41}, "invalid_message"),
        ({"query": 5}, "invalid_message"),
        ({"query": "woord", "client_id": "x"}, "invalid_message"),
        ({"query": "   "}, "text_empty"),
        ({"query": "woord", "activity_id": 999}, "activity_not_open"),
    ],
)
def test_a_malformed_find_gets_a_clear_error_and_the_socket_stays_open(
    client: TestClient, message: dict[str, Any], code: str
) -> None:
    meeting, activity = checkout(client)
    with phone(client, meeting, joined(client, meeting)) as ws:
        receive_until(ws, "state")
        ws.send_text(json.dumps({"type": "find", "activity_id": activity, **message}))
        error = receive_until(ws, "error")
        assert error["code"] == code and error["message"]
        if code == "invalid_message":
            assert "query" in error["message"] or "client_id" in error["message"]
        ws.send_text('{"type": "ping"}')
        assert receive_until(ws, "pong")["type"] == "pong"


def test_finds_count_against_the_phones_message_rate(client: TestClient) -> None:
    meeting, activity = checkout(client)
    with phone(client, meeting, joined(client, meeting)) as ws:
        receive_until(ws, "state")
        find = json.dumps({"type": "find", "activity_id": activity, "query": "woord"})
        replies: list[dict[str, Any]] = []
        for _ in range(9):  # the burst is 8 (the fixture's KRING_WS_RATE_BURST)
            ws.send_text(find)
            reply = ws.receive_json()
            while reply["type"] not in ("found", "error"):  # the phone's frames, in between
                reply = ws.receive_json()
            replies.append(reply)
        assert [r["type"] for r in replies[:8]] == ["found"] * 8
        assert replies[8]["type"] == "error" and replies[8]["code"] == "rate_limited"
