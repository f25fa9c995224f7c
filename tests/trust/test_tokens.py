"""Trust suite TOKENS: tampered, rotated, revoked and expired keys, cookies and sessions are all
refused; keys are long enough; no token and no client address reaches the access log."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session
from starlette.websockets import WebSocketDisconnect

from server.db.engine import make_engine
from server.db.tables import LoginSession
from server.services import retention
from tests.conftest import migrated_sqlite_url
from tests.factories import ORIGIN, ManualClock, client_for, join, phone_socket
from tests.support import Phone, Screen, ServerProcess
from tests.trust.conftest import Figures

pytestmark = pytest.mark.e2e
PASSWORD = "een lang wachtwoord"


def flip(token: str) -> str:
    """The same token with its last character changed: one flipped bit, or a few."""
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def bits(token: str) -> int:
    return len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8


def add_account(database_url: str, email: str) -> None:
    """As an operator does it: `kring user add` with the password on stdin."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "server",
            "user",
            "add",
            email,
            "--password-stdin",
            "--database-url",
            database_url,
        ],
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
    )


async def screen_refused(
    base: str, code: str, key: str | None, role: str, session: str | None = None
) -> bool:
    """True when the screen socket answers `forbidden`, closes 4403 and sent no snapshot."""
    screen = await Screen.open(base, code, key, role=role, session=session)
    closed = await screen.closed()
    return closed == 4403 and screen.errors == ["forbidden"] and not screen.snapshots


async def test_tokens_tampered_rotated_and_expired_are_refused_and_never_logged(
    tmp_path: Path, figures: Figures
) -> None:
    database, log = tmp_path / "tokens.db", tmp_path / "server.log"
    add_account(f"sqlite:///{database}", "anna@example.org")
    server = ServerProcess(database)
    # Refusals count against the client's limit (server/gate.py); this test refuses on purpose.
    # Every access line kept (KRING_ACCESS_LOG=all): each request is checked for tokens.
    server.start(log=log, KRING_LOG_LEVEL="info", KRING_JOIN_FAILURES_ALLOWED="1000", KRING_ACCESS_LOG="all")
    refused: Counter[str] = Counter()
    try:
        anna = httpx.AsyncClient(base_url=server.base, headers={"Origin": server.base})
        login = await anna.post("/api/login", json={"email": "anna@example.org", "password": PASSWORD})
        csrf, session = login.json()["csrf_token"], anna.cookies["kring_session"]
        created = await anna.post("/api/meetings", json={"title": "Sleutels"}, headers={"X-CSRF-Token": csrf})
        meeting = created.json()
        code, host_key, presenter_key = meeting["code"], meeting["host_key"], meeting["presenter_key"]
        phone = Phone(server.base, code)
        await phone.join()
        assert phone.cookie is not None
        await phone.connect()
        await phone.wait_for(lambda m: m["type"] == "state")
        tokens = {
            "host": host_key,
            "presenter": presenter_key,
            "participant": phone.cookie,
            "session": session,
        }
        sizes = {name: bits(token) for name, token in tokens.items()}
        assert sizes["host"] >= 128 and sizes["participant"] >= 64
        assert sizes["presenter"] >= 128 and sizes["session"] >= 128
        api = f"{server.base}/api/meetings/{code}"

        async def host_http(headers: dict[str, str], cookies: dict[str, str] | None = None) -> int:
            async with httpx.AsyncClient(cookies=cookies) as client:
                return (await client.post(f"{api}/next", headers=headers)).status_code

        tampered = [flip(host_key), host_key[:-4], host_key + "A", flip(presenter_key), presenter_key, "x"]
        for key in tampered:  # not the host key: HTTP and the host socket refuse; the big screen too
            assert await host_http({"Authorization": f"Bearer {key}"}) == 404  # as an unknown code
            refused["host key over HTTP"] += 1
            assert await screen_refused(server.base, code, key, "host")
            refused["host key on the remote socket"] += 1
            if key != presenter_key:
                assert await screen_refused(server.base, code, key, "presenter")
                refused["presenter key on the big-screen socket"] += 1
        # A tampered session cookie is no session: refused on HTTP and on the sockets.
        assert await host_http({"X-CSRF-Token": csrf}, {"kring_session": flip(session)}) == 404
        async with httpx.AsyncClient(base_url=server.base, cookies={"kring_session": flip(session)}) as other:
            assert (await other.get("/api/me")).status_code == 401
        assert await screen_refused(server.base, code, None, "host", session=flip(session))
        refused["session cookie"] += 3
        # A tampered participant cookie opens no phone socket.
        fake = Phone(server.base, code, cookie=flip(phone.cookie))
        await fake.connect()
        assert fake._reader is not None
        await fake._reader
        assert fake.ws.close_code == 4401 and [m["code"] for m in fake.inbox] == ["not_joined"]
        refused["participant cookie"] += 1

        # Rotated presenter key: the open big screen closes; the old key opens nothing.
        big_screen = await Screen.open(server.base, code, presenter_key)
        await big_screen.until(lambda m: m["type"] == "snapshot")
        new_presenter = (
            await anna.post(f"{api}/presenter-key", headers={"Authorization": f"Bearer {host_key}"})
        ).json()["presenter_key"]
        assert await big_screen.closed() == 4403 and big_screen.errors == ["forbidden"]
        assert await screen_refused(server.base, code, presenter_key, "presenter")
        assert await host_http({"Authorization": f"Bearer {presenter_key}"}) == 404
        refused["rotated presenter key"] += 3
        fresh = await Screen.open(server.base, code, new_presenter)
        await fresh.until(lambda m: m["type"] == "snapshot")
        await fresh.close()

        # Rotated host key (by the owner's session): the old key's remote closes, the key is dead.
        remote = await Screen.open(server.base, code, host_key, role="host")
        await remote.until(lambda m: m["type"] == "snapshot")
        rotated = await anna.post(f"{api}/host-key", headers={"X-CSRF-Token": csrf})
        new_host = rotated.json()["host_key"]
        assert await remote.closed() == 4403 and remote.errors == ["forbidden"]
        assert await host_http({"Authorization": f"Bearer {host_key}"}) == 404
        assert await screen_refused(server.base, code, host_key, "host")
        assert await screen_refused(server.base, code, host_key, "presenter")
        refused["rotated host key"] += 4
        assert await host_http({"Authorization": f"Bearer {new_host}"}) == 409  # authorised: nothing next
        assert (await anna.get(api)).status_code == 200  # the owner's session still works

        # A logged-out session is refused everywhere.
        assert (await anna.post("/logout")).status_code == 303
        assert await host_http({"X-CSRF-Token": csrf}, {"kring_session": session}) == 404
        assert await screen_refused(server.base, code, None, "host", session=session)
        refused["logged-out session"] += 2

        # Deleting the meeting ends its participant cookies: the phone is closed, and neither
        # its socket nor a rejoin gets in again.
        deleted = await anna.delete(api, headers={"Authorization": f"Bearer {new_host}"})
        assert deleted.status_code == 204
        assert phone._reader is not None
        await phone._reader
        again = Phone(server.base, code, cookie=phone.cookie)
        await again.connect()
        assert again._reader is not None
        await again._reader
        assert again.ws.close_code == 4401  # as any cookie that opens nothing
        async with httpx.AsyncClient(base_url=server.base, cookies={f"kring_{code}": phone.cookie}) as client:
            rejoin = await client.post(f"/api/join/{code}", json={})
        assert rejoin.status_code == 404
        refused["participant cookie of a deleted meeting"] += 2
        await anna.aclose()
    finally:
        server.kill(15)
    text = log.read_text(encoding="utf-8")
    access = [line for line in text.splitlines() if ' - "' in line]
    assert any('"WebSocket /ws/' in line for line in access) and any(
        '"POST /api/join/' in line for line in access
    )
    secrets = [host_key, new_host, presenter_key, new_presenter, phone.cookie, session, csrf]
    leaks = [secret for secret in secrets if secret in text]
    # No request line carries a query string with a token in it (keys travel in headers,
    # cookies, websocket messages and URL fragments).
    queries = [q for line in access for q in re.findall(r'"(?:\w+|WebSocket) [^ "?]*\?([^ "]*)', line)]
    addresses = [line for line in access if re.search(r"\b127\.0\.0\.1:\d+ - ", line)]
    figures(
        "TOKENS",
        refused=sum(refused.values()),
        accepted=0,
        bits=sizes,
        access_lines=len(access),
        tokens_in_log=len(leaks),
        query_strings_with_tokens=sum(1 for q in queries if any(s in q for s in secrets) or "key" in q),
        client_addresses_in_log=len(addresses),
    )
    assert leaks == []
    assert [q for q in queries if any(s in q for s in secrets) or "key" in q] == []
    assert addresses == [] and all(re.search(r"client-[0-9a-f]{8} - ", line) for line in access)


