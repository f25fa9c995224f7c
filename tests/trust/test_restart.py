"""Trust suite: KILL9 and SIGTERM against a real `kring serve` process (reduced unless KRING_SOAK=1)."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from tests.support import Phone, ServerProcess, create_meeting, host
from tests.trust.conftest import SOAK, Figures

pytestmark = pytest.mark.e2e


class Writer:
    """A phone that keeps answering slots 0..n-1, resending unacknowledged answers after a restart."""

    def __init__(self, server: ServerProcess, code: str, activity_id: int, index: int, answers: int) -> None:
        self.server, self.code, self.activity_id, self.index = server, code, activity_id, index
        self.phone = Phone(server.base, code)
        self.pending = {f"w{index}-{n}": (str(n), f"antwoord {index}-{n}") for n in range(answers)}
        self.acked: dict[str, tuple[str, str]] = {}
        self.closes: list[int | None] = []

    async def run_until(self, stop: asyncio.Event) -> None:
        while self.pending and not stop.is_set():
            try:
                if self.phone.ws is None or self.phone.ws.state is not websockets.protocol.State.OPEN:
                    await self.phone.join()
                    await self.phone.connect()
                client_id, (slot, text) = next(iter(self.pending.items()))
                reply = await self.phone.answer(self.activity_id, slot, {"text": text}, client_id)
                assert reply["type"] == "ack", reply
                self.acked[client_id] = self.pending.pop(client_id)
            except (OSError, TimeoutError, websockets.WebSocketException, httpx.HTTPError):
                if self.phone.ws is not None:
                    self.closes.append(self.phone.ws.close_code)
                    self.phone.ws = None
                await asyncio.sleep(0.2)


def stored(database: Path) -> tuple[list[tuple[Any, ...]], str]:
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT participant_id, slot, payload FROM answer").fetchall()
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    return rows, integrity


@pytest.mark.timeout(3600 if SOAK else 300)
async def test_kill9_loses_no_acknowledged_answer(tmp_path: Path, figures: Figures) -> None:
    runs, people, answers = (20, 500, 20) if SOAK else (1, 40, 20)
    rng = random.Random(9)
    acked_at_kill, resent = [], 0
    for run in range(runs):
        database = tmp_path / f"kill9-{run}.db"
        server = ServerProcess(database)
        server.start()
        meeting = create_meeting(server.base)
        with host(server.base, meeting) as http:
            activity = http.post("/activities", json={"kind": "open", "settings": {"max_answers": 20}}).json()
            http.post(f"/activities/{activity['id']}/open").raise_for_status()
        writers = [Writer(server, meeting["code"], activity["id"], i, answers) for i in range(people)]
        for writer in writers:
            await writer.phone.join()
        await asyncio.gather(*(w.phone.connect() for w in writers))
        stop = asyncio.Event()
        tasks = [asyncio.create_task(w.run_until(stop)) for w in writers]
        for _ in range(200):  # wait for the first acknowledgements, then kill at a random moment
            if any(w.acked for w in writers):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(rng.uniform(0.0, 0.25))
        before = sum(len(w.acked) for w in writers)
        server.kill(signal.SIGKILL)
        assert 0 < before < people * answers  # killed in the middle of answering
        acked_at_kill.append(before)
        await asyncio.sleep(0.3)
        server.start()  # same port, same database: clients reconnect and resend
        deadline = time.monotonic() + 60
        while any(w.pending for w in writers) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        stop.set()
        await asyncio.gather(*tasks)
        server.kill(signal.SIGTERM)
        rows, integrity = stored(database)
        assert integrity == "ok"
        assert all(not w.pending for w in writers)
        texts = sorted(row[2] for row in rows)
        want = sorted(f'{{"text": "antwoord {w.index}-{n}"}}' for w in writers for n in range(answers))
        assert [t.replace(" ", "") for t in texts] == [
            t.replace(" ", "") for t in want
        ]  # none lost, none twice
        resent += sum(len(w.closes) for w in writers)
    figures(
        "KILL9",
        runs=runs,
        phones=people,
        answers=runs * people * answers,
        acked_before_kill=f"{min(acked_at_kill)}-{max(acked_at_kill)}",
        reconnects=resent,
        lost=0,
        duplicates=0,
        integrity_check="ok",
    )


@pytest.mark.timeout(3600 if SOAK else 300)
async def test_sigterm_closes_every_socket_and_keeps_every_answer(tmp_path: Path, figures: Figures) -> None:
    people = 500 if SOAK else 100
    database = tmp_path / "sigterm.db"
    server = ServerProcess(database)
    server.start()
    meeting = create_meeting(server.base)
    with host(server.base, meeting) as http:
        activity = http.post("/activities", json={"kind": "open", "settings": {"max_answers": 20}}).json()
        http.post(f"/activities/{activity['id']}/open").raise_for_status()
    writers = [Writer(server, meeting["code"], activity["id"], i, 5) for i in range(people)]
    for writer in writers:
        await writer.phone.join()
        await writer.phone.connect()
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.run_until(stop)) for w in writers]
    await asyncio.sleep(0.3)
    took = server.kill(signal.SIGTERM)
    assert took <= 15
    await asyncio.sleep(0.5)
    closes = [
        w.phone.ws.close_code if w.phone.ws is not None else (w.closes[-1] if w.closes else None)
        for w in writers
    ]
    unfinished = [w for w in writers if w.pending]
    # Every client that was still connected got a close frame (1012: service restart).
    assert set(closes) == {1012}, Counter(closes)
    rows, integrity = stored(database)
    assert integrity == "ok"
    acked = {w.acked[c][1] for w in writers for c in w.acked}
    assert acked <= {json.loads(r[2])["text"] for r in rows}
    server.start()
    deadline = time.monotonic() + 60
    while any(w.pending for w in writers) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.gather(*tasks)
    server.kill(signal.SIGTERM)
    assert unfinished == [] or all(not w.pending for w in writers)  # the clients came back
    rows, _ = stored(database)
    assert len(rows) == people * 5
    figures(
        "SIGTERM",
        connected=people,
        exit_s=round(took, 1),
        close_codes=dict(Counter(closes)),
        acked_lost=0,
        came_back=sum(1 for w in writers if not w.pending),
    )
