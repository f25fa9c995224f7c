"""Phones in other processes, so that a trust test measures the server and not its own event loop
(as bench/harness.py does). Imports only what a phone needs: each process starts quickly."""

from __future__ import annotations

import asyncio
import contextlib
import http.cookiejar
import json
import multiprocessing as mp
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets

# The head every results and state frame starts with: enough to timestamp it without parsing the
# rest (for 500 phones, parsing 60 KB frames made the client, not the server, the bottleneck).
HEAD = re.compile(r'^\{"type":"(results|state)","seq":\d+,"v":(\d+)')


@dataclass(frozen=True)
class Plan:
    """What one process does: ``phones`` join ``code``; each answers every ``answer_every``
    seconds (0: never) into ``activity_id``, writing ``{field: text}``; with ``heads`` each
    records when results frames arrive and which room version they carry."""

    base: str
    code: str
    phones: int
    activity_id: int = 0
    answer_every: float = 0.0
    field: str = "word"
    text: str = "rustig"
    heads: bool = False


def _client(base: str) -> httpx.AsyncClient:
    """For joining many phones at once: a jar that keeps no cookie, so no join rides on another
    phone's cookie (each reads its own from its response)."""
    jar = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    limits = httpx.Limits(max_connections=20)
    return httpx.AsyncClient(base_url=base, timeout=30, verify=False, limits=limits, cookies=jar)


@dataclass
class Phone:
    index: int
    ws: Any
    seen: list[tuple[float, int]]
    pending: dict[str, float]
    acks: list[float]
    errors: Counter[str]
    acked_at: list[float] = field(default_factory=list)  # when each acknowledged answer was sent
    received: int = 0


async def _join(client: httpx.AsyncClient, plan: Plan, index: int) -> Phone:
    response = await client.post(f"/api/join/{plan.code}", json={})
    response.raise_for_status()
    cookie = response.cookies[f"kring_{plan.code}"]
    ws = await websockets.connect(
        plan.base.replace("http", "ws", 1) + f"/ws/{plan.code}",
        origin=websockets.Origin(plan.base),
        compression=None,
        additional_headers={"Cookie": f"kring_{plan.code}={cookie}"},
        open_timeout=30,
        max_size=None,
    )
    return Phone(index, ws, [], {}, [], Counter())


async def _read(phone: Phone, heads: bool) -> None:
    with contextlib.suppress(websockets.ConnectionClosed):
        async for raw in phone.ws:
            text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
            phone.received += len(text)
            head = HEAD.match(text[:80]) if heads else None
            if head is not None:
                phone.seen.append((time.monotonic(), int(head.group(2))))
            elif text.startswith('{"type":"ack"') or text.startswith('{"type":"error"'):
                message = json.loads(text)
                sent = phone.pending.pop(message.get("client_id") or "", None)
                if message["type"] == "ack" and sent is not None:
                    phone.acks.append(time.monotonic() - sent)
                    phone.acked_at.append(sent)
                elif message["type"] == "error":
                    phone.errors[message["code"]] += 1


async def _answer(phone: Phone, plan: Plan, stop: Any) -> None:
    # Spread the phones over the interval, so the answers arrive evenly, not in waves.
    await asyncio.sleep(plan.answer_every * (phone.index % 97) / 97)
    n = 0
    while not stop.is_set():
        client_id = f"c{os.getpid()}-{phone.index}-{n}"
        phone.pending[client_id] = time.monotonic()
        message = {
            "type": "answer",
            "activity_id": plan.activity_id,
            "slot": "0",
            "value": {plan.field: f"{plan.text}{n % 7}"},
            "client_id": client_id,
        }
        try:
            await phone.ws.send(json.dumps(message))
        except websockets.ConnectionClosed:
            return
        n += 1
        await asyncio.sleep(plan.answer_every)


async def _until(event: Any) -> None:
    while not event.is_set():
        await asyncio.sleep(0.02)


