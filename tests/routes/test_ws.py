"""Websocket behaviour in-process: validation errors keep the socket open, roles are checked."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.conftest import migrated_sqlite_url
from tests.factories import (
    ORIGIN,
    add_activity,
    auth,
    client_for,
    join,
    make_meeting,
    open_activity,
    phone_socket,
    screen_socket,
)
from tests.support import Phone, Screen, create_meeting, host, live_server


@pytest.fixture(autouse=True, params=["auto", "plain"])
def ws_transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every websocket test here runs on the fast path and on the fallback (public interfaces)."""
    monkeypatch.setenv("KRING_WS_TRANSPORT", request.param)
    return str(request.param)


@pytest.fixture
def client(tmp_path: object) -> Any:
    url = migrated_sqlite_url(tmp_path)
    with client_for(url) as client:
        yield client


def receive_until(ws: Any, kind: str, limit: int = 20) -> dict[str, Any]:
    for _ in range(limit):
        message: dict[str, Any] = ws.receive_json()
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind} message")


def answer(activity_id: int, value: dict[str, Any], client_id: str = "c1", slot: str = "0") -> dict[str, Any]:
    return {
        "type": "answer",
        "activity_id": activity_id,
        "slot": slot,
        "value": value,
        "client_id": client_id,
    }


def test_participant_socket_needs_join_first(client: TestClient) -> None:
    meeting = make_meeting(client)
    with phone_socket(client, meeting) as ws:
        assert ws.receive_json()["code"] == "not_joined"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4401


def test_unknown_code_socket_is_refused_as_a_stranger_is(client: TestClient) -> None:
    """An unknown code's sockets answer as a known meeting's do to a stranger: a phone without a
    cookie that opens it gets not_joined (4401), a screen without its key forbidden (4403)."""
    meeting = make_meeting(client)
    for code in ("ZZZZZZ", meeting["code"]):
        cookie = {"cookie": f"kring_{code}=not-a-participant"}
        with client.websocket_connect(f"/ws/{code}", headers={"origin": ORIGIN, **cookie}) as ws:
            assert ws.receive_json()["code"] == "not_joined"
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
        assert closed.value.code == 4401
        with client.websocket_connect(f"/ws/{code}/presenter", headers={"origin": ORIGIN}) as ws:
            ws.send_text(json.dumps({"type": "auth", "key": "nope"}))
            assert ws.receive_json()["code"] == "forbidden"
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
        assert closed.value.code == 4403


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "invalid_json"),
        ("[1, 2]", "invalid_message"),
        ('{"type": "shout"}', "invalid_message"),
        (
            '{"type": "answer", "activity_id": "1", "slot": "0", "value": {}, "client_id": "x"}',
            "invalid_message",
        ),
        (
            '{"type": "answer", "activity_id": 1, "slot": "0", "value": {}, "client_id": "bad id!"}',
            "invalid_message",
        ),
        (
            '{"type": "answer", "activity_id": 999, "slot": "0", "value": {"text": "x"}, "client_id": "x"}',
            "activity_not_open",
        ),
        ("[" * 100_000 + "]" * 100_000, "invalid_json"),
    ],
)
def test_malformed_frames_get_an_error_and_the_socket_stays_open(
    client: TestClient, frame: str, code: str
) -> None:
    meeting = make_meeting(client)
    join(client, meeting)
    with phone_socket(client, meeting) as ws:
        receive_until(ws, "state")
        ws.send_text(frame)
        error = receive_until(ws, "error")
        assert error["code"] == code and error["message"]
        ws.send_text('{"type": "ping"}')
        assert receive_until(ws, "pong")["type"] == "pong"


def test_binary_frame_gets_an_error(client: TestClient) -> None:
    meeting = make_meeting(client)
    join(client, meeting)
    with phone_socket(client, meeting) as ws:
        receive_until(ws, "state")
        ws.send_bytes(b"\x00\x01")
        assert receive_until(ws, "error")["code"] == "binary_frame"


