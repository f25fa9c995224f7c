"""Trust suite RESYNC: a phone offline for 1-120 s while 50 changes happen comes back to exactly
the server's state, including what it had already answered (reduced unless KRING_SOAK=1).

An outage is what a dropped wifi does: the phone's connection goes silent, with no close frame,
through a proxy that stops forwarding, and the server notices only by its ping timeout. What the
server does depends on the order of events (the changes, its ping timeout, the reconnect), not
on the clock, so its ping timers are scaled down by SCALE and so is each outage: 20 s of pings
take 0.2 s, a 120 s outage 1.2 s. An outage cannot be shorter than its 50 changes take; on the
server, all outages shorter than the ping interval are the same case."""

from __future__ import annotations

import asyncio
import contextlib
import random
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from tests.conftest import migrated_sqlite_url
from tests.support import Phone, create_meeting, live_server
from tests.trust.conftest import SOAK, Figures

pytestmark = pytest.mark.e2e
WORDS = ["Samen", "Leren", "Groei", "Plezier", "Moed"]
SCALE = 0.01  # seconds of test per second of outage
PING = 20 * SCALE  # the server's 20 s ping interval and 20 s ping timeout, scaled


@dataclass
class Link:
    """One TCP connection through the proxy; ``up`` and ``down`` say which way bytes still flow."""

    client: asyncio.StreamWriter
    server: asyncio.StreamWriter
    up: bool = True
    down: bool = True
    server_closed: asyncio.Event = field(default_factory=asyncio.Event)

    def cut(self) -> None:
        """The wifi drops: nothing flows any more; the phone's side just vanishes (no FIN or
        close frame reaches the server), the server's side stays open until it gives up."""
        self.up = self.down = False
        self.client.transport.abort()


