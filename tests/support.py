"""Test helpers: a real uvicorn server in a thread, and a websocket participant client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import websockets

from server.app import create_app
from server.db.migrate import upgrade
from server.settings import Settings
from tests.ports import free_port as free_port  # where the tests that start servers look for it
from tests.ports import reserved_port


@dataclass
class LiveServer:
    base: str
    settings: Settings
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def ws_base(self) -> str:
        return self.base.replace("http", "ws", 1)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def uvicorn_config(
    settings: Settings, port: int, log_level: str = "warning", clock: Any = None
) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(settings, clock),
        host="127.0.0.1",
        port=port,
        ws="websockets-sansio",  # as `kring serve`
        ws_per_message_deflate=False,
        ws_max_size=settings.ws_max_message_bytes,
        ws_ping_interval=settings.ws_ping_interval,
        ws_ping_timeout=settings.ws_ping_timeout,
        log_level=log_level,
        lifespan="on",
        proxy_headers=False,  # as `kring serve`: the app decides whom to believe
    )


@contextlib.contextmanager
def live_server(
    database_url: str, log_level: str = "warning", clock: Any = None, **overrides: Any
) -> Iterator[LiveServer]:
    """A real server in a thread; ``clock`` (e.g. tests.factories.ManualClock) drives its agenda."""
    upgrade(database_url)  # as `kring serve` does before it listens
    with reserved_port() as port:
        base = f"http://127.0.0.1:{port}"
        settings = Settings(database_url=database_url, public_url=base, port=port, **overrides)
        server = uvicorn.Server(uvicorn_config(settings, port, log_level, clock))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        live = LiveServer(base, settings, server, thread)
        try:
            yield live
        finally:
            live.stop()


def create_meeting(base: str, **body: Any) -> dict[str, Any]:
    body.setdefault("title", "Test")
    response = httpx.post(f"{base}/api/meetings", json=body, timeout=10)
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data


def host(base: str, meeting: dict[str, Any]) -> httpx.Client:
    return httpx.Client(
        base_url=f"{base}/api/meetings/{meeting['code']}",
        headers={"Authorization": f"Bearer {meeting['host_key']}"},
        timeout=10,
    )


@dataclass
class Phone:
    """A participant: the cookie from joining, a websocket, and everything it received."""

    base: str
    code: str
    nickname: str | None = None
    cookie: str | None = None
    ws: Any = None
    inbox: list[dict[str, Any]] = field(default_factory=list)
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None
    _events: asyncio.Event = field(default_factory=asyncio.Event)

    async def join(self, secret: str | None = None) -> None:
        """``secret``: the join link's (the QR code's ``#j=``), as the phone's page sends it."""
        # Plain http on loopback: verify=False skips loading the CA bundle for every phone.
        async with httpx.AsyncClient(base_url=self.base, timeout=10, verify=False) as client:
            headers = {"Cookie": f"kring_{self.code}={self.cookie}"} if self.cookie else None
            body = {"nickname": self.nickname, **({"secret": secret} if secret else {})}
            response = await client.post(f"/api/join/{self.code}", json=body, headers=headers)
            response.raise_for_status()
            self.cookie = response.cookies.get(f"kring_{self.code}") or self.cookie

    async def connect(self, url: str | None = None) -> None:
        """The phone's socket; ``url`` instead of the server's, e.g. through a proxy."""
        url = url or self.base.replace("http", "ws", 1) + f"/ws/{self.code}"
        self.ws = await websockets.connect(
            url,
            additional_headers={"Cookie": f"kring_{self.code}={self.cookie}"},
            compression=None,
            origin=websockets.Origin(self.base),
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.ws:
                message = json.loads(raw)
                self.inbox.append(message)
                if message["type"] == "ack":
                    self.acks[message["client_id"]] = message
                elif message["type"] == "error":
                    self.errors.append(message)
                self._events.set()

    async def disconnect(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            await self._reader

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def wait_for(self, predicate: Any, timeout: float = 10.0, start: int = 0) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + timeout
        seen = start
        while True:
            for message in self.inbox[seen:]:
                if predicate(message):
                    return message
            seen = len(self.inbox)
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"no matching message; last: {self.inbox[-3:]}")
            self._events.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._events.wait(), remaining)

    async def answer(
        self, activity_id: int, slot: str, value: dict[str, Any], client_id: str
    ) -> dict[str, Any]:
        start = len(self.inbox)
        await self.send(
            {
                "type": "answer",
                "activity_id": activity_id,
                "slot": slot,
                "value": value,
                "client_id": client_id,
            }
        )
        return await self.wait_for(
            lambda m: m.get("client_id") == client_id and m["type"] in ("ack", "error"), start=start
        )

    async def withdraw(self, activity_id: int, slot: str, client_id: str) -> dict[str, Any]:
        start = len(self.inbox)
        await self.send(
            {"type": "withdraw", "activity_id": activity_id, "slot": slot, "client_id": client_id}
        )
        return await self.wait_for(
            lambda m: m.get("client_id") == client_id and m["type"] in ("ack", "error"), start=start
        )


