"""One load-generator process: phones that join, hold a websocket, answer and watch.

The coordinator (``bench.scenarios``) drives each process through a pipe with small commands,
so every scenario reuses the same phones. The phones are picows listeners on uvloop: a frame
costs a few microseconds here, so the generator is not what a run measures. Only loopback
addresses are ever dialled (``127.0.0.0/8``), and every command is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import resource
import threading
import time
import zlib
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection as Pipe
from typing import Any
from urllib.parse import urlsplit

import uvloop
from picows import WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

from bench import checkout, quiz, reactions

ACK = b'{"type":"ack"'
ERROR = b'{"type":"error"'
STATE = b'{"type":"state"'
RESULTS = b'{"type":"results"'
RESULTS_IN = b'"results":{'  # a state or results frame that carries results
SNAPSHOT = b'{"type":"snapshot"'
FOUND = b'{"type":"found"'
MINE = b'{"type":"mine"'
DEFLATE = {"Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits"}
TAIL = b"\x00\x00\xff\xff"


def payload(frame: WSFrame, inflater: Any) -> tuple[bytes, Any]:
    """The frame's text; a permessage-deflate frame (the naive server compresses) is inflated
    with the connection's own context, as a browser would."""
    data = frame.get_payload_as_bytes()
    if frame.rsv1:
        if inflater is None:
            inflater = zlib.decompressobj(wbits=-15)
        data = inflater.decompress(data + TAIL)
    return data, inflater


def raise_nofile() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def assert_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if not host.startswith("127."):
        raise SystemExit(f"the load generator only talks to loopback, not {host!r}")


@dataclass
class Counters:
    """What one process saw; the coordinator sums these over processes."""

    acks: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    frames: int = 0
    bytes: int = 0
    results_frames: int = 0
    largest_phone_frame: int = 0  # bytes of the largest state or results frame a phone got


class Phone(WSListener):  # type: ignore[misc]
    __slots__ = (
        "counters",
        "finding",
        "index",
        "inflater",
        "latest",
        "mine",
        "ready",
        "records",
        "replies",
        "sent",
        "stalled",
        "transport",
        "watch",
        "watch_for",
        "watch_since",
        "word",
    )

    def __init__(self, index: int, counters: Counters, records: Records) -> None:
        self.index = index
        self.counters = counters
        self.records = records
        self.transport: WSTransport | None = None
        self.inflater: Any = None
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.sent: dict[str, tuple[float, str]] = {}
        self.word: str | None = None  # the last word the server acknowledged
        self.watch_since = 0.0  # > 0: record when the first frame with ``watch_for`` arrives
        self.watch = 0.0
        self.watch_for = RESULTS_IN
        self.stalled = False
        # For phones that act on what they see (bench.checkout): replies awaited by client id,
        # the awaited `found`, and the latest state or results frame as it came.
        self.replies: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.finding: asyncio.Future[dict[str, Any]] | None = None
        self.latest = b""
        self.mine = b""  # the last `mine` frame (its own score and rank in a quiz: bench.quiz)

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type == WSMsgType.CLOSE:
            transport.disconnect()
            return
        if frame.msg_type != WSMsgType.TEXT:
            return
        data, self.inflater = payload(frame, self.inflater)
        now = time.time()
        counters = self.counters
        counters.frames += 1
        counters.bytes += len(data)
        if data.startswith(ACK):
            message = json.loads(data)
            sent = self.sent.pop(message["client_id"], None)
            if sent is not None:
                counters.acks += 1
                self.word = sent[1]
                self.records.add(sent[0], now, message["v"])
            self._reply(message)
        elif data.startswith(ERROR):
            message = json.loads(data)
            code = message.get("code", "?")
            counters.errors[code] = counters.errors.get(code, 0) + 1
            if message.get("client_id"):
                self.sent.pop(message["client_id"], None)
                self._reply(message)
        elif data.startswith(MINE):
            self.mine = data
        elif data.startswith(FOUND):
            if self.finding is not None and not self.finding.done():
                self.finding.set_result(json.loads(data))
        elif data.startswith((STATE, RESULTS)):
            self.latest = data
            counters.largest_phone_frame = max(counters.largest_phone_frame, len(data))
            if not self.ready.done():
                self.ready.set_result(None)
            if data.startswith(RESULTS):
                counters.results_frames += 1
            if self.watch_since and not self.watch and self.watch_for in data:
                self.watch = now

    def _reply(self, message: dict[str, Any]) -> None:
        waiter = self.replies.pop(message.get("client_id") or "", None)
        if waiter is not None and not waiter.done():
            waiter.set_result(message)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("closed before the first frame"))
        self.transport = None


