"""Exactly once over the websocket: every kind and op, resent in one batch, in a later batch, after a
reconnect and after a restart, gets its first ack again; and the room never parts from the database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import migrated_sqlite_url
from tests.factories import ORIGIN, add_activity, auth, client_for, make_meeting, open_activity

# (name, kind, settings, slot, first value, changed value); "in:{word}" steps in on another's word.
CASES: list[tuple[str, str, dict[str, Any] | None, str, dict[str, Any], dict[str, Any] | None]] = [
    ("open", "open", None, "0", {"text": "Hallo"}, {"text": "Dag"}),
    ("wordcloud", "wordcloud", None, "0", {"word": "Samen"}, {"word": "Leren"}),
    ("stars", "scales", {"mode": "stars", "pick": 1}, "0", {"value": 4}, {"value": 2}),
    ("yesno", "scales", {"mode": "yesno"}, "1", {"value": 1}, {"value": 0}),
    ("numeric", "scales", {"mode": "numeric", "min": 0, "max": 10}, "2", {"value": 7}, {"value": 3}),
    (
        "choice",
        "choice",
        {"options": ["a", "b", "c"], "max_choices": 2},
        "0",
        {"options": [0, 2]},
        {"options": [1]},
    ),
    ("groups", "groups", None, "0", {"option": 1}, {"option": 3}),
    (
        "cards",
        "cards",
        None,
        "0",
        {"insight": "Inzicht", "action": "Actie", "name": "Bo"},
        {"insight": "Anders", "action": "Meer", "name": None},
    ),
    ("checkout word", "checkout", None, "word", {"word": "Moe"}, {"word": "Blij"}),
    ("step-in", "checkout", None, "in:{word}", {}, None),
]


@pytest.fixture
def url(tmp_path: object) -> str:
    database = migrated_sqlite_url(tmp_path)
    return database


def joined(client: TestClient, meeting: dict[str, Any]) -> str:
    client.cookies.clear()
    response = client.post(f"/api/join/{meeting['code']}", json={})
    assert response.status_code == 200, response.text
    cookie = response.cookies.get(f"kring_{meeting['code']}")
    assert cookie
    return cookie


def connect(client: TestClient, meeting: dict[str, Any], cookie: str) -> Any:
    name = f"kring_{meeting['code']}"
    return client.websocket_connect(
        f"/ws/{meeting['code']}", headers={"cookie": f"{name}={cookie}", "origin": ORIGIN}
    )


def message(activity_id: int, client_id: str, slot: str, value: dict[str, Any] | None) -> dict[str, Any]:
    """An answer, or (``value`` None) a withdrawal."""
    sent = {"type": "answer" if value is not None else "withdraw", "activity_id": activity_id}
    sent.update(client_id=client_id, slot=slot)
    if value is not None:
        sent["value"] = value
    return sent


def reply(ws: Any, client_id: str) -> dict[str, Any]:
    for _ in range(100):
        got: dict[str, Any] = ws.receive_json()
        if got.get("client_id") == client_id and got["type"] in ("ack", "error"):
            return got
    raise AssertionError(f"no reply to {client_id}")


def send(ws: Any, sent: dict[str, Any]) -> dict[str, Any]:
    ws.send_text(json.dumps(sent))
    return reply(ws, sent["client_id"])


def same_ack(again: dict[str, Any], first: dict[str, Any]) -> bool:
    """The same ack, told again: every field but ``duplicate`` and the room's version ``v``."""
    strip = ("duplicate", "v")
    return again["type"] == "ack" and {k: v for k, v in again.items() if k not in strip} == {
        k: v for k, v in first.items() if k not in strip
    }


@contextmanager
def one_batch(client: TestClient) -> Iterator[None]:
    """The two messages sent inside go into one batch: the idle batcher holds the first until the
    second is queued (and the test fails, rather than passing for the wrong reason, if they went
    into two all the same)."""
    batcher = client.app.state.batcher  # type: ignore[attr-defined]
    before = batcher.batches
    batcher.companions = 1
    try:
        yield
    finally:
        batcher.companions = 0
    assert batcher.batches == before + 1, "the copies went into different batches"