@pytest.mark.parametrize(
    ("kind", "settings", "slot", "value", "code"),
    [
        ("open", None, "0", {"text": "x" * 281}, "text_too_long"),
        ("open", None, "0", {"text": "bel\x07"}, "control_characters"),
        ("open", None, "0", {"word": "x"}, "wrong_kind"),
        ("wordcloud", None, "0", {"word": ""}, "text_empty"),
        ("scales", None, "0", {"value": 9}, "value_out_of_range"),
        ("choice", None, "0", {"options": [7]}, "unknown_option"),
        ("checkout", None, "in:12345", {}, "unknown_word"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_stored(
    client: TestClient, kind: str, settings: Any, slot: str, value: dict[str, Any], code: str
) -> None:
    meeting = make_meeting(client)
    activity = add_activity(client, meeting, kind)
    open_activity(client, meeting, activity["id"])
    join(client, meeting)
    with phone_socket(client, meeting) as ws:
        receive_until(ws, "state")
        ws.send_text(json.dumps(answer(activity["id"], value, slot=slot)))
        error = receive_until(ws, "error")
        assert (error["code"], error["client_id"]) == (code, "c1")
    results = client.get(
        f"/api/meetings/{meeting['code']}/activities/{activity['id']}/results", headers=auth(meeting)
    ).json()
    assert results["responses"] == 0


def test_answer_is_acknowledged_and_reaches_the_presenter(client: TestClient) -> None:
    meeting = make_meeting(client)
    activity = add_activity(client, meeting, "wordcloud")
    open_activity(client, meeting, activity["id"])
    join(client, meeting, "Bo")
    with screen_socket(client, meeting) as screen:
        screen.send_text(json.dumps({"type": "auth", "key": meeting["presenter_key"]}))
        receive_until(screen, "snapshot")
        with phone_socket(client, meeting) as ws:
            receive_until(ws, "state")
            ws.send_text(json.dumps(answer(activity["id"], {"word": " Samenwerking "})))
            ack = receive_until(ws, "ack")
            assert ack["value"] == {"word": "Samenwerking"} and ack["entry_id"] and not ack["duplicate"]
            for _ in range(20):
                snapshot = receive_until(screen, "snapshot")
                if snapshot["responses"] == 1:
                    break
            assert snapshot["participants"] == 1
            assert snapshot["results"]["words"] == [
                {"key": "samenwerking", "text": "Samenwerking", "count": 1}
            ]
            assert meeting["host_key"] not in json.dumps(snapshot)


def test_closed_activity_refuses_late_answers(client: TestClient) -> None:
    meeting = make_meeting(client)
    activity = add_activity(client, meeting, "open")
    open_activity(client, meeting, activity["id"])
    client.post(f"/api/meetings/{meeting['code']}/activities/{activity['id']}/close", headers=auth(meeting))
    join(client, meeting)
    with phone_socket(client, meeting) as ws:
        state = receive_until(ws, "state")
        assert state["activity"]["status"] == "closed"
        ws.send_text(json.dumps(answer(activity["id"], {"text": "te laat"})))
        assert receive_until(ws, "error")["code"] == "activity_closed"


def test_reconnect_gets_state_and_own_answers(client: TestClient) -> None:
    meeting = make_meeting(client)
    activity = add_activity(client, meeting, "open", settings={"max_answers": 2})
    open_activity(client, meeting, activity["id"])
    join(client, meeting)
    with phone_socket(client, meeting) as ws:
        receive_until(ws, "state")
        ws.send_text(json.dumps(answer(activity["id"], {"text": "een"}, "c1", "0")))
        receive_until(ws, "ack")
        ws.send_text(json.dumps(answer(activity["id"], {"text": "twee"}, "c2", "1")))
        receive_until(ws, "ack")
    with phone_socket(client, meeting) as ws:
        assert receive_until(ws, "state")["activity"]["id"] == activity["id"]
        mine = receive_until(ws, "mine")
        assert {slot: a["value"]["text"] for slot, a in mine["answers"].items()} == {"0": "een", "1": "twee"}


@pytest.mark.parametrize("role", ["presenter", "host"])
def test_screens_refuse_wrong_keys(client: TestClient, role: str) -> None:
    meeting, other = make_meeting(client), make_meeting(client)
    keys = ["nope", other["host_key"]] + ([meeting["presenter_key"]] if role == "host" else [])
    for key in keys:
        with screen_socket(client, meeting, role) as ws:
            ws.send_text(json.dumps({"type": "auth", "key": key}))
            assert ws.receive_json()["code"] == "forbidden"
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == 4403


def test_host_socket_sees_hidden_answers_presenter_does_not(client: TestClient) -> None:
    meeting = make_meeting(client)
    activity = add_activity(client, meeting, "open")
    open_activity(client, meeting, activity["id"])
    join(client, meeting)
    with phone_socket(client, meeting) as ws:
        receive_until(ws, "state")
        ws.send_text(json.dumps(answer(activity["id"], {"text": "verberg mij"})))
        entry = receive_until(ws, "ack")["entry_id"]
    client.post(
        f"/api/meetings/{meeting['code']}/activities/{activity['id']}/moderation",
        json={"action": "hide", "entry_id": entry},
        headers=auth(meeting),
    )
    for role, key, expected in (
        ("presenter", meeting["presenter_key"], []),
        ("host", meeting["host_key"], [True]),
    ):
        with screen_socket(client, meeting, role) as screen:
            screen.send_text(json.dumps({"type": "auth", "key": key}))
            snapshot = receive_until(screen, "snapshot")
            assert [a.get("hidden") for a in snapshot["results"]["answers"]] == expected


def test_phones_always_see_who_is_in_which_group(client: TestClient) -> None:
    meeting = make_meeting(client)
    activity = add_activity(client, meeting, "groups")
    open_activity(client, meeting, activity["id"])
    join(client, meeting, "Anna")
    with phone_socket(client, meeting) as ws:
        receive_until(ws, "state")
        ws.send_text(json.dumps(answer(activity["id"], {"option": 1})))
        receive_until(ws, "ack")
        results = receive_until(ws, "results")["results"]
        assert results["groups"][1]["members"] == ["Anna"]  # no "show results on phones" needed


async def test_private_answers_reach_no_screen_or_phone_until_the_facilitator_shows_them(
    tmp_path: object,
) -> None:
    """The exploreervraag: the big screen and the phones get the counts, never the answers; the
    remote's "results on screen" (and "on phones") switch is the one explicit way to show them."""
    secret = "CANARY exploreervraag 7f3a"
    with live_server(migrated_sqlite_url(tmp_path)) as live:
        meeting = create_meeting(live.base, theme="Inclusie")
        api = host(live.base, meeting)
        made = api.post("/activities", json={"kind": "open", "settings": {"private": True}})
        private = made.json()
        assert made.status_code == 201 and private["settings"]["private"] is True
        assert (private["show_results_presenter"], private["show_results_phones"]) == (False, False)
        api.post(f"/activities/{private['id']}/open").raise_for_status()
        presenter = await Screen.open(live.base, meeting["code"], meeting["presenter_key"])
        remote = await Screen.open(live.base, meeting["code"], meeting["host_key"], role="host")
        phones = [Phone(live.base, meeting["code"], nickname) for nickname in ("Ans", None)]
        for phone in phones:
            await phone.join()
            await phone.connect()
        for number, phone in enumerate(phones):
            ack = await phone.answer(private["id"], "0", {"text": f"{secret} {number}"}, f"p{number}")
            assert ack["type"] == "ack", ack
        seen = await remote.until(lambda s: s["responses"] == 2)
        assert secret in json.dumps(seen["results"])  # the facilitator sees the answers
        entry = seen["results"]["answers"][0]["id"]
        api.post(f"/activities/{private['id']}/moderation", json={"action": "highlight", "entry_id": entry})
        # A later, public activity is the sync point: every frame about the private one came before.
        public = api.post("/activities", json={"kind": "checkout"}).json()
        api.post(f"/activities/{public['id']}/open").raise_for_status()
        shown = await presenter.until(lambda s: s["activity"]["id"] == public["id"])
        for phone in phones:
            await phone.wait_for(lambda m: m["type"] == "state" and m["activity"]["id"] == public["id"])
        counted = [s for s in presenter.snapshots if s["activity"] and s["activity"]["id"] == private["id"]]
        assert counted and counted[-1]["responses"] == 2 and counted[-1]["results_hidden"] is True
        assert all(s["results"] is None for s in counted)
        assert shown["results_hidden"] is False  # other activities show as usual
        assert secret not in json.dumps(presenter.snapshots)
        for number, phone in enumerate(phones):
            others = json.dumps([m for m in phone.inbox if m["type"] != "ack"]).replace(
                f"{secret} {number}", ""
            )
            assert secret not in others  # a phone holds its own answer (the mine frame), nobody else's

        # The facilitator shows them on the big screen: only then do they go there, not to the phones.
        api.post(f"/activities/{private['id']}/open").raise_for_status()
        api.post(f"/activities/{private['id']}/visibility", json={"presenter": True}).raise_for_status()
        revealed = await presenter.until(lambda s: s["results"] is not None and secret in json.dumps(s))
        assert revealed["activity"]["id"] == private["id"]
        marker = min(len(phone.inbox) for phone in phones)
        api.post(f"/activities/{private['id']}/visibility", json={"phones": True}).raise_for_status()
        await phones[1].wait_for(lambda m: f"{secret} 0" in json.dumps(m), start=marker)
        await phones[0].wait_for(lambda m: f"{secret} 1" in json.dumps(m), start=marker)
        for phone in phones:
            await phone.disconnect()
        await presenter.close()
        await remote.close()
        api.close()