async def _run(plan: Plan, out: Any, go: Any, stop: Any) -> None:
    async with _client(plan.base) as client:
        phones: list[Phone] = []
        for first in range(0, plan.phones, 50):
            batch = range(first, min(plan.phones, first + 50))
            phones += await asyncio.gather(*(_join(client, plan, i) for i in batch))
    readers = [asyncio.create_task(_read(p, plan.heads)) for p in phones]
    out.put(("ready", len(phones)))
    await _until(go)
    cpu, wall = time.process_time(), time.monotonic()
    writers = [asyncio.create_task(_answer(p, plan, stop)) for p in phones] if plan.answer_every else []
    await _until(stop)
    await asyncio.gather(*writers)
    for _ in range(100):  # the last acks
        if not any(p.pending for p in phones):
            break
        await asyncio.sleep(0.05)
    share = (time.process_time() - cpu) / max(1e-9, time.monotonic() - wall)
    closed = sum(1 for p in phones if p.ws.close_code is not None)
    for task in readers:
        task.cancel()
    out.put(
        (
            "done",
            {
                "seen": [p.seen for p in phones],
                "acks": [a for p in phones for a in p.acks],
                "acked_at": [t for p in phones for t in p.acked_at],
                "unacked": sum(len(p.pending) for p in phones),
                "errors": dict(sum((p.errors for p in phones), Counter())),
                "received": [p.received for p in phones],
                "closed": closed,
                "cpu_share": round(share, 2),
            },
        )
    )
    await asyncio.gather(*(p.ws.close() for p in phones), return_exceptions=True)


@dataclass(frozen=True)
class Race:
    """Participants ``first`` .. ``first + people - 1`` each open ``sockets`` sockets with one
    cookie and, on go, send ``copies`` copies of one answer over them at once: half of them
    reusing one client id, half with new ids."""

    base: str
    code: str
    activity_id: int
    first: int
    people: int
    copies: int = 20
    sockets: int = 4


async def _race(race: Race, out: Any, go: Any) -> None:
    url = race.base.replace("http", "ws", 1) + f"/ws/{race.code}"
    async with _client(race.base) as client:

        async def join() -> str:
            response = await client.post(f"/api/join/{race.code}", json={})
            response.raise_for_status()
            return response.cookies[f"kring_{race.code}"]

        cookies = await asyncio.gather(*(join() for _ in range(race.people)))

    async def connect(cookie: str) -> Any:
        return await websockets.connect(
            url,
            origin=websockets.Origin(race.base),
            compression=None,
            additional_headers={"Cookie": f"kring_{race.code}={cookie}"},
            open_timeout=60,
        )

    sockets: list[list[Any]] = []
    for first in range(0, race.people, 50):
        batch = cookies[first : first + 50]
        opened = await asyncio.gather(*(connect(c) for c in batch for _ in range(race.sockets)))
        sockets += [opened[i : i + race.sockets] for i in range(0, len(opened), race.sockets)]
    out.put(("ready", len(sockets)))
    await _until(go)

    async def participant(index: int, group: list[Any]) -> list[dict[str, Any]]:
        n = race.first + index
        sent: list[list[str]] = [[] for _ in group]
        for copy in range(race.copies):
            client_id = f"p{n}-same" if copy % 2 else f"p{n}-{copy}"
            sent[copy % len(group)].append(client_id)
            message = {
                "type": "answer",
                "activity_id": race.activity_id,
                "slot": "0",
                "value": {"options": [n % 2]},
                "client_id": client_id,
            }
            await group[copy % len(group)].send(json.dumps(message))

        async def replies(ws: Any, expected: int) -> list[dict[str, Any]]:
            got: list[dict[str, Any]] = []
            while len(got) < expected:
                message = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if message["type"] in ("ack", "error") and str(message.get("client_id", "")).startswith(
                    f"p{n}-"
                ):
                    got.append(message)
            return got

        per_socket = await asyncio.gather(
            *(replies(ws, len(ids)) for ws, ids in zip(group, sent, strict=True))
        )
        return [reply for replies_ in per_socket for reply in replies_]

    results = await asyncio.gather(*(participant(i, group) for i, group in enumerate(sockets)))
    out.put(
        (
            "done",
            {
                "replies": Counter(
                    r["type"] if r["type"] == "ack" else r["code"] for group in results for r in group
                ),
                "entries": [
                    sorted({r["entry_id"] for r in group if r["type"] == "ack"}) for group in results
                ],
            },
        )
    )
    await asyncio.gather(*(ws.close() for group in sockets for ws in group), return_exceptions=True)


