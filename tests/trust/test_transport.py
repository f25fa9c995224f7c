"""Trust suite, transport rows: ORIGIN, ENUM, RATE, SIZE, WS-AUTHZ (reduced where long)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from tests.conftest import sqlite_url
from tests.support import Phone, Screen, ServerProcess, create_meeting, host, live_server

pytestmark = pytest.mark.e2e
SOAK = os.environ.get("KRING_SOAK") == "1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("trust")
    with live_server(sqlite_url(path), ws_rate_per_minute=120, ws_rate_burst=40) as live:
        yield live


async def attempt(url: str, origin: str | None) -> tuple[str, int]:
    """('accepted', frames) or ('refused', status)."""
    headers = {} if origin is None else {"Origin": origin}
    try:
        async with websockets.connect(
            url, additional_headers=headers, compression=None, open_timeout=5
        ) as ws:
            frames = 0
            await ws.send(json.dumps({"type": "auth", "key": "nope"}))
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), 0.5)
                    frames += 1
            except (TimeoutError, websockets.ConnectionClosed):
                pass
            return "accepted", frames
    except InvalidStatus as exc:
        return "refused", exc.response.status_code


async def test_origin_refuses_600_foreign_upgrades_before_accept(server: Any) -> None:
    meeting = create_meeting(server.base)
    url = f"{server.ws_base}/ws/{meeting['code']}/presenter"
    port = server.settings.port
    bad = {
        "evil": "http://evil.example",
        "null": "null",
        "missing": None,
        "look-alike suffix": f"http://127.0.0.1.evil.example:{port}",
        "wrong scheme": f"https://127.0.0.1:{port}",
        "wrong port": f"http://127.0.0.1:{port + 1}",
    }
    for name, origin in bad.items():
        results = await asyncio.gather(*(attempt(url, origin) for _ in range(100)))
        assert results == [("refused", 403)] * 100, name
    allowed = await asyncio.gather(*(attempt(url, server.base) for _ in range(100)))
    # Allowed origins are accepted; the wrong key then gets one error frame and a close.
    assert allowed == [("accepted", 1)] * 100


async def test_enum_random_codes_get_429_after_twenty_failures(tmp_path: Path) -> None:
    with live_server(sqlite_url(tmp_path)) as server:
        await _enumerate(server)


async def _enumerate(server: Any) -> None:
    statuses = []
    async with httpx.AsyncClient(base_url=server.base) as client:
        for n in range(10_000 if SOAK else 200):
            response = await client.get(f"/api/join/Z{n:05d}")
            statuses.append(response.status_code)
    first_429 = statuses.index(429)
    assert first_429 <= 20 and set(statuses[first_429:]) == {429}
    refused = sum(1 for s in statuses if s in (404, 429))
    assert refused / len(statuses) >= 0.99
    # Unknown and blocked look alike to a guesser: no meeting data either way.
    async with httpx.AsyncClient(base_url=server.base) as client:
        body = (await client.get("/api/join/ZZ9999")).json()
    assert set(body) == {"error"}


async def test_rate_limit_caps_one_participant_and_spares_the_others(tmp_path: Path) -> None:
    with live_server(sqlite_url(tmp_path), ws_rate_per_minute=120, ws_rate_burst=40) as live:
        meeting = create_meeting(live.base)
        with host(live.base, meeting) as http:
            activity = http.post("/activities", json={"kind": "wordcloud"}).json()
            http.post(f"/activities/{activity['id']}/open").raise_for_status()
        flooder, calm = Phone(live.base, meeting["code"]), Phone(live.base, meeting["code"])
        for phone in (flooder, calm):
            await phone.join()
            await phone.connect()

        async def flood() -> None:
            for n in range(1000):
                await flooder.send(
                    {
                        "type": "answer",
                        "activity_id": activity["id"],
                        "slot": "0",
                        "value": {"word": f"w{n}"},
                        "client_id": f"f{n}",
                    }
                )
                if n % 100 == 99:
                    await asyncio.sleep(1)  # 1,000 messages in about 10 s

        async def others() -> list[float]:
            latencies = []
            for n in range(20):
                started = asyncio.get_running_loop().time()
                reply = await calm.answer(activity["id"], "0", {"word": f"rustig{n}"}, f"calm-{n}")
                assert reply["type"] == "ack"
                latencies.append(asyncio.get_running_loop().time() - started)
                await asyncio.sleep(0.4)
            return latencies

        _, latencies = await asyncio.gather(flood(), others())
        print(f"\nRATE: others' ack p99 during the flood {sorted(latencies)[-1] * 1000:.0f} ms (20 answers)")
        await flooder.wait_for(
            lambda m: (
                m.get("client_id") == "f999"
                or (m["type"] == "error" and m["code"] == "rate_limited" and len(flooder.inbox) > 990)
            ),
            timeout=20,
        )
        await asyncio.sleep(0.5)
        acked = [m for m in flooder.inbox if m["type"] == "ack"]
        limited = [m for m in flooder.inbox if m["type"] == "error" and m["code"] == "rate_limited"]
        # 40 at once plus 2/s refill over the ten seconds the flood takes.
        assert 40 <= len(acked) <= 40 + 2 * 15
        assert len(acked) + len(limited) == 1000


async def test_oversized_frame_closes_1009(server: Any) -> None:
    meeting = create_meeting(server.base)
    phone = Phone(server.base, meeting["code"])
    await phone.join()
    await phone.connect()
    await phone.ws.send("x" * (64 * 1024 + 1))
    assert phone._reader is not None
    await asyncio.wait_for(phone._reader, 1)  # the server closed it within a second
    assert phone.ws.close_code == 1009


async def test_ws_authz_screens_refuse_wrong_tokens(server: Any) -> None:
    meeting, other = create_meeting(server.base), create_meeting(server.base)
    phone = Phone(server.base, meeting["code"])
    await phone.join()
    tries = {
        "none": None,
        "wrong": "not-a-key",
        "other meeting": other["host_key"],
        "participant cookie": phone.cookie,
        "presenter key on host": meeting["presenter_key"],
    }
    for name, key in tries.items():
        url = f"{server.ws_base}/ws/{meeting['code']}/host"
        async with websockets.connect(url, origin=websockets.Origin(server.base), compression=None) as ws:
            if key is not None:
                await ws.send(json.dumps({"type": "auth", "key": key}))
            else:
                await ws.send(json.dumps({"type": "ping"}))
            error = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert error["type"] == "error" and error["code"] in ("forbidden",), name
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
    screen = await Screen.open(server.base, meeting["code"], meeting["host_key"], role="host")
    await screen.until(lambda m: m["audience"] == "host")
    await screen.close()


async def test_size_hundred_megabyte_frames_are_refused_with_bounded_memory(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "size.db")
    server.start()
    try:
        meeting = create_meeting(server.base)
        phones = [Phone(server.base, meeting["code"]) for _ in range(100)]
        for phone in phones:
            await phone.join()
        await asyncio.gather(*(p.connect() for p in phones))
        before = server.rss_kib()
        blob = "x" * (1024 * 1024)
        await asyncio.gather(*(p.ws.send(blob) for p in phones), return_exceptions=True)
        await asyncio.gather(*(asyncio.wait_for(p._reader, 5) for p in phones if p._reader is not None))
        assert [p.ws.close_code for p in phones] == [1009] * 100
        growth_mib = (server.rss_kib() - before) / 1024
        print(f"\nSIZE: 100 x 1 MiB frames, all closed 1009, server RSS grew {growth_mib:.1f} MiB")
        assert growth_mib < 50
    finally:
        server.kill(15)