class Proxy:
    """A loopback TCP relay in front of the server, so that a link can go silent."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.links: list[Link] = []
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.CancelledError):  # at the end of the test: quietly
            await self._pumps(reader, writer)

    async def _pumps(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream = await asyncio.open_connection("127.0.0.1", self.port)
        link = Link(writer, upstream)
        self.links.append(link)

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter, down: bool) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await source.read(65536):
                    if link.down if down else link.up:
                        sink.write(data)
            if down:
                link.server_closed.set()
            if link.up and link.down:  # a clean close passes on; a dead link stays silent
                sink.close()

        await asyncio.gather(pump(reader, upstream, False), pump(upstream_reader, writer, True))
        upstream.close()

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        for link in self.links:
            link.client.transport.abort()
            link.server.close()


async def reliably(phone: Phone, act: Any, *args: Any) -> dict[str, Any]:
    """``await act(*args)`` as the real phone does it: if the connection dropped (a busy test
    machine can miss a scaled ping), reconnect and send it again, with the same client id."""
    for _ in range(5):
        if phone.ws is None or phone.ws.state is not websockets.protocol.State.OPEN:
            await phone.connect()
        try:
            reply: dict[str, Any] = await act(*args)
            return reply
        except (websockets.ConnectionClosed, TimeoutError):
            await asyncio.sleep(0.05)
    raise AssertionError("the phone could not get through")


def includes(message: dict[str, Any], version: int) -> bool:
    """A frame with the results of room version ``version`` or later."""
    return message["type"] in ("results", "state") and message["v"] >= version


def stored(database: Path, client_id: str) -> bool:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT 1 FROM submission WHERE client_id = ?", (client_id,)).fetchone() is not None


@pytest.mark.timeout(3600 if SOAK else 300)
async def test_resync_after_offline_matches_the_server(tmp_path: Path, figures: Figures) -> None:
    trials, changes = (1000, 50) if SOAK else (12, 50)
    rng = random.Random(5)
    database = tmp_path / "kring-test.db"
    outcomes: Counter[str] = Counter()
    offline: list[float] = []
    overrides = {"ws_rate_per_minute": 100_000, "ws_rate_burst": 100_000}
    with live_server(
        migrated_sqlite_url(tmp_path), ws_ping_interval=PING, ws_ping_timeout=PING, **overrides
    ) as live:
        meeting = create_meeting(live.base)
        truth_url = f"{live.base}/api/meetings/{meeting['code']}"
        http = httpx.AsyncClient(
            base_url=truth_url, headers={"Authorization": f"Bearer {meeting['host_key']}"}
        )
        clouds = [(await http.post("/activities", json={"kind": "wordcloud"})).json() for _ in range(2)]
        (await http.post(f"/activities/{clouds[0]['id']}/open")).raise_for_status()
        proxy = Proxy(live.settings.port)
        proxied = f"ws://127.0.0.1:{await proxy.start()}/ws/{meeting['code']}"
        observer = Phone(live.base, meeting["code"])
        await observer.join()
        await observer.connect(proxied)
        twin = Phone(live.base, meeting["code"], cookie=observer.cookie)  # the same person, other device
        await twin.connect()
        others = [Phone(live.base, meeting["code"]) for _ in range(5)]
        for phone in others:
            await phone.join()
            await phone.connect()
        mine: dict[tuple[int, str], str] = {}  # the observer's answers, as the server holds them
        counter = 0
        current, is_open = clouds[0], True
        for trial in range(trials):
            outage = rng.uniform(1, 120)  # seconds
            link = proxy.links[-1]
            pending: tuple[int, str, str, str] | None = None
            reached = False
            if is_open and rng.random() < 0.4:
                # An answer in flight as the wifi drops: it reaches the server but its ack is
                # lost, or it is lost on the way.
                pending = (current["id"], rng.choice("012"), f"Weg{trial}", f"w{trial}")
                reached = rng.random() < 0.5
                if reached:
                    link.down = False
                else:
                    link.up = False
                await observer.send(
                    {
                        "type": "answer",
                        "activity_id": pending[0],
                        "slot": pending[1],
                        "value": {"word": pending[2]},
                        "client_id": pending[3],
                    }
                )
                if reached:
                    while not stored(database, pending[3]):
                        await asyncio.sleep(0.005)
                    mine[(pending[0], pending[1])] = pending[2]
                outcomes["answer reached, ack lost" if reached else "answer lost on the way"] += 1
            link.cut()
            went = time.monotonic()
            # Other phones' answers go out together (only the results show them); the host's
            # changes and the twin's answers, which the checks below follow, one at a time.
            crowd: list[asyncio.Task[dict[str, Any]]] = []

            async def settle(tasks: list[asyncio.Task[dict[str, Any]]]) -> None:
                assert all(r["type"] == "ack" for r in await asyncio.gather(*tasks))
                tasks.clear()

            for n in range(changes):
                await asyncio.sleep(max(0.0, went + outage * SCALE * n / changes - time.monotonic()))
                counter += 1
                roll = rng.random()
                if roll < 0.18:
                    await settle(crowd)
                if roll < 0.08:
                    current = rng.choice(clouds)
                    (await http.post(f"/activities/{current['id']}/open")).raise_for_status()
                    is_open = True
                elif roll < 0.12:
                    (await http.post(f"/activities/{current['id']}/close")).raise_for_status()
                    is_open = False
                elif roll < 0.18:
                    body = {"phones": rng.random() < 0.5}
                    (await http.post(f"/activities/{current['id']}/visibility", json=body)).raise_for_status()
                elif roll < 0.35 and is_open:  # the observer answers on its other device
                    slot, word = rng.choice("012"), rng.choice(WORDS)
                    reply = await reliably(
                        twin, twin.answer, current["id"], slot, {"word": word}, f"t{counter}"
                    )
                    assert reply["type"] == "ack"
                    mine[(current["id"], slot)] = word
                elif is_open:
                    phone, slot, cid = rng.choice(others), rng.choice("012"), f"o{counter}"
                    if rng.random() < 0.2:
                        act = reliably(phone, phone.withdraw, current["id"], slot, cid)
                    else:
                        act = reliably(
                            phone, phone.answer, current["id"], slot, {"word": rng.choice(WORDS)}, cid
                        )
                    crowd.append(asyncio.create_task(act))
            await settle(crowd)
            await asyncio.sleep(max(0.0, went + outage * SCALE - time.monotonic()))
            offline.append((time.monotonic() - went) / SCALE)
            first = (
                "dead socket dropped by the server first"
                if link.server_closed.is_set()
                else "came back first"
            )
            outcomes[first] += 1
            observer.inbox.clear()
            await observer.connect(proxied)
            state = await observer.wait_for(lambda m: m["type"] == "state")
            got_mine = await observer.wait_for(lambda m: m["type"] == "mine")
            view = {slot: a["value"]["word"] for slot, a in got_mine["answers"].items()}
            assert got_mine["activity_id"] == current["id"]
            # "Already answered" as the server holds it, the lost ack's answer included.
            assert view == {slot: word for (aid, slot), word in mine.items() if aid == current["id"]}
            shown = state
            if pending is not None:  # the phone resends what was never acknowledged
                aid, slot, word, cid = pending
                reply = await observer.answer(aid, slot, {"word": word}, cid)
                if reply["type"] == "ack":
                    assert reply["duplicate"] == reached  # counted once, whichever way it went
                    if not reached:
                        mine[(aid, slot)] = word
                        if aid == current["id"]:
                            view[slot] = word
                            if state["results"] is not None:  # the results that include it
                                shown = await observer.wait_for(partial(includes, version=reply["v"]))
                    outcomes["resent: duplicate" if reached else "resent: stored now"] += 1
                else:  # the activity closed meanwhile: refused, and the phone shows why
                    assert reply["code"] in ("activity_closed", "activity_not_open"), reply
                    outcomes["resent: refused, activity closed"] += 1
            truth = (await http.get(truth_url)).json()
            assert state["activity"]["id"] == truth["current_activity_id"] == current["id"]
            live_activity = next(a for a in truth["activities"] if a["id"] == current["id"])
            assert state["activity"]["status"] == live_activity["status"]
            assert view == {slot: word for (aid, slot), word in mine.items() if aid == current["id"]}
            results = (await http.get(f"/activities/{current['id']}/results")).json()["results"]
            if live_activity["show_results_phones"]:
                assert shown["results"] is not None
                assert Counter({w["key"]: w["count"] for w in shown["results"]["words"]}) == Counter(
                    {w["key"]: w["count"] for w in results["words"]}
                )
            else:
                assert shown["results"] is None
            outcomes["equal to the server"] += 1
        for phone in [observer, twin, *others]:
            await phone.disconnect()
        await proxy.close()
        await http.aclose()
    figures(
        "RESYNC",
        trials=trials,
        changes_each=changes,
        offline_s=f"{min(offline):.0f}-{max(offline):.0f}",
        **{k.replace(" ", "_").replace(",", "").replace(":", ""): v for k, v in sorted(outcomes.items())},
    )
    assert outcomes["equal to the server"] == trials
    if SOAK:  # both orders happen: the server dropped the dead socket first, or the phone was back
        assert outcomes["dead socket dropped by the server first"] and outcomes["came back first"]
