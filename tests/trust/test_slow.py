"""Trust suite SLOW: stalled readers among normal phones while results change 100 times a second
(an open-question wall; the server's 100 ms tick coalesces the changes into at most 10 frames per
phone per second, latest wins). A phone's wall is bounded (the 30 newest, ~9 KB), so a stalled
phone's kernel buffers take tens of seconds to fill: the changes go on until it is dropped.

The normal phones read in other processes (tests/trust/crowd.py), so the figures are the
server's, not this process's. Reduced in `make test`; `make soak` runs 500 clients for 30 s."""

from __future__ import annotations

import asyncio
import base64
import bisect
import contextlib
import secrets
import socket
import time
from pathlib import Path

import pytest

from tests.support import Phone, Screen, ServerProcess, create_meeting, host
from tests.trust.conftest import SOAK, Figures
from tests.trust.crowd import Crowd, Plan, percentile

pytestmark = pytest.mark.e2e

# Changes go on after the measured window until the stalled readers are dropped; at 10 frames of
# ~9 KB a second, tcp_wmem's usual 4 MiB maximum fills in under a minute.
FILL_SECONDS = 120.0


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


def drain_until_closed(sock: socket.socket, timeout: float = 10.0) -> tuple[int, bool]:
    """Read what the server had queued for a stalled reader: (bytes, closed by the server)."""
    sock.settimeout(timeout)
    total = 0
    try:
        while chunk := sock.recv(1 << 20):
            total += len(chunk)
    except ConnectionResetError:
        return total, True
    except TimeoutError:
        return total, False
    return total, True


