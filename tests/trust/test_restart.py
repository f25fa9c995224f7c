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
    """A phone that keeps answering slots 0..n-1 (``pace`` seconds apart), resending what was not
    acknowledged after a restart; it counts its connects and every answer it sent twice."""

    def __init__(
        self,
        server: ServerProcess,
        code: str,
        activity_id: int,
        index: int,
        answers: int,
        pace: float = 0.0,
    ) -> None:
        self.server, self.code, self.activity_id, self.index = server, code, activity_id, index
        self.pace = pace
        self.phone = Phone(server.base, code)
        self.pending = {f"w{index}-{n}": (str(n), f"antwoord {index}-{n}") for n in range(answers)}
        self.acked: dict[str, tuple[str, str]] = {}
        self.closes: list[int | None] = []
        self.connected_at: list[float] = []  # every successful (re)connect
        self.sent: Counter[str] = Counter()  # client id -> times sent
        self.duplicates = 0  # acks that said the server already had it
        self.in_flight: str | None = None  # sent, its ack not yet here

    async def connect(self) -> None:
        await self.phone.join()
        await self.phone.connect()
        self.connected_at.append(time.monotonic())

    async def _reply(self, client_id: str, start: int) -> dict[str, Any]:
        """The ack (or error) for ``client_id``; ConnectionError as soon as the socket closes
        without it (no waiting out a timeout for a reply that cannot come)."""

        def mine(m: dict[str, Any]) -> bool:
            return m.get("client_id") == client_id and m["type"] in ("ack", "error")

        reader = self.phone._reader
        assert reader is not None
        waiting = asyncio.ensure_future(self.phone.wait_for(mine, timeout=10, start=start))
        await asyncio.wait({waiting, reader}, return_when=asyncio.FIRST_COMPLETED)
        if waiting.done():
            return waiting.result()
        waiting.cancel()
        reply = next((m for m in self.phone.inbox[start:] if mine(m)), None)
        if reply is None:
            raise ConnectionError(f"closed with {self.phone.ws.close_code} before the ack")
        return reply

    async def run_until(self, stop: asyncio.Event) -> None:
        if self.pace:  # the phones out of step with each other, as people are
            await asyncio.sleep(self.pace * (self.index % 97) / 97)
        while self.pending and not stop.is_set():
            try:
                if self.phone.ws is None or self.phone.ws.state is not websockets.protocol.State.OPEN:
                    await self.connect()
                client_id, (slot, text) = next(iter(self.pending.items()))
                start = len(self.phone.inbox)
                self.in_flight = client_id
                self.sent[client_id] += 1
                await self.phone.send(
                    {
                        "type": "answer",
                        "activity_id": self.activity_id,
                        "slot": slot,
                        "value": {"text": text},
                        "client_id": client_id,
                    }
                )
                reply = await self._reply(client_id, start)
                assert reply["type"] == "ack", reply
                self.duplicates += bool(reply.get("duplicate"))
                self.acked[client_id] = self.pending.pop(client_id)
                self.in_flight = None
                if self.pace:
                    await asyncio.sleep(self.pace)
            except (OSError, TimeoutError, websockets.WebSocketException, httpx.HTTPError):
                if self.phone.ws is not None:
                    self.closes.append(self.phone.ws.close_code)
                    self.phone.ws = None
                await asyncio.sleep(0.2)

    @property
    def resent(self) -> int:
        return sum(times - 1 for times in self.sent.values())


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
    people, answers = (500, 20) if SOAK else (100, 20)
    # About 1,000 answers a second in all: 2 s (10 s in soak) of answering for each phone, so
    # every phone is still answering when the stop comes.
    pace = people / 1000
    database = tmp_path / "sigterm.db"
    server = ServerProcess(database)
    server.start()
    meeting = create_meeting(server.base)
    with host(server.base, meeting) as http:
        activity = http.post("/activities", json={"kind": "open", "settings": {"max_answers": 20}}).json()
        http.post(f"/activities/{activity['id']}/open").raise_for_status()
    writers = [Writer(server, meeting["code"], activity["id"], i, answers, pace) for i in range(people)]
    for first in range(0, people, 50):
        await asyncio.gather(*(w.connect() for w in writers[first : first + 50]))
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.run_until(stop)) for w in writers]
    deadline = time.monotonic() + 60
    while min(len(w.acked) for w in writers) < 1:  # every phone has started answering
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    await asyncio.sleep(random.Random(15).uniform(0, pace))  # then a moment in the middle
    # The moment of the stop: every phone is mid-answering, with answers not yet acknowledged.
    sockets = [w.phone.ws for w in writers]
    acked_at_term = sum(len(w.acked) for w in writers)
    pending_at_term = sum(1 for w in writers if w.pending)
    in_flight = sum(1 for w in writers if w.in_flight is not None)
    assert pending_at_term == people and all(
        ws is not None and ws.state is websockets.protocol.State.OPEN for ws in sockets
    )
    terminated = time.monotonic()
    took = await asyncio.to_thread(server.kill, signal.SIGTERM)  # the phones go on meanwhile
    assert took <= 15
    # Every client got a close frame (1012: service restart), not a dropped connection.
    await asyncio.wait_for(asyncio.gather(*(ws.wait_closed() for ws in sockets)), timeout=5)
    closes = [ws.close_code for ws in sockets]
    assert set(closes) == {1012}, Counter(closes)  # a dropped connection would be 1006
    rows, integrity = stored(database)
    assert integrity == "ok"
    acked = {w.acked[c][1] for w in writers for c in w.acked}
    assert acked <= {json.loads(r[2])["text"] for r in rows}  # 0 acknowledged answers lost
    assert all(w.pending for w in writers)  # nobody could finish while the server was down
    await asyncio.sleep(0.5)  # the phones retry against a closed port
    await asyncio.to_thread(server.start)  # same port, same database
    deadline = time.monotonic() + 60
    while any(w.pending for w in writers) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.gather(*tasks)
    server.kill(signal.SIGTERM)
    came_back = [w for w in writers if any(t > terminated for t in w.connected_at)]
    assert len(came_back) == people  # every client reconnected to the new process ...
    assert all(not w.pending for w in writers)  # ... and sent everything it still had
    rows, integrity = stored(database)
    assert integrity == "ok"
    texts = [json.loads(r[2])["text"] for r in rows]
    assert sorted(texts) == sorted(f"antwoord {w.index}-{n}" for w in writers for n in range(answers))
    figures(
        "SIGTERM",
        connected=people,
        mid_answering=pending_at_term,
        in_flight=in_flight,
        acked_before=acked_at_term,
        exit_s=round(took, 1),
        close_codes=dict(Counter(closes)),
        acked_lost=0,
        came_back=len(came_back),
        resent=sum(w.resent for w in writers),
        resent_duplicate=sum(w.duplicates for w in writers),
        stored=len(rows),
    )


