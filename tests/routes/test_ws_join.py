"""The join in a phone's websocket handshake (`WS /ws/{code}?join=1`): one round trip, the same
gates, answers and refusals as `POST /api/join/{code}`, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any
from urllib.parse import urlencode

import pytest
import websockets
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.routes import ws_join
from tests.conftest import migrated_sqlite_url
from tests.factories import ORIGIN, add_activity, auth, client_for, make_meeting, open_activity
from tests.support import create_meeting, live_server


@pytest.fixture
def client(database_url: str) -> Any:
    with client_for(database_url) as client:
        yield client


def handshake(
    client: TestClient, code: str, cookie: str | None = None, origin: str = ORIGIN, **query: str
) -> Any:
    """The phone's socket joining in its handshake; ``query`` adds to or replaces ``join=1``."""
    headers = {"origin": origin, **({"cookie": f"kring_{code}={cookie}"} if cookie else {})}
    return client.websocket_connect(f"/ws/{code}?{urlencode({'join': '1', **query})}", headers=headers)


def set_cookie(ws: Any) -> str | None:
    """The Set-Cookie of the socket's 101 response, if any."""
    found = [value.decode() for name, value in ws.extra_headers or [] if name.lower() == b"set-cookie"]
    assert len(found) <= 1
    return found[0] if found else None


def first(ws: Any, *types: str, limit: int = 20) -> dict[str, Any]:
    """The first frame of one of ``types`` among the next ``limit``."""
    for _ in range(limit):
        message: dict[str, Any] = ws.receive_json()
        if message["type"] in types:
            return message
    raise AssertionError(f"no {types} frame")


def token_of(cookie: str) -> str:
    return cookie.split("=", 1)[1].split(";", 1)[0]


def refusal(ws: Any) -> tuple[str, int]:
    """What a refused handshake join says: the error's code, then the close code."""
    error = ws.receive_json()
    assert error["type"] == "error" and error["message"], error
    with pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_json()
    return error["code"], closed.value.code


def route(client: TestClient, code: str, cookie: str | None = None, **body: Any) -> tuple[str, int]:
    """What POST /api/join/{code} says to the same join: its error code and status."""
    client.cookies.clear()
    if cookie:
        client.cookies.set(f"kring_{code}", cookie)
    response = client.post(f"/api/join/{code}", json=body)
    client.cookies.clear()
    return response.json()["error"]["code"], response.status_code


def participants(client: TestClient, meeting: dict[str, Any]) -> int:
    door = client.get(f"/api/meetings/{meeting['code']}/door", headers=auth(meeting)).json()
    return int(door["participants"])


def test_a_handshake_join_sets_the_cookie_on_the_101_and_says_joined_before_the_state(
    client: TestClient,
) -> None:
    meeting = make_meeting(client, title="Eén keer heen")
    code = meeting["code"]
    with handshake(client, code.lower(), nickname="  Anna  ") as ws:
        cookie = set_cookie(ws)
        joined = ws.receive_json()
        state = ws.receive_json()
    assert cookie is not None and cookie.startswith(f"kring_{code}=")
    assert "HttpOnly" in cookie and re.search("SameSite=lax", cookie, re.I) and "Path=/" in cookie
    assert state["type"] == "state" and state["meeting"]["code"] == code
    # The frame carries what the route's body carries, field for field.
    posted = client.post(f"/api/join/{code}", json={"nickname": "Bram"}).json()
    assert joined.pop("type") == "joined"
    assert joined.keys() == posted.keys()
    assert joined == {**posted, "nickname": "Anna"}
    assert joined["websocket"] == f"ws://127.0.0.1:8000/ws/{code}" and joined["title"] == "Eén keer heen"
    assert participants(client, meeting) == 2


def test_a_rejoin_with_the_cookie_is_the_same_participant_in_the_handshake_on_the_plain_socket_and_over_http(
    client: TestClient,
) -> None:
    meeting = make_meeting(client)
    code = meeting["code"]
    activity = add_activity(client, meeting, "open")
    open_activity(client, meeting, activity["id"])
    with handshake(client, code, nickname="Anna") as ws:
        token = token_of(set_cookie(ws) or "")
        assert ws.receive_json()["type"] == "joined"
    with handshake(client, code, cookie=token) as ws:  # no nickname: the one it has stays
        assert set_cookie(ws) is None  # the same participant: no new cookie
        assert ws.receive_json()["nickname"] == "Anna"
        assert ws.receive_json()["type"] == "state"  # the joined frame said who it is
    plain = client.websocket_connect(
        f"/ws/{code}", headers={"origin": ORIGIN, "cookie": f"kring_{code}={token}"}
    )
    with plain as ws:  # without a join: its nickname first, then the state
        assert ws.receive_json() == {"type": "nickname", "nickname": "Anna"}
        assert ws.receive_json()["type"] == "state"
    client.cookies.set(f"kring_{code}", token)
    again = client.post(f"/api/join/{code}", json={})
    assert again.json()["nickname"] == "Anna" and "set-cookie" not in again.headers
    assert participants(client, meeting) == 1


