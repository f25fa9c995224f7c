"""Trust suite: WS-FUZZ, DEDUP-RACE and IDEMPOTENT."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import re
import secrets
import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import Session

from server.db.engine import make_engine
from server.db.tables import Answer
from tests.conftest import migrated_sqlite_url
from tests.support import Phone, Screen, ServerProcess, create_meeting, host, live_server
from tests.trust.conftest import SOAK, Figures
from tests.trust.crowd import Crowd, Race

pytestmark = pytest.mark.e2e


def fuzz_frames(rng: random.Random, activity_id: int, count: int) -> list[str]:
    """Malformed or hostile frames of every flavour; none of them is a valid answer."""
    deep = "[" * 10_000 + "]" * 10_000
    deep_obj = '{"type":' * 5_000 + "1" + "}" * 5_000
    makers = [
        lambda: "{" + "".join(rng.choice('abc":,{}[]') for _ in range(rng.randint(1, 40))),
        lambda: json.dumps(rng.choice([1, "x", None, [], True, 3.5])),
        lambda: json.dumps({"type": rng.choice(["answer", "withdraw", "auth", "zzz", 5, None])}),
        lambda: json.dumps(
            {
                "type": "answer",
                "activity_id": rng.choice(["1", 1.5, None, [], -1]),
                "slot": "0",
                "value": {"word": "x"},
                "client_id": "c",
            }
        ),
        lambda: json.dumps(
            {
                "type": "answer",
                "activity_id": activity_id,
                "slot": rng.choice(["", "9" * 40, "a b", 7]),
                "value": {"word": "x"},
                "client_id": "c",
            }
        ),
        lambda: json.dumps(
            {
                "type": "answer",
                "activity_id": activity_id,
                "slot": "0",
                "value": rng.choice([{}, {"word": 5}, {"word": "x" * 50}, {"word": "\x00"}, []]),
                "client_id": "c" + str(rng.random())[2:8],
            }
        ),
        lambda: json.dumps(
            {
                "type": "answer",
                "activity_id": activity_id,
                "slot": "0",
                "value": {"word": "x"},
                "client_id": rng.choice(["", "x" * 65, "bad id", "ü"]),
            }
        ),
        lambda: deep,
        lambda: deep_obj,
        lambda: '"\\ud800"',  # a lone surrogate, escaped in JSON
    ]
    return [rng.choice(makers)() for _ in range(count)]


CRASH = re.compile(
    r"^(ERROR|CRITICAL)|Traceback|Exception in ASGI application|exception was never retrieved", re.M
)


async def test_ws_fuzz_gets_errors_and_never_crashes(tmp_path: Path, figures: Figures) -> None:
    total = 10_000
    log = tmp_path / "server.log"
    server = ServerProcess(tmp_path / "fuzz.db")
    server.start(log=log, KRING_LOG_LEVEL="info")  # everything the server says goes to the log
    try:
        meeting = create_meeting(server.base)
        with host(server.base, meeting) as http:
            activity = http.post("/activities", json={"kind": "wordcloud"}).json()
            http.post(f"/activities/{activity['id']}/visibility", json={"phones": True}).raise_for_status()
            http.post(f"/activities/{activity['id']}/open").raise_for_status()
        bystander = Phone(server.base, meeting["code"])
        await bystander.join()
        await bystander.connect()
        fuzzers = [Phone(server.base, meeting["code"]) for _ in range(10)]
        for phone in fuzzers:
            await phone.join()
            await phone.connect()
        rng = random.Random(7)
        per_phone = total // len(fuzzers) - 10  # the rest are binary frames
        stop = asyncio.Event()
        health: list[tuple[float, int]] = []  # (asked at, status)
        calm: list[tuple[float, dict[str, Any]]] = []  # (sent at, reply)

        async def poll() -> None:  # /healthz, all through the fuzzing
            async with httpx.AsyncClient(base_url=server.base, timeout=10) as client:
                while not stop.is_set():
                    asked = time.monotonic()
                    health.append((asked, (await client.get("/healthz")).status_code))
                    await asyncio.sleep(0.05)

        async def bystand() -> None:  # another phone keeps answering and seeing the results
            while not stop.is_set():
                n, sent = len(calm), time.monotonic()
                reply = await bystander.answer(activity["id"], str(n % 3), {"word": f"rustig{n}"}, f"ok-{n}")
                calm.append((sent, reply))
                await asyncio.sleep(0.1)

        async def fuzz(phone: Phone) -> None:
            for n, frame in enumerate(fuzz_frames(rng, activity["id"], per_phone)):
                await phone.ws.send(frame)
                if n % 20 == 0:
                    await asyncio.sleep(0.001)  # let the health checks and the bystander in
            for _ in range(10):
                await phone.ws.send(os.urandom(rng.randint(1, 64)))  # binary

        background = [asyncio.create_task(poll()), asyncio.create_task(bystand())]
        await asyncio.gather(*(fuzz(p) for p in fuzzers))
        for phone in fuzzers:
            await phone.send({"type": "ping"})
            await phone.wait_for(lambda m: m["type"] == "pong", timeout=60)
        fuzzed = time.monotonic()  # the server has handled every frame
        # Invalid UTF-8 in a text frame: the connection is closed with 1007, nothing else breaks.
        closed = await asyncio.gather(
            *(invalid_utf8(server.base, meeting["code"], p.cookie) for p in fuzzers[:5])
        )
        stop.set()
        await asyncio.gather(*background)
        errors = sum(1 for p in fuzzers for m in p.inbox if m["type"] == "error")
        results_seen = sum(1 for m in bystander.inbox if m["type"] in ("results", "state"))
        for phone in [bystander, *fuzzers]:
            await phone.disconnect()
    finally:
        server.kill(15)
    crashes = [m.group(0) for m in CRASH.finditer(log.read_text(encoding="utf-8"))]
    figures(
        "WS-FUZZ",
        frames=len(fuzzers) * (per_phone + 10),
        error_frames=errors,
        invalid_utf8_closes=dict(Counter(closed)),
        crashes_in_server_log=len(crashes),
        healthz=dict(Counter(status for _, status in health)),
        bystander_acks=sum(1 for _, r in calm if r["type"] == "ack"),
        bystander_answers=len(calm),
    )
    assert errors == len(fuzzers) * (per_phone + 10)  # an error frame for each
    assert closed == [1007] * 5
    assert crashes == []
    assert {status for _, status in health} == {200}
    assert all(r["type"] == "ack" for _, r in calm) and results_seen >= len(calm) // 2
    # Both went on while the server was busy with the fuzz, not only after it.
    assert sum(1 for t, _ in health if t < fuzzed) >= 3 and sum(1 for t, _ in calm if t < fuzzed) >= 2


async def invalid_utf8(base: str, code: str, cookie: str | None) -> int:
    """A hand-made text frame with bytes that are not UTF-8; returns the close code."""
    port = int(base.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(secrets.token_bytes(16)).decode()
    writer.write(
        (
            f"GET /ws/{code} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {base}\r\n"
            f"Cookie: kring_{code}={cookie}\r\n\r\n"
        ).encode()
    )
    await reader.readuntil(b"\r\n\r\n")
    payload, mask = b"\xff\xfe\xfd", secrets.token_bytes(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    writer.write(bytes([0x81, 0x80 | len(payload)]) + mask + masked)
    await writer.drain()
    code_seen = 0
    try:
        while True:
            head = await asyncio.wait_for(reader.readexactly(2), 5)
            length = head[1] & 0x7F
            if length == 126:
                length = int.from_bytes(await reader.readexactly(2), "big")
            body = await reader.readexactly(length)
            if head[0] & 0x0F == 0x8:
                code_seen = int.from_bytes(body[:2], "big")
                break
    finally:
        writer.close()
    return code_seen


@pytest.mark.timeout(3600 if SOAK else 300)
async def test_dedup_race_stores_one_answer_per_participant(tmp_path: Path, figures: Figures) -> None:
    people, copies, sockets, procs = (500, 20, 4, 2) if SOAK else (200, 20, 4, 2)
    database = tmp_path / "dedup.db"
    server = ServerProcess(database)
    server.start()
    try:
        meeting = create_meeting(server.base)
        with host(server.base, meeting) as http:
            activity = http.post("/activities", json={"kind": "choice"}).json()
            http.post(f"/activities/{activity['id']}/open").raise_for_status()
        screen = await Screen.open(server.base, meeting["code"], meeting["presenter_key"])
        share = people // procs
        races = [
            Race(server.base, meeting["code"], activity["id"], i * share, share, copies, sockets)
            for i in range(procs)
        ]
        async with Crowd(races) as crowd:
            started = time.monotonic()
            crowd.go()
            done = await crowd.finish()
            seconds = time.monotonic() - started
        replies = sum((Counter(d["replies"]) for d in done), Counter())
        entries = [e for d in done for e in d["entries"]]
        snapshot = await screen.until(lambda m: m["respondents"] == people)
        tally = [o["count"] for o in snapshot["results"]["options"]]
        await screen.close()
    finally:
        server.kill(15)
    with sqlite3.connect(database) as db:
        stored = db.execute(
            "SELECT count(*) FROM answer WHERE activity_id = ?", (activity["id"],)
        ).fetchone()[0]
        people_stored = db.execute(
            "SELECT count(DISTINCT participant_id) FROM answer WHERE activity_id = ?", (activity["id"],)
        ).fetchone()[0]
    figures(
        "DEDUP-RACE",
        participants=people,
        sends=people * copies,
        sockets=people * sockets,
        in_seconds=round(seconds, 1),
        replies=dict(replies),
        stored=stored,
        tally=sum(tally),
    )
    assert replies == {"ack": people * copies}  # no integrity error ever surfaced, as 500 or otherwise
    assert all(len(e) == 1 for e in entries)  # every copy acked with the one stored entry
    assert stored == people_stored == people
    assert tally == [people // 2, people - people // 2]


async def test_idempotent_resend_across_reconnects(tmp_path: Path, figures: Figures) -> None:
    url = migrated_sqlite_url(tmp_path)
    with live_server(url) as live:
        meeting = create_meeting(live.base)
        with host(live.base, meeting) as http:
            activity = http.post("/activities", json={"kind": "open"}).json()
            http.post(f"/activities/{activity['id']}/open").raise_for_status()
        phone = Phone(live.base, meeting["code"])
        await phone.join()
        acks = []
        for _ in range(10):
            await phone.connect()
            acks.append(await phone.answer(activity["id"], "0", {"text": "één keer"}, "same-id"))
            await phone.disconnect()
        assert len({a["entry_id"] for a in acks}) == 1
        assert [a["duplicate"] for a in acks] == [False] + [True] * 9
        await phone.connect()
        other = await phone.answer(activity["id"], "0", {"text": "iets anders"}, "same-id")
        assert other["type"] == "error" and other["code"] == "client_id_reused"
        await phone.disconnect()
    engine = make_engine(url)
    with Session(engine) as session:
        rows = session.scalars(select(Answer)).all()
    engine.dispose()
    assert [(r.payload, r.rev) for r in rows] == [({"text": "één keer"}, 1)]
    figures(
        "IDEMPOTENT",
        sends=len(acks),
        connections=len(acks),
        rows=len(rows),
        entry_ids=len({a["entry_id"] for a in acks}),
        duplicate_acks=sum(a["duplicate"] for a in acks),
        other_payload=other["code"],
    )