def test_tokens_expire_sessions_by_the_clock_and_cookies_with_their_meeting(tmp_path: Path) -> None:
    url = migrated_sqlite_url(tmp_path)
    add_account(url, "anna@example.org")
    clock = ManualClock()
    with client_for(url, clock, session_days=1) as client:
        csrf = client.post("/api/login", json={"email": "anna@example.org", "password": PASSWORD}).json()[
            "csrf_token"
        ]
        host = {"X-CSRF-Token": csrf}
        meeting = client.post("/api/meetings", json={"title": "Verlopen", "demo": True}, headers=host).json()
        session = client.cookies["kring_session"]
        clock.advance(minutes=23 * 60)
        assert client.get("/api/me").status_code == 200
        assert_remote_opens(client, meeting, session)
        clock.advance(minutes=61)  # a day and a minute after the login
        assert client.get("/api/me").status_code == 401
        refused = client.post(f"/api/meetings/{meeting['code']}/next", headers=host)
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "unknown_code"
        with client.websocket_connect(
            f"/ws/{meeting['code']}/host", headers={"origin": ORIGIN, "cookie": f"kring_session={session}"}
        ) as ws:
            ws.send_text(json.dumps({"type": "auth"}))
            assert ws.receive_json()["code"] == "forbidden"
        engine = make_engine(url)
        with Session(engine) as db:  # the expired session is gone, not just ignored
            assert db.scalar(select(func.count()).select_from(LoginSession)) == 0
        engine.dispose()

        # Participant cookies end with their meeting: after `kring purge`, the phone is a stranger.
        join(client, meeting)
        with phone_socket(client, meeting) as ws:
            assert [ws.receive_json()["type"] for _ in range(2)] == ["nickname", "state"]
        engine = make_engine(url)
        with Session(engine) as db:
            gone = retention.purge(db, clock.now() + timedelta(days=365), 90)
            db.commit()
        engine.dispose()
        assert meeting["code"] in {g.code for g in gone}
        client.app.state.hub.rooms.clear()  # type: ignore[attr-defined]  # as after a restart
        with phone_socket(client, meeting) as ws:
            assert ws.receive_json()["code"] == "not_joined"
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == 4401


def assert_remote_opens(client: TestClient, meeting: dict[str, Any], session: str) -> None:
    with client.websocket_connect(
        f"/ws/{meeting['code']}/host", headers={"origin": ORIGIN, "cookie": f"kring_session={session}"}
    ) as ws:
        ws.send_text(json.dumps({"type": "auth"}))
        assert ws.receive_json()["type"] == "snapshot"
