"""Trust suite SLOW: stalled readers among normal clients. Reduced in `make test`; `make soak`
runs 500 clients for 30 s and prints the figures."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import secrets
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support import Phone, Screen, ServerProcess, create_meeting, host

pytestmark = pytest.mark.e2e
SOAK = os.environ.get("KRING_SOAK") == "1"


# The head every results and state frame starts with: enough to timestamp it without parsing the
# ~60 KB rest. Parsing all of it for 500 clients made the test process, not the server, the bottleneck.
HEAD = re.compile(r'^\{"type":"(results|state)","seq":\d+,"v":(\d+)')


class Observer(Phone):
    """A normal phone that timestamps the results frames it reads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: list[tuple[float, int]] = []  # (arrival, v)

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                head = HEAD.match(raw[:80] if isinstance(raw, str) else raw[:80].decode("ascii", "replace"))
                if head is not None:
                    self.seen.append((time.monotonic(), int(head.group(2))))
                    continue
                message = json.loads(raw)
                self.inbox.append(message)
                if message["type"] == "ack":
                    self.acks[message["client_id"]] = message
                self._events.set()
        except Exception:
            return


def stalled_reader(port: int, code: str, cookie: str) -> socket.socket:
    """Completes the websocket handshake, then never reads again."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a small window
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(secrets.token_bytes(16)).decode()
    sock.sendall(
        (
            f"GET /ws/{code} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: http://127.0.0.1:{port}\r\nCookie: kring_{code}={cookie}\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert b" 101 " in head
    return sock


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0.0


@pytest.mark.timeout(3600 if SOAK else 300)
async def test_slow_readers_are_dropped_and_others_keep_up(tmp_path: Path) -> None:
    clients, stalled_count, seconds, stall_after = (500, 10, 30.0, 10) if SOAK else (60, 10, 10.0, 2)
    server = ServerProcess(tmp_path / "slow.db")
    server.start(KRING_WS_STALL_SECONDS=str(stall_after))
    try:
        meeting = create_meeting(server.base)
        with host(server.base, meeting) as http:
            activity = http.post("/activities", json={"kind": "open", "settings": {"max_answers": 20}}).json()
            http.post(f"/activities/{activity['id']}/visibility", json={"phones": True}).raise_for_status()
            http.post(f"/activities/{activity['id']}/open").raise_for_status()
        screen = await Screen.open(server.base, meeting["code"], meeting["presenter_key"])
        normal = [Observer(server.base, meeting["code"]) for _ in range(clients - stalled_count)]
        for phone in normal:
            await phone.join()
        await asyncio.gather(*(p.connect() for p in normal))
        writers = normal[:10]
        text = "lang antwoord " * 19  # big result frames fill a stalled socket quickly
        for n in range(200):  # fill every slot first: each results frame is then ~60 KB
            writer = writers[n % len(writers)]
            slot = str((n // len(writers)) % 20)
            assert (await writer.answer(activity["id"], slot, {"text": f"{n} {text}"[:280]}, f"pre{n}"))[
                "type"
            ] == "ack"
        stuck = []
        for _ in range(stalled_count):
            phone = Phone(server.base, meeting["code"])
            await phone.join()
            assert phone.cookie is not None
            stuck.append(stalled_reader(server.port, meeting["code"], phone.cookie))
        await screen.until(lambda m: m["participants"] == clients)
        rss_before = server.rss_kib()
        cpu_before, wall_before = time.process_time(), time.monotonic()
        sent: list[tuple[float, int]] = []  # (send time, acked v)
        end = time.monotonic() + seconds
        n = 0
        while time.monotonic() < end:
            writer = writers[n % len(writers)]
            started = time.monotonic()
            slot = str((n // len(writers)) % 20)
            # Never the text the slot already holds: an unchanged answer changes nothing, so no frame
            # would ever carry it (that no-op once showed up here as seconds of "latency").
            ack = await writer.answer(activity["id"], slot, {"text": f"s{n} {text}"[:280]}, f"s{n}")
            assert ack["type"] == "ack"
            sent.append((started, ack["v"]))
            n += 1
            await asyncio.sleep(0.01)  # about 100 changes per second
        await asyncio.sleep(1)
        client_cpu = (time.process_time() - cpu_before) / (time.monotonic() - wall_before)
        # Every stalled reader was dropped after a bounded stall; every normal phone is still here.
        snapshot = await screen.until(
            lambda m: m["participants"] == clients - stalled_count, timeout=stall_after + 10
        )
        assert snapshot["participants"] == clients - stalled_count
        rss_after = server.rss_kib()
        latencies = []
        for phone in normal[10:]:
            for started, v in sent[::10]:
                # The first frame after the answer was sent that includes it.
                arrival = next((t for t, seen_v in phone.seen if seen_v >= v and t >= started), None)
                assert arrival is not None  # no normal client was starved
                latencies.append(arrival - started)
        figures = {
            "clients": clients,
            "stalled": stalled_count,
            "changes": n,
            "normal_p50_ms": round(percentile(latencies, 50) * 1000, 1),
            "normal_p99_ms": round(percentile(latencies, 99) * 1000, 1),
            "rss_growth_mib": round((rss_after - rss_before) / 1024, 1),
            # The test process's own CPU share: near 1.0 means the client, not the server, limits.
            "client_cpu_share": round(client_cpu, 2),
        }
        print("\nSLOW figures:", json.dumps(figures))
        for phone in normal:
            await phone.disconnect()
        await screen.close()
        for sock in stuck:
            sock.close()
    finally:
        server.kill(15)