@dataclass
class Screen:
    """The presenter (or host) socket, keeping the latest snapshot."""

    ws: Any
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None
    _event: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    async def open(
        cls, base: str, code: str, key: str | None, role: str = "presenter", session: str | None = None
    ) -> Screen:
        """Opened with ``key``, or (``key=None``) with the ``kring_session`` cookie ``session``."""
        url = base.replace("http", "ws", 1) + f"/ws/{code}/{role}"
        headers = {"Cookie": f"kring_session={session}"} if session else {}
        ws = await websockets.connect(
            url, compression=None, origin=websockets.Origin(base), additional_headers=headers
        )
        await ws.send(json.dumps({"type": "auth", "key": key} if key is not None else {"type": "auth"}))
        screen = cls(ws)
        screen._reader = asyncio.create_task(screen._read())
        return screen

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.ws:
                message = json.loads(raw)
                if message["type"] == "snapshot":
                    self.snapshots.append(message)
                    self._event.set()
                elif message["type"] == "error":
                    self.errors.append(message["code"])

    async def closed(self, timeout: float = 5.0) -> int | None:
        """Wait for the server to close this screen; its close code."""
        assert self._reader is not None
        await asyncio.wait_for(self._reader, timeout)
        code: int | None = self.ws.close_code
        return code

    @property
    def last(self) -> dict[str, Any]:
        return self.snapshots[-1]

    async def until(self, predicate: Any, timeout: float = 10.0) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if self.snapshots and predicate(self.last):
                return self.last
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"snapshot never matched; last: {str(self.snapshots[-1:])[:800]}")
            self._event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), remaining)

    async def close(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            await self._reader


class ServerProcess:
    """`kring serve` as a real process on a free loopback port, for restarts and kills."""

    def __init__(self, database: Path | str, *extra_args: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.database = database
        self.database_url = database if isinstance(database, str) else f"sqlite:///{database}"
        self.extra_args = extra_args
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, log: Path | None = None, **env_overrides: str) -> None:
        """Start (or restart) the process; with ``log``, its stdout and stderr are appended there."""
        env = {
            **os.environ,
            "KRING_PUBLIC_URL": self.base,
            "KRING_LOG_LEVEL": "warning",
            "KRING_WS_RATE_PER_MINUTE": "100000",
            "KRING_WS_RATE_BURST": "100000",
            # As `kring serve` runs by default (the suite's in-process apps commit on threads).
            "KRING_BATCH_WRITER": "process",
            **env_overrides,
        }
        output: Any = open(log, "ab") if log is not None else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "server",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--database-url",
                self.database_url,
                *self.extra_args,
            ],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT if log is not None else subprocess.DEVNULL,
        )
        if log is not None:
            output.close()  # the child holds its own copy
        deadline = time.monotonic() + 60  # generous: the machine may be busy with other tests
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"kring serve exited with {self.process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/healthz", timeout=0.5).status_code == 200:
                    return
            time.sleep(0.05)
        self.process.kill()
        self.process.wait(10)
        raise RuntimeError("kring serve did not start")

    def rss_kib(self) -> int:
        assert self.process is not None
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill(self, sig: int) -> float:
        """Stop the process with ``sig``; AssertionError if it had found its rooms and database
        disagreeing (KRING_CHECK_INVARIANTS, on for the test suite: /healthz then says so)."""
        assert self.process is not None
        broken = None
        if self.process.poll() is None:
            with contextlib.suppress(httpx.HTTPError):
                health = httpx.get(f"{self.base}/healthz", timeout=5)
                broken = health.text if health.status_code == 500 else None
        started = time.monotonic()
        self.process.send_signal(sig)
        self.process.wait(30)
        took = time.monotonic() - started
        if broken is not None:
            raise AssertionError(f"kring serve broke an invariant: {broken[:2000]}")
        return took