def results(client: TestClient, meeting: dict[str, Any], activity_id: int) -> dict[str, Any]:
    response = client.get(
        f"/api/meetings/{meeting['code']}/activities/{activity_id}/results", headers=auth(meeting)
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def exported(client: TestClient, meeting: dict[str, Any]) -> dict[str, Any]:
    response = client.get(f"/api/meetings/{meeting['code']}/export.json", headers=auth(meeting))
    assert response.status_code == 200, response.text
    activity: dict[str, Any] = response.json()["activities"][0]
    return activity


# The writer process (KRING_BATCH_WRITER=process) on the cases that differ most in what crosses
# its pipe (a payload, a step-in and its word); each start of an app there starts a process.
THROUGH_THE_WRITER = ("wordcloud", "checkout word", "step-in")


@pytest.mark.parametrize(
    ("kind", "settings", "slot", "first", "changed", "writer"),
    [pytest.param(*case[1:], "thread", id=case[0]) for case in CASES]
    + [
        pytest.param(*case[1:], "process", id=f"{case[0]}-process")
        for case in CASES
        if case[0] in THROUGH_THE_WRITER
    ],
)
def test_every_op_resent_gets_its_first_ack_again(
    url: str,
    monkeypatch: pytest.MonkeyPatch,
    writer: str,
    kind: str,
    settings: dict[str, Any] | None,
    slot: str,
    first: dict[str, Any],
    changed: dict[str, Any] | None,
) -> None:
    monkeypatch.setenv("KRING_BATCH_WRITER", writer)
    acks: dict[str, dict[str, Any]] = {}
    with client_for(url) as client:
        meeting = make_meeting(client)
        activity = add_activity(client, meeting, kind, settings=settings)
        aid = activity["id"]
        open_activity(client, meeting, aid)
        other, me = joined(client, meeting), joined(client, meeting)
        if slot == "in:{word}":
            with connect(client, meeting, other) as ws:
                word = send(ws, message(aid, "w-other", "word", {"word": "Verbinding"}))
            slot = f"in:{word['entry_id']}"
            # step in, step out, step in again
            ops = [("c1", first), ("c2", None), ("c3", first)]
        else:
            assert changed is not None
            # answer, change, withdraw, answer again
            ops = [("c1", first), ("c2", changed), ("c3", None), ("c4", first)]
        sent = {cid: message(aid, cid, slot, value) for cid, value in ops}

        with connect(client, meeting, me) as ws, connect(client, meeting, me) as ws2:
            head, *middle, last = list(sent)
            acks[head] = send(ws, sent[head])
            assert acks[head]["type"] == "ack" and not acks[head]["duplicate"], acks[head]
            again = send(ws, sent[head])  # a later batch
            assert same_ack(again, acks[head]) and again["duplicate"], again
            for cid in middle:  # both copies in one batch, one over each socket
                with one_batch(client):
                    ws.send_text(json.dumps(sent[cid]))
                    ws2.send_text(json.dumps(sent[cid]))
                    copies = [reply(ws, cid), reply(ws2, cid)]
                assert sorted(c["duplicate"] for c in copies) == [False, True], copies
                assert same_ack(copies[0], copies[1]), copies
                acks[cid] = copies[0]
            acks[last] = send(ws, sent[last])
            assert acks[last]["type"] == "ack" and not acks[last]["duplicate"], acks[last]

        with connect(client, meeting, me) as ws:  # after a reconnect
            for cid in sent:
                again = send(ws, sent[cid])
                assert same_ack(again, acks[cid]) and again["duplicate"], (cid, again)
        expected = results(client, meeting, aid)
        assert expected["responses"] == 1 + (kind == "checkout" and slot != "word")

        # What changed since no longer decides a resend: the word stepped in on is gone, the
        # activity closed. A new answer is refused for it; the resends are acknowledged again.
        if slot != "word" and kind == "checkout":
            with connect(client, meeting, other) as ws:
                assert send(ws, message(aid, "w-gone", "word", None))["type"] == "ack"
        closed = client.post(f"/api/meetings/{meeting['code']}/activities/{aid}/close", headers=auth(meeting))
        assert closed.status_code == 200, closed.text
        with connect(client, meeting, me) as ws:
            assert send(ws, message(aid, "new", slot, first))["code"] == "activity_closed"
            for cid in sent:
                again = send(ws, sent[cid])
                assert same_ack(again, acks[cid]) and again["duplicate"], (cid, again)
        before_restart = results(client, meeting, aid)

    with client_for(url) as client, connect(client, meeting, me) as ws:  # after a restart
        for cid in sent:
            again = send(ws, sent[cid])
            assert same_ack(again, acks[cid]) and again["duplicate"], (cid, again)
        after = results(client, meeting, aid)
        assert after == before_restart
        assert after["responses"] == len(exported(client, meeting)["answers"])


def test_resent_step_in_is_acknowledged_as_a_duplicate(url: str) -> None:
    """The issue's first repro: the same step-in twice got `already_stepped_in`, yet counted."""
    with client_for(url) as client:
        meeting = make_meeting(client)
        activity = add_activity(client, meeting, "checkout")
        open_activity(client, meeting, activity["id"])
        owner, stepper = joined(client, meeting), joined(client, meeting)
        with connect(client, meeting, owner) as ws:
            word = send(ws, message(activity["id"], "a1", "word", {"word": "Moe"}))
        step_in = message(activity["id"], "b2", f"in:{word['entry_id']}", {})
        with connect(client, meeting, stepper) as ws:
            first = send(ws, step_in)
            again = send(ws, step_in)
            third = send(ws, step_in)
        assert first["type"] == "ack" and not first["duplicate"]
        for later in (again, third):
            assert same_ack(later, first) and later["duplicate"], later
        # A new client id on the same word is still refused: one step-in per word.
        with connect(client, meeting, stepper) as ws:
            refused = send(ws, {**step_in, "client_id": "b3"})
        assert refused["code"] == "already_stepped_in"
        assert results(client, meeting, activity["id"])["responses"] == 2
        assert len(exported(client, meeting)["answers"]) == 2


@pytest.mark.parametrize("writer", ["thread", "process"])
def test_step_in_racing_the_withdrawal_of_its_word_leaves_one_truth(url: str, writer: str) -> None:
    """The issue's second repro: B steps in on A's word while A withdraws it, in one batch. The
    results, the big screen and the export agree afterwards, whichever op the batch took first."""
    with client_for(url, batch_writer=writer) as client:
        meeting = make_meeting(client)
        activity = add_activity(client, meeting, "checkout")
        aid = activity["id"]
        open_activity(client, meeting, aid)
        a, b = joined(client, meeting), joined(client, meeting)
        with connect(client, meeting, a) as ws_a, connect(client, meeting, b) as ws_b:
            word = send(ws_a, message(aid, "a1", "word", {"word": "Moe"}))
            with one_batch(client):
                ws_a.send_text(json.dumps(message(aid, "a2", "word", None)))
                ws_b.send_text(json.dumps(message(aid, "b1", f"in:{word['entry_id']}", {})))
                withdrawn, stepped = reply(ws_a, "a2"), reply(ws_b, "b1")
        assert withdrawn["type"] == "ack"
        # Either order is a truth: stepped in and taken along with the word, or refused.
        assert stepped["type"] == "ack" or stepped["code"] == "unknown_word", stepped
        live = results(client, meeting, aid)
        document = exported(client, meeting)
        assert (live["responses"], live["respondents"]) == (0, 0)
        assert document["answers"] == []
        assert document["results"]["responses"] == live["results"]["responses"] == 0
        assert live["results"]["words"] == document["results"]["words"] == []
        with client.websocket_connect(
            f"/ws/{meeting['code']}/presenter", headers={"origin": ORIGIN}
        ) as screen:
            screen.send_text(json.dumps({"type": "auth", "key": meeting["presenter_key"]}))
            snapshot = screen.receive_json()
            while snapshot["type"] != "snapshot":
                snapshot = screen.receive_json()
        assert (snapshot["responses"], snapshot["respondents"]) == (0, 0)
        assert snapshot["results"]["words"] == []