def send_buffer_limit() -> int:
    """The most the kernel queues on one TCP socket (tcp_wmem's maximum)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
    return 4 << 20


def delays(sent: list[tuple[float, int]], seen: list[tuple[float, int]]) -> list[float]:
    """For each (send time, version) the wait until the first frame, sent after it, that
    includes it (frames arrive in version order, so both searches are bisections)."""
    times, versions = [t for t, _ in seen], [v for _, v in seen]
    out = []
    for started, v in sent:
        first = max(bisect.bisect_left(times, started), bisect.bisect_left(versions, v))
        assert first < len(seen), "a normal client never got a change"  # none was starved
        out.append(times[first] - started)
    return out


@pytest.mark.serial  # a timed row: measured alone, after the two workers (Makefile)
@pytest.mark.timeout(3600 if SOAK else 300)
async def test_slow_readers_are_dropped_and_others_keep_up(tmp_path: Path, figures: Figures) -> None:
    clients, stalled_count, seconds, stall_after, procs = (
        (500, 10, 30.0, 10, 2) if SOAK else (60, 10, 10.0, 2, 1)
    )
    writers_count, rate = 10, 100.0  # changes per second, spread over the writers
    server = ServerProcess(tmp_path / "slow.db")
    server.start(KRING_WS_STALL_SECONDS=str(stall_after))
    try:
        meeting = create_meeting(server.base)
        with host(server.base, meeting) as http:
            activity = http.post("/activities", json={"kind": "open", "settings": {"max_answers": 20}}).json()
            http.post(f"/activities/{activity['id']}/visibility", json={"phones": True}).raise_for_status()
            http.post(f"/activities/{activity['id']}/open").raise_for_status()
        screen = await Screen.open(server.base, meeting["code"], meeting["presenter_key"])
        writers = [Phone(server.base, meeting["code"]) for _ in range(writers_count)]
        for writer in writers:
            await writer.join()
            await writer.connect()
        text = "lang antwoord " * 19
        for n in range(200):  # fill every slot first: each phone frame is then its full ~9 KB
            writer, slot = writers[n % writers_count], str((n // writers_count) % 20)
            ack = await writer.answer(activity["id"], slot, {"text": f"{n} {text}"[:280]}, f"pre{n}")
            assert ack["type"] == "ack"
        normal = clients - stalled_count - writers_count
        plans = [
            Plan(server.base, meeting["code"], normal // procs + (i < normal % procs), heads=True)
            for i in range(procs)
        ]
        async with Crowd(plans) as crowd:
            stuck = []
            for _ in range(stalled_count):
                phone = Phone(server.base, meeting["code"])
                await phone.join()
                assert phone.cookie is not None
                stuck.append(stalled_reader(server.port, meeting["code"], phone.cookie))
            await screen.until(lambda m: m["participants"] == clients, timeout=60)
            rss_before = rss_peak = server.rss_kib()
            crowd.go()
            cpu_before = server.cpu_seconds()
            sent: list[tuple[float, int]] = []  # (send time, acked v)
            acked: list[float] = []  # each change's ack latency: its commit
            dropped_at: list[float] = []
            start = time.monotonic()

            def going(at: float) -> bool:
                """The measured window, and after it until the stalled readers are dropped: that
                waits on their buffers filling (bytes, not seconds), bounded by FILL_SECONDS."""
                return at < start + seconds or (not dropped_at and at < start + seconds + FILL_SECONDS)

            async def write(index: int) -> None:
                n = index
                while going(due := start + n / rate):
                    await asyncio.sleep(max(0.0, due - time.monotonic()))
                    slot = str((n // writers_count) % 20)
                    # Never the text the slot already holds: an unchanged answer changes nothing,
                    # so no frame would carry it (that no-op once showed up as seconds of "latency").
                    started = time.monotonic()
                    ack = await writers[index].answer(
                        activity["id"], slot, {"text": f"s{n} {text}"[:280]}, f"s{n}"
                    )
                    assert ack["type"] == "ack"
                    sent.append((started, ack["v"]))
                    acked.append(time.monotonic() - started)
                    n += writers_count

            async def watch() -> None:
                nonlocal rss_peak
                while going(time.monotonic()):
                    rss_peak = max(rss_peak, server.rss_kib())
                    if not dropped_at and screen.last["participants"] <= clients - stalled_count:
                        dropped_at.append(time.monotonic() - start)
                    await asyncio.sleep(0.2)

            await asyncio.gather(watch(), *(write(i) for i in range(writers_count)))
            elapsed = time.monotonic() - start
            server_cpu = (server.cpu_seconds() - cpu_before) / elapsed
            # Every stalled reader was dropped (within the stall limit of its socket filling up);
            # every normal phone is still there.
            snapshot = await screen.until(lambda m: m["participants"] <= clients - stalled_count, timeout=15)
            assert snapshot["participants"] == clients - stalled_count
            await asyncio.sleep(1)  # the last frames
            done = await crowd.finish()
        rss_peak = max(rss_peak, server.rss_kib())
        queued = [drain_until_closed(sock) for sock in stuck]
        most_queued = max(b for b, _ in queued)
        received = [r for d in done for r in d["received"]]
        arrivals = [phone for d in done for phone in d["seen"]]
        latencies = [latency for seen in arrivals for latency in delays(sent, seen)]
        p99_ms = percentile(latencies, 99) * 1000
        growth_mib = (rss_peak - rss_before) / 1024
        figures(
            "SLOW",
            clients=clients,
            stalled=stalled_count,
            changes=len(sent),
            frames_per_phone_per_s=round(sum(len(s) for s in arrivals) / len(arrivals) / elapsed, 1),
            normal_p50_ms=round(percentile(latencies, 50) * 1000, 1),
            normal_p99_ms=round(p99_ms, 1),
            writer_ack_p99_ms=round(percentile(acked, 99) * 1000, 1),
            rss_growth_mib=round(growth_mib, 1),
            stalled_dropped_after_s=round(dropped_at[0], 1) if dropped_at else None,
            queued_to_stalled_kib=most_queued // 1024,
            received_by_normal_kib=min(received) // 1024,
            server_cpu_share=round(server_cpu, 2),
            client_cpu_share=[d["cpu_share"] for d in done],
        )
        assert len(sent) >= rate * seconds * 0.95
        assert all(d["closed"] == 0 for d in done)  # no normal client was dropped
        assert p99_ms < 250
        assert growth_mib < 100
        assert all(closed for _, closed in queued)  # the server closed the stalled ones, not this test
        # A bounded backlog: what a stalled reader had queued fits in the kernel's buffers plus a
        # frame or two, and is less than every normal phone received meanwhile.
        assert most_queued < min(send_buffer_limit() + 1_000_000, min(received))
        for writer in writers:
            await writer.disconnect()
        await screen.close()
        for sock in stuck:
            sock.close()
    finally:
        server.kill(15)