class Records:
    """(sent, acked, v) of every acknowledged answer, in flat arrays (cheap at 10^6 answers)."""

    def __init__(self) -> None:
        self.sent = array("d")
        self.acked = array("d")
        self.v = array("q")

    def add(self, sent: float, acked: float, v: int) -> None:
        self.sent.append(sent)
        self.acked.append(acked)
        self.v.append(v)


class Screen(WSListener):  # type: ignore[misc]
    """The big screen: records when each snapshot arrived and the room version it carries."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.arrivals = array("d")
        self.versions = array("q")
        self.participants = 0
        self.taps = 0  # reactions shown: the bursts the snapshots carried (bench.reactions)
        self.inflater: Any = None
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_ws_connected(self, transport: WSTransport) -> None:
        transport.send(WSMsgType.TEXT, json.dumps({"type": "auth", "key": self.key}).encode())

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type == WSMsgType.TEXT:
            data, self.inflater = payload(frame, self.inflater)
            if data.startswith(SNAPSHOT):
                now = time.time()
                message = json.loads(data)
                self.arrivals.append(now)
                self.versions.append(message["v"])
                self.participants = message["participants"]
                burst = ((message.get("beside") or {}).get("reactions") or {}).get("burst")
                if burst:
                    self.taps += sum(burst.values())
                if not self.ready.done():
                    self.ready.set_result(None)


class HttpLane:
    """One keep-alive HTTP/1.1 connection doing one request at a time (a phone's POST /join)."""

    def __init__(self, host: str, port: int, local: str) -> None:
        self.host, self.port, self.local = host, port, local
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port, local_addr=(self.local, 0)
            )
        assert self.reader is not None
        request = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        self.writer.write(request)
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            self.close()
            raise
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers.setdefault(name.strip().lower(), value.strip())
        payload = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, payload

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Generator:
    def __init__(self, pipe: Pipe, base: str, worker: int, locals_: list[str]) -> None:
        assert_loopback(base)
        self.pipe = pipe
        self.base = base
        self.worker = worker
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.ws_base = base.replace("http", "ws", 1)
        self.locals = locals_
        self.counters = Counters()
        self.records = Records()
        self.phones: list[Phone] = []
        self.screens: list[Screen] = []
        self.joins = array("d")
        self.join_failures: dict[str, int] = {}
        self.sent = 0

    # -- commands ----------------------------------------------------------------------------

    async def join(
        self,
        code: str,
        first: int,
        count: int,
        rate: float,
        lanes: int,
        timeout: float,
        deflate: bool = False,
        handshake: bool = True,
    ) -> dict[str, Any]:
        """Open-loop arrivals at ``rate`` per second; each join is timed from its scheduled
        moment (so queueing in the generator or the server counts) until the first state frame.
        ``handshake``: each phone joins in its socket's handshake (``/ws/{code}?join=1``), one
        round trip, as the phone's page does; otherwise ``POST /api/join/{code}`` on one of
        ``lanes`` keep-alive connections first, then the socket with the cookie (two)."""
        pool = [
            HttpLane(self.host, self.port, self.locals[i % len(self.locals)])
            for i in range(0 if handshake else lanes)
        ]
        free: asyncio.Queue[HttpLane] = asyncio.Queue()
        for lane in pool:
            free.put_nowait(lane)
        start = time.perf_counter() + 0.05
        origin = self.base
        fails: dict[str, int] = {}
        latencies = array("d")

        def fail(exc: BaseException) -> None:
            kind = f"{type(exc).__name__}: {str(exc)[:60]}"
            fails[kind] = fails.get(kind, 0) + 1

        async def one(i: int) -> None:
            due = start + i / rate if rate > 0 else start
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            index = first + i
            path, cookie = f"/ws/{code}?join=1", {}
            if not handshake:
                lane = await free.get()
                try:
                    status, headers, _ = await lane.post(f"/api/join/{code}", b"{}")
                except Exception as exc:
                    fail(exc)
                    return
                finally:
                    free.put_nowait(lane)
                if status != 200:
                    fails[f"http {status}"] = fails.get(f"http {status}", 0) + 1
                    return
                path, cookie = f"/ws/{code}", {"Cookie": headers.get("set-cookie", "").split(";", 1)[0]}
            local = self.locals[index % len(self.locals)]
            try:
                _, phone = await ws_connect(
                    lambda: Phone(index, self.counters, self.records),
                    f"{self.ws_base}{path}",
                    extra_headers={**cookie, "Origin": origin, **(DEFLATE if deflate else {})},
                    websocket_handshake_timeout=timeout,
                    local_addr=(local, 0),
                )
                await asyncio.wait_for(phone.ready, timeout)
            except Exception as exc:
                fail(exc)
                return
            self.phones.append(phone)
            latencies.append(time.perf_counter() - due)

        await asyncio.gather(*(one(i) for i in range(count)))
        for lane in pool:
            lane.close()
        self.joins.extend(latencies)
        for name, n in fails.items():
            self.join_failures[name] = self.join_failures.get(name, 0) + n
        return {"joined": len(latencies), "failures": fails, "latencies": latencies.tobytes()}

    async def screen(self, code: str, key: str, deflate: bool = False) -> dict[str, Any]:
        _, screen = await ws_connect(
            lambda: Screen(key),
            f"{self.ws_base}/ws/{code}/presenter",
            extra_headers={"Origin": self.base, **(DEFLATE if deflate else {})},
            local_addr=(self.locals[0], 0),
            max_frame_size=64 * 1024 * 1024,
        )
        await asyncio.wait_for(screen.ready, 30)
        self.screens.append(screen)
        return {"ok": True}

    async def answer(
        self,
        activity: int,
        rate: float,
        seconds: float,
        words: int,
        skip: float = 0.0,
        settle: float = 3.0,
    ) -> dict[str, Any]:
        """Each phone in turn replaces its word; ``rate`` answers per second for ``seconds``.
        Phones that stopped reading (``stall``) do not answer."""
        active = [p for p in self.phones if p.transport is not None and not p.stalled]
        if not active or rate <= 0:
            return self.summary()
        rng = random.Random(self.worker)
        slice_ = 0.005
        started = time.perf_counter()
        end = started + seconds
        n = 0
        cursor = 0
        while True:
            now = time.perf_counter()
            if now >= end:
                break
            due = int((now - started) * rate)
            while n < due:
                phone = active[cursor % len(active)]
                cursor += 1
                n += 1
                if phone.transport is None or (skip and rng.random() < skip):
                    continue
                word = f"woord{rng.randrange(words)}"
                client_id = f"{phone.index}.{self.sent}"  # unique across calls: ids are idempotency keys
                phone.sent[client_id] = (time.time(), word)
                phone.transport.send(
                    WSMsgType.TEXT,
                    (
                        f'{{"type":"answer","activity_id":{activity},"slot":"0",'
                        f'"value":{{"word":"{word}"}},"client_id":"{client_id}"}}'
                    ).encode(),
                )
                self.sent += 1
            await asyncio.sleep(slice_)
        # Let the last acknowledgements arrive (bounded).
        deadline = time.perf_counter() + settle
        while time.perf_counter() < deadline and any(p.sent for p in active):
            await asyncio.sleep(0.05)
        return self.summary()

    def watch(self, since: float, marker: str | None = None) -> dict[str, Any]:
        """From ``since``, record when each phone first gets a state or results frame holding
        ``marker`` (results, unless another is given: an activity that was opened, say)."""
        watch_for = marker.encode() if marker else RESULTS_IN
        for phone in self.phones:
            phone.watch_since, phone.watch, phone.watch_for = since, 0.0, watch_for
        return {"ok": True}

    async def watched(self, timeout: float) -> dict[str, Any]:
        """When each (reading) phone first saw results after ``watch``; missing ones count too."""
        deadline = time.perf_counter() + timeout
        readers = [p for p in self.phones if not p.stalled and p.transport is not None]
        while time.perf_counter() < deadline and any(not p.watch for p in readers):
            await asyncio.sleep(0.01)
        seen = array("d", (p.watch - p.watch_since for p in readers if p.watch))
        return {"seen": seen.tobytes(), "missing": sum(1 for p in readers if not p.watch)}

    def stall(self, fraction: float) -> dict[str, Any]:
        """The first ``fraction`` of this process's phones stop reading their socket."""
        count = round(len(self.phones) * fraction)
        for phone in self.phones[:count]:
            phone.stalled = True
            if phone.transport is not None:
                phone.transport.underlying_transport.pause_reading()
        return {"stalled": count}

    def summary(self) -> dict[str, Any]:
        cpu = os.times()
        connected = sum(1 for p in self.phones if p.transport is not None)
        return {
            "sent": self.sent,
            "acks": self.counters.acks,
            "errors": dict(self.counters.errors),
            "frames": self.counters.frames,
            "bytes": self.counters.bytes,
            "results_frames": self.counters.results_frames,
            "largest_phone_frame": self.counters.largest_phone_frame,
            "unacked": sum(len(p.sent) for p in self.phones),
            "connected": connected,
            "phones": len(self.phones),
            "cpu": cpu.user + cpu.system,
        }

    def records_since(self, since: float) -> dict[str, Any]:
        r = self.records
        keep = [i for i, t in enumerate(r.sent) if t >= since]
        return {
            "sent": array("d", (r.sent[i] for i in keep)).tobytes(),
            "acked": array("d", (r.acked[i] for i in keep)).tobytes(),
            "v": array("q", (r.v[i] for i in keep)).tobytes(),
        }

    def screen_records(self) -> dict[str, Any]:
        if not self.screens:
            return {"arrivals": b"", "versions": b"", "participants": 0, "taps": 0}
        screen = self.screens[0]
        return {
            "arrivals": screen.arrivals.tobytes(),
            "versions": screen.versions.tobytes(),
            "participants": screen.participants,
            "taps": screen.taps,
        }

    def words(self) -> dict[str, Any]:
        """Each settled phone's last acknowledged word: what the final tally must show. A phone
        with an answer still in flight is left out (counted in ``unsettled``): the server may
        already hold that newer word in place of the acknowledged one."""
        counts: dict[str, int] = {}
        unsettled = 0
        for phone in self.phones:
            if phone.sent:
                unsettled += 1
            elif phone.word is not None:
                counts[phone.word] = counts.get(phone.word, 0) + 1
        return {"words": counts, "unsettled": unsettled}

    async def close(self) -> dict[str, Any]:
        for phone in self.phones:
            if phone.transport is not None:
                phone.transport.disconnect()
        await asyncio.sleep(0.2)
        return {"ok": True}

    # -- loop --------------------------------------------------------------------------------

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        inbox: asyncio.Queue[Any] = asyncio.Queue()

        def read() -> None:  # a thread: the pipe stays blocking, so a large reply is never cut short
            while True:
                message = self.pipe.recv()
                loop.call_soon_threadsafe(inbox.put_nowait, message)
                if message[0] == "exit":
                    return

        threading.Thread(target=read, daemon=True).start()
        commands: dict[str, Callable[..., Any]] = {
            "join": self.join,
            "screen": self.screen,
            "answer": self.answer,
            "watch": self.watch,
            "watched": self.watched,
            "stall": self.stall,
            "summary": self.summary,
            "records": self.records_since,
            "screen_records": self.screen_records,
            "words": self.words,
            "checkout": lambda **kw: checkout.run(self, **kw),
            "react_start": lambda **kw: reactions.start(self, **kw),
            "react_done": lambda: reactions.done(self),
            "quiz_play": lambda **kw: quiz.play(self, **kw),
            "quiz_own": lambda: quiz.own(self),
            "close": self.close,
        }
        while True:
            name, kwargs = await inbox.get()
            if name == "exit":
                await self.close()
                return
            try:
                result = commands[name](**kwargs)
                if asyncio.iscoroutine(result):
                    result = await result
                reply: tuple[str, Any] = ("ok", result)
            except Exception as exc:  # reported to the coordinator, which stops the run
                reply = ("error", f"{type(exc).__name__}: {exc}")
            await asyncio.to_thread(self.pipe.send, reply)  # the phones keep reading meanwhile


def main(pipe: Pipe, base: str, worker: int, locals_: list[str]) -> None:
    raise_nofile()
    uvloop.run(Generator(pipe, base, worker, locals_).serve())
