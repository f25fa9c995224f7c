"""Trust suite, HTTP: bodies over their route's limit, endless heads, silent and slow connections."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

from server.app import create_app
from server.settings import Settings
from tests.support import ServerProcess, create_meeting
from tests.trust.conftest import SOAK, Figures

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024
CHUNK = b"x" * (64 * 1024)


def routes() -> Iterator[tuple[str, str]]:
    def walk(items: list[Any]) -> Iterator[tuple[str, str]]:
        for route in items:
            if hasattr(route, "original_router"):
                yield from walk(route.original_router.routes)
            elif isinstance(route, APIRoute):
                yield from ((method, route.path) for method in sorted(route.methods))

    yield from walk(list(create_app(Settings(database_url="sqlite://")).routes))


async def upload(
    port: int, method: str, path: str, *, chunked: bool, total: int = 100 * MIB
) -> tuple[str, int]:
    """Send ``total`` bytes of body (or until the server stops taking them); its status line."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}"
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{length}\r\n\r\n"
    )
    writer.write(head.encode())
    answer = asyncio.create_task(reader.read(4096))
    piece = b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK) if chunked else CHUNK
    sent = 0
    try:
        while sent < total and not answer.done():
            writer.write(piece)
            await asyncio.wait_for(writer.drain(), 10)
            sent += len(CHUNK)
        first = await asyncio.wait_for(answer, 10)
    except (ConnectionError, TimeoutError):
        first = answer.result() if answer.done() and not answer.exception() else b""
    finally:
        writer.close()
    status = first.split(b"\r\n", 1)[0].decode(errors="replace") if first else "reset"
    return status, sent


def spread(closed: list[tuple[float, float]]) -> str:
    """When the server closed them: at the earliest (from the connect asked), at the latest (from it made)."""
    return (
        f"{min(a for a, _ in closed):.1f} s at the earliest, {max(m for _, m in closed):.1f} s at the latest"
    )


async def hold(port: int, slow: bool, closed: list[tuple[float, float]]) -> None:
    """A connection that says nothing, or a head one header a second (slowloris); how long the
    server took to close it, timed from this connection's own connect (opening 3,000 of them takes
    seconds on a busy machine, and the server's timer starts per connection: timed from the whole
    batch's start, the soak failed at 12.6 s for a 10 s limit). Two figures, one per bound: from
    before the connection was asked for, which comes before the server's accept, so a close too
    early shows in it; and from when this coroutine resumed with the connection made, which comes
    after the accept, so a close too late shows in it. Among hundreds of connects the coroutine
    resumes up to a second after its connection was made (CI: closed "after 8.98 s" of a 10 s
    limit, timed from there alone)."""
    asked = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    made = time.monotonic()
    try:
        if slow:
            writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        while True:
            try:
                data = await asyncio.wait_for(reader.read(1024), 1)
            except TimeoutError:
                if slow:
                    writer.write(b"X-Slow: a\r\n")
                continue
            if not data:
                break
    except ConnectionError:
        pass
    ended = time.monotonic()
    closed.append((ended - asked, ended - made))
    writer.close()


async def endless_head(port: int, total: int) -> tuple[str, int]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Endless: ")
    answer = asyncio.create_task(reader.read(4096))
    sent = 0
    try:
        while sent < total and not answer.done():
            writer.write(CHUNK)
            await asyncio.wait_for(writer.drain(), 10)
            sent += len(CHUNK)
        first = await asyncio.wait_for(answer, 10)
    except (ConnectionError, TimeoutError):
        first = answer.result() if answer.done() and not answer.exception() else b""
    finally:
        writer.close()
    return (first.split(b"\r\n", 1)[0].decode() if first else "reset"), sent


async def test_http_limits_bound_memory_and_close_idle_connections(tmp_path: Path, figures: Figures) -> None:
    silent, slowloris = (2_000, 1_000) if SOAK else (400, 200)
    server = ServerProcess(tmp_path / "http.db")
    log = tmp_path / "server.log"
    server.start(log)
    settings = Settings()
    try:
        code = create_meeting(server.base)["code"]
        paths = sorted(
            {
                (m, re.sub(r"\{[a-z_]+\}", lambda p: code if p.group(0) == "{code}" else "1", path))
                for m, path in routes()
            }
        )
        before = server.rss_kib()
        done = threading.Event()
        samples: list[int] = []

        def sample() -> None:
            while not done.is_set():
                samples.append(server.rss_kib())
                time.sleep(0.005)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.monotonic()
        declared = [await upload(server.port, m, p, chunked=False) for m, p in paths]
        streamed = [await upload(server.port, m, p, chunked=True) for m, p in paths]
        uploads_seconds = time.monotonic() - started
        heads = await asyncio.gather(*(endless_head(server.port, 20 * MIB) for _ in range(5)))
        done.set()
        sampler.join(5)
        peak_mib = (max([*samples, server.rss_kib()]) - before) / 1024
        closed_silent: list[tuple[float, float]] = []
        closed_slow: list[tuple[float, float]] = []
        await asyncio.gather(
            *(hold(server.port, False, closed_silent) for _ in range(silent)),
            *(hold(server.port, True, closed_slow) for _ in range(slowloris)),
        )
        alive = (await upload(server.port, "GET", "/healthz", chunked=False, total=0))[0]
    finally:
        server.kill(15)
    declared_status = Counter(status for status, _ in declared)
    streamed_status = Counter(status for status, _ in streamed)
    most_read = max(sent for _, sent in streamed) / MIB
    head_kib = max(s for _, s in heads) / 1024
    figures(
        "HTTP",
        routes=len(paths),
        declared_100_mib=f"{dict(declared_status)}, at most {max(s for _, s in declared) / MIB:.1f} MiB sent",
        chunked_100_mib=f"{dict(streamed_status)}, at most {most_read:.1f} MiB sent",
        uploads_s=round(uploads_seconds, 1),
        endless_heads=f"5 x 20 MiB: {dict(Counter(s for s, _ in heads))}, at most {head_kib:.0f} KiB sent",
        rss_peak_growth_mib=round(peak_mib, 1),
        rss_samples=len(samples),
        silent_closed=f"{len(closed_silent)}/{silent} in {spread(closed_silent)}",
        slowloris_closed=f"{len(closed_slow)}/{slowloris} in {spread(closed_slow)}",
        tracebacks_in_log=log.read_text(errors="replace").count("Traceback"),
    )
    assert set(declared_status) == {"HTTP/1.1 413 Request Entity Too Large"}, declared_status
    # A route that answers without reading the body (a refusal, a page) never holds it either.
    assert "reset" not in streamed_status and not any(" 5" in s[8:10] for s in streamed_status)
    assert streamed_status["HTTP/1.1 413 Request Entity Too Large"] >= 10
    assert most_read < 8  # what was sent before the answer, the socket buffers' worth
    assert {s for s, _ in heads} == {"HTTP/1.1 431 Request Header Fields Too Large"}
    assert peak_mib < 10
    limit = settings.http_head_seconds
    assert max(made for _, made in closed_silent) < limit + 2
    assert min(asked for asked, _ in closed_silent) >= limit - 0.5
    assert max(made for _, made in closed_slow) < limit + 2
    assert alive == "HTTP/1.1 200 OK"
    assert "Traceback" not in log.read_text(errors="replace")