@dataclass(frozen=True)
class Flood:
    """One participant that, ``delay`` seconds after go, sends ``count`` answers into
    ``activity_id`` evenly over ``seconds``, and collects every reply."""

    base: str
    code: str
    activity_id: int
    count: int = 1000
    seconds: float = 10.0
    delay: float = 0.0


async def _flood(flood: Flood, out: Any, go: Any) -> None:
    plan = Plan(flood.base, flood.code, 1, flood.activity_id)
    async with _client(flood.base) as client:
        phone = await _join(client, plan, 0)
    replies: Counter[str] = Counter()

    async def read() -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in phone.ws:
                message = json.loads(raw)
                if message["type"] == "ack":
                    replies["ack"] += 1
                elif message["type"] == "error":
                    replies[message["code"]] += 1

    reader = asyncio.create_task(read())
    out.put(("ready", 1))
    await _until(go)
    await asyncio.sleep(flood.delay)
    start = time.monotonic()
    for n in range(flood.count):
        await asyncio.sleep(max(0.0, start + n * flood.seconds / flood.count - time.monotonic()))
        message = {
            "type": "answer",
            "activity_id": flood.activity_id,
            "slot": "0",
            "value": {"word": f"w{n}"},
            "client_id": f"f{n}",
        }
        await phone.ws.send(json.dumps(message))
    end = time.monotonic()
    for _ in range(400):  # every reply
        if sum(replies.values()) >= flood.count:
            break
        await asyncio.sleep(0.05)
    reader.cancel()
    out.put(("done", {"replies": dict(replies), "start": start, "end": end}))
    await phone.ws.close()


def _main(plan: Plan | Race | Flood, out: Any, go: Any, stop: Any) -> None:
    if isinstance(plan, Race):
        asyncio.run(_race(plan, out, go))
    elif isinstance(plan, Flood):
        asyncio.run(_flood(plan, out, go))
    else:
        asyncio.run(_run(plan, out, go, stop))


class Crowd:
    """``async with Crowd(plans) as crowd``: every process has joined and connected its phones;
    ``crowd.go()`` starts the answering, ``await crowd.finish()`` stops it and collects."""

    def __init__(self, plans: list[Plan] | list[Race] | list[Plan | Flood]) -> None:
        ctx = mp.get_context("spawn")
        self.out, self._go, self._stop = ctx.Queue(), ctx.Event(), ctx.Event()
        self.processes = [
            ctx.Process(target=_main, args=(plan, self.out, self._go, self._stop), daemon=True)
            for plan in plans
        ]

    async def _get(self, timeout: float) -> tuple[str, Any]:
        loop = asyncio.get_running_loop()
        item: tuple[str, Any] = await loop.run_in_executor(None, self.out.get, True, timeout)
        return item

    async def __aenter__(self) -> Crowd:
        for process in self.processes:
            process.start()
        for _ in self.processes:
            kind, _count = await self._get(120)
            assert kind == "ready"
        return self

    def go(self) -> None:
        self._go.set()

    async def finish(self) -> list[dict[str, Any]]:
        self._go.set()
        self._stop.set()
        results = [(await self._get(60))[1] for _ in self.processes]
        for process in self.processes:
            process.join(10)
        return results

    async def __aexit__(self, *_exc: object) -> None:
        for process in self.processes:
            if process.is_alive():
                process.kill()
                process.join(5)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")