def test_a_phone_without_answers_gets_the_shared_mine_and_knows_its_nickname_after_a_rename_and_a_reconnect(
    client: TestClient,
) -> None:
    meeting = make_meeting(client)
    code = meeting["code"]
    first_question = add_activity(client, meeting, "wordcloud")
    open_activity(client, meeting, first_question["id"])
    plain = {"origin": ORIGIN}
    with handshake(client, code, nickname="Anna") as anna, handshake(client, code) as nameless:
        token = token_of(set_cookie(anna) or "")
        assert first(anna, "joined")["nickname"] == "Anna" and first(nameless, "joined")["nickname"] is None
        first(anna, "mine")
        first(nameless, "mine")
        # Renamed on another device of the same participant (its cookie): this phone is told.
        with handshake(client, code, cookie=token, nickname="Anneke") as laptop:
            assert first(laptop, "joined")["nickname"] == "Anneke"
            assert first(anna, "nickname") == {"type": "nickname", "nickname": "Anneke"}
        # And over HTTP, as a pass's page joins.
        client.cookies.set(f"kring_{code}", token)
        assert client.post(f"/api/join/{code}", json={"nickname": "Ans"}).json()["nickname"] == "Ans"
        client.cookies.clear()
        assert first(anna, "nickname") == {"type": "nickname", "nickname": "Ans"}
        # The next question: Anna and the nameless phone get the same own-answers frame, naming nobody.
        second = add_activity(client, meeting, "wordcloud")
        open_activity(client, meeting, second["id"])
        mine = first(anna, "mine")
        assert mine == first(nameless, "mine")
        assert mine == {
            "type": "mine",
            "activity_id": second["id"],
            "answers": {},
            "words": None,
            "own": None,
        }
    # A reconnect with the cookie alone: the nickname it has now comes first.
    with client.websocket_connect(f"/ws/{code}", headers={**plain, "cookie": f"kring_{code}={token}"}) as ws:
        assert ws.receive_json() == {"type": "nickname", "nickname": "Ans"}
        assert first(ws, "mine")["activity_id"] == second["id"]


def test_an_answer_after_a_handshake_join_is_acknowledged_and_stored(client: TestClient) -> None:
    meeting = make_meeting(client)
    activity = add_activity(client, meeting, "open")
    open_activity(client, meeting, activity["id"])
    answer = {"type": "answer", "activity_id": activity["id"], "slot": "0", "value": {"text": "Koffie"}}
    with handshake(client, meeting["code"], nickname="Anna") as ws:
        ws.send_json({**answer, "client_id": "a1"})
        ack = first(ws, "ack", "error")
    assert ack["type"] == "ack" and ack["value"] == {"text": "Koffie"}
    path = f"/api/meetings/{meeting['code']}/activities/{activity['id']}/results"
    results = client.get(path, headers=auth(meeting)).json()
    assert results["responses"] == 1 and "Koffie" in str(results["results"])


@pytest.mark.parametrize(
    ("query", "code", "status"),
    [
        ({"nickname": "x" * 41}, "invalid_request", 422),
        ({"nick": "A"}, "invalid_request", 422),
        ({"nickname": "a" + "\u0301" * 11}, "nickname_combining_marks", 400),
        ({"nickname": "\ufdd0 Anna"}, "nickname_noncharacter", 400),
    ],
)
def test_a_nickname_or_query_the_route_refuses_is_refused_alike(
    client: TestClient, query: dict[str, str], code: str, status: int
) -> None:
    """The same join as the route's body: the route's code, its status in the close code."""
    meeting = make_meeting(client)
    with handshake(client, meeting["code"], **query) as ws:
        assert set_cookie(ws) is None
        assert refusal(ws) == (code, 4000 + status)
    assert route(client, meeting["code"], **query) == (code, status)
    assert participants(client, meeting) == 0


def test_a_malformed_query_is_refused_naming_the_parameter(client: TestClient) -> None:
    meeting = make_meeting(client)
    for query, named in (({"join": "2"}, "join"), ({"nickname": "x" * 41}, "nickname")):
        with handshake(client, meeting["code"], **query) as ws:
            error = ws.receive_json()
        assert error["code"] == "invalid_request" and f"{named}:" in error["message"], error
    url = f"/ws/{meeting['code']}?join=1&nickname=A&nickname=B"
    with client.websocket_connect(url, headers={"origin": ORIGIN}) as ws:
        error = ws.receive_json()
    assert error["code"] == "invalid_request" and "nickname: given more than once" in error["message"]


def test_a_closed_door_refuses_a_newcomer_and_lets_a_cookie_back_in(client: TestClient) -> None:
    meeting = make_meeting(client)
    code = meeting["code"]
    with handshake(client, code, nickname="Anna") as ws:
        token = token_of(set_cookie(ws) or "")
    door = client.put(f"/api/meetings/{code}/door", json={"closed": True}, headers=auth(meeting))
    assert door.status_code == 200
    with handshake(client, code, nickname="Bram") as ws:
        assert set_cookie(ws) is None
        assert refusal(ws) == ("joins_closed", 4403)
    assert route(client, code, nickname="Bram") == ("joins_closed", 403)
    with handshake(client, code, cookie=token) as ws:
        assert ws.receive_json()["nickname"] == "Anna"
    assert participants(client, meeting) == 1