async def test_ops_resent_after_kill9_get_their_first_ack_again(tmp_path: Path) -> None:
    """A word, a step-in, a step-out and a withdrawn word, acknowledged; `kill -9`; after the
    restart each phone reconnects and resends them all: the same acks, `duplicate`, counted once
    (the step-in no longer refused with `already_stepped_in`), also once the activity closed."""
    server = ServerProcess(tmp_path / "resend.db")
    server.start()
    try:
        meeting = create_meeting(server.base)
        with host(server.base, meeting) as http:
            activity = http.post("/activities", json={"kind": "checkout"}).json()
            aid = activity["id"]
            http.post(f"/activities/{aid}/open").raise_for_status()
        a, b = Phone(server.base, meeting["code"]), Phone(server.base, meeting["code"])
        for phone in (a, b):
            await phone.join()
            await phone.connect()
        word = await a.answer(aid, "word", {"word": "Moe"}, "a1")
        step_in = f"in:{word['entry_id']}"
        sent: dict[str, tuple[Phone, dict[str, Any]]] = {
            "a1": (a, {"type": "answer", "slot": "word", "value": {"word": "Moe"}}),
            "b1": (b, {"type": "answer", "slot": "word", "value": {"word": "Blij"}}),
            "b2": (b, {"type": "answer", "slot": step_in, "value": {}}),
            "b3": (b, {"type": "withdraw", "slot": step_in}),
            "b4": (b, {"type": "answer", "slot": step_in, "value": {}}),
            "b5": (b, {"type": "withdraw", "slot": "word"}),
        }

        async def send(client_id: str) -> dict[str, Any]:
            phone, body = sent[client_id]
            start = len(phone.inbox)
            await phone.send({**body, "activity_id": aid, "client_id": client_id})
            return await phone.wait_for(
                lambda m: m.get("client_id") == client_id and m["type"] in ("ack", "error"), start=start
            )

        first = {"a1": word, **{cid: await send(cid) for cid in list(sent)[1:]}}
        assert all(ack["type"] == "ack" and not ack["duplicate"] for ack in first.values()), first
        server.kill(signal.SIGKILL)
        server.start()
        for closing in (False, True):
            if closing:
                with host(server.base, meeting) as http:
                    http.post(f"/activities/{aid}/close").raise_for_status()
            for phone in (a, b):
                phone.ws = None
                await phone.connect()
            for cid, ack in first.items():
                again = await send(cid)
                assert again["type"] == "ack" and again["duplicate"], (cid, again)
                assert {k: v for k, v in again.items() if k not in ("duplicate", "v")} == {
                    k: v for k, v in ack.items() if k not in ("duplicate", "v")
                }
            with host(server.base, meeting) as http:
                results = http.get(f"/activities/{aid}/results").json()
            # A's word with B's step-in on it; B's own word withdrawn.
            assert (results["responses"], results["respondents"]) == (2, 2), results
            assert [w["stepins"] for w in results["results"]["words"]] == [1]
            for phone in (a, b):
                await phone.disconnect()
    finally:
        server.kill(signal.SIGTERM)