def test_unknown_codes_are_counted_and_a_blocked_client_gets_in_only_with_the_secret_or_its_cookie(
    database_url: str,
) -> None:
    """The handshake shares the route's count: 3 unknown codes over either, then both say 429;
    a blocked client still joins with the QR link's secret or its cookie, never with a wrong one."""
    with client_for(database_url, join_failures_allowed=3) as client:
        meeting = make_meeting(client)
        code, secret = meeting["code"], meeting["join_url"].split("#j=", 1)[1]
        with handshake(client, code) as ws:
            token = token_of(set_cookie(ws) or "")
        with handshake(client, "ZZZZZZ") as ws:
            assert refusal(ws) == ("unknown_code", 4404)
        assert route(client, "ZZZZZZ") == ("unknown_code", 404)
        with handshake(client, "ZZZZZZ") as ws:
            assert refusal(ws) == ("unknown_code", 4404)
        with handshake(client, "ZZZZZZ") as ws:  # the 4th refused code: past the limit
            assert refusal(ws) == ("too_many_attempts", 4429)
        assert route(client, "ZZZZZZ") == ("too_many_attempts", 429)
        for query in ({}, {"secret": "not-the-secret"}):  # a typed code, a wrong secret
            with handshake(client, code, **query) as ws:
                assert refusal(ws) == ("too_many_attempts", 4429)
            assert route(client, code, **query) == ("too_many_attempts", 429)
        with handshake(client, code, cookie="not-a-participant") as ws:
            assert refusal(ws) == ("too_many_attempts", 4429)
        with handshake(client, code, secret=secret) as ws:
            assert set_cookie(ws) is not None and ws.receive_json()["type"] == "joined"
        with handshake(client, code, cookie=token) as ws:
            assert set_cookie(ws) is None and ws.receive_json()["type"] == "joined"
        assert participants(client, meeting) == 2


def test_a_common_join_skips_the_gates_lookup_as_the_join_fast_path_does(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client that is not blocked, with a known code: joinable() would let it in, so the live
    room's code is enough (JoinFastPath's shortcut). An unknown code takes joinable(), counted."""
    gated: list[str] = []
    real = ws_join.joinable

    async def spy(code: str, *args: Any) -> tuple[str, int]:
        gated.append(code)
        return await real(code, *args)

    monkeypatch.setattr(ws_join, "joinable", spy)
    meeting = make_meeting(client)
    for _ in range(2):
        with handshake(client, meeting["code"]) as ws:
            assert ws.receive_json()["type"] == "joined"
    assert gated == []
    with handshake(client, "ZZZZZZ") as ws:
        assert refusal(ws) == ("unknown_code", 4404)
    assert gated == ["ZZZZZZ"]


def test_a_foreign_origin_is_refused_before_the_upgrade_and_nobody_joins(client: TestClient) -> None:
    """As every socket: a page of another origin gets HTTP 403 for its upgrade (the join over
    HTTP has no origin to check: the cookie is SameSite=Lax)."""
    meeting = make_meeting(client)
    for origin in ("http://evil.example", ""):
        with pytest.raises(WebSocketDisconnect) as refused, handshake(client, meeting["code"], origin=origin):
            pass
        assert refused.value.code == 1008
    assert participants(client, meeting) == 0


def test_uvicorns_101_carries_the_cookie_and_the_log_keeps_no_query(tmp_path: object) -> None:
    """Over a real server: the Set-Cookie is in the 101 response itself, and the access line of
    the upgrade holds neither the nickname nor the join secret."""
    lines: list[str] = []
    tap = logging.Handler()
    tap.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("uvicorn.error")  # where uvicorn logs its websocket lines
    with live_server(migrated_sqlite_url(tmp_path), log_level="info", access_log="all") as live:
        logger.addHandler(tap)
        try:
            meeting = create_meeting(live.base, title="Echt")
            code, secret = meeting["code"], meeting["join_url"].split("#j=", 1)[1]
            query = urlencode({"join": "1", "nickname": "Geheim Anna", "secret": secret})
            url = f"{live.base.replace('http', 'ws', 1)}/ws/{code}?{query}"

            async def phone() -> tuple[str, dict[str, Any]]:
                origin = websockets.Origin(live.base)
                async with websockets.connect(url, origin=origin, compression=None) as ws:
                    return ws.response.headers["Set-Cookie"], json.loads(await ws.recv())

            cookie, joined = asyncio.run(phone())
        finally:
            logger.removeHandler(tap)
    assert cookie.startswith(f"kring_{code}=") and "HttpOnly" in cookie
    assert joined["type"] == "joined" and joined["nickname"] == "Geheim Anna"
    upgrades = [line for line in lines if "WebSocket" in line]
    assert any(f"/ws/{code}?…" in line for line in upgrades), lines
    assert not any("Geheim" in line or secret in line for line in upgrades), upgrades
