"""The reactions flood: every phone taps reactions at a steady rate while answers go on.

Generator side (``start``/``done``, commands of bench.loadgen): each process's phones tap in turn,
so each phone sends ``per_phone`` taps a second. Coordinator side (``flood``): the answers' ack
latency during the flood, the big screen's frames per second, and the taps it was shown.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import numpy as np
from picows import WSMsgType

if TYPE_CHECKING:
    from bench.loadgen import Generator
    from bench.scenarios import Run

NAMES = ("thumbs_up", "heart", "laugh", "wow", "clap", "question")
FRAMES = [f'{{"type":"react","reaction":"{name}"}}'.encode() for name in NAMES]
_TASKS: dict[int, asyncio.Task[dict[str, Any]]] = {}


async def _tap(generator: Generator, per_phone: float, seconds: float) -> dict[str, Any]:
    phones = [p for p in generator.phones if p.transport is not None and not p.stalled]
    if not phones or per_phone <= 0:
        return {"taps_sent": 0}
    rate = per_phone * len(phones)
    started = time.perf_counter()
    end = started + seconds
    n = sent = 0
    while (now := time.perf_counter()) < end:
        due = int((now - started) * rate)
        while n < due:
            phone = phones[n % len(phones)]
            if phone.transport is not None:
                phone.transport.send(WSMsgType.TEXT, FRAMES[(n // len(phones)) % len(FRAMES)])
                sent += 1
            n += 1
        await asyncio.sleep(0.005)
    return {"taps_sent": sent}


def start(generator: Generator, per_phone: float, seconds: float) -> dict[str, Any]:
    """Start tapping in the background (the answers run meanwhile); ``done`` collects."""
    _TASKS[generator.worker] = asyncio.create_task(_tap(generator, per_phone, seconds))
    return {"ok": True}


async def done(generator: Generator) -> dict[str, Any]:
    return await _TASKS.pop(generator.worker)


def _shown(
    r: Run, before: dict[str, Any], taps: int, timeout: float = 30.0
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fleet's summary and the screen's records once the screen shows ``taps`` taps less those
    refused (the server may still be working through the last ones, and shows them a tick after),
    or after ``timeout``: taps that never arrive are counted missing, not waited for forever."""
    deadline = time.monotonic() + timeout
    while True:
        after = r.fleet.summary()
        refused = after["errors"].get("rate_limited", 0) - before["errors"].get("rate_limited", 0)
        screen: dict[str, Any] = r.screen.all("screen_records")[0]
        if screen["taps"] >= taps - refused or time.monotonic() > deadline:
            return after, screen
        time.sleep(0.05)


def flood(r: Run, per_phone: float, seconds: float, answer_rate: float) -> dict[str, Any]:
    """``per_phone`` taps a second from every phone for ``seconds``, with answers at
    ``answer_rate`` per second in the same window."""
    from bench import scenarios as s  # the scenarios import this module's neighbours

    before = r.fleet.summary()
    screen_before = r.screen.all("screen_records")[0]
    shown_before = len(screen_before["arrivals"]) // 8
    started = time.time()
    r.fleet.all("react_start", per_phone=per_phone, seconds=seconds)
    answered = s.answering(r, answer_rate, seconds)
    taps_sent = sum(part["taps_sent"] for part in r.fleet.all("react_done", wait=seconds + 120))
    after, screen = _shown(r, before, screen_before["taps"] + taps_sent)
    arrivals = np.frombuffer(screen["arrivals"], dtype=float)[shown_before:]
    window = arrivals[(arrivals >= started) & (arrivals < started + seconds)]
    per_second = np.bincount((window - started).astype(int), minlength=int(seconds))
    refused = after["errors"].get("rate_limited", 0) - before["errors"].get("rate_limited", 0)
    phones = after["connected"]
    return {
        "reaction_phones": phones,
        "taps_per_phone_per_s": per_phone,
        "reaction_seconds": seconds,
        "taps_sent": taps_sent,
        "taps_refused": refused,
        "taps_on_screen": screen["taps"] - screen_before["taps"],
        "screen_frames": int(window.size),
        "screen_frames_per_s": round(window.size / seconds, 1),
        "screen_frames_max_per_s": int(per_second.max()) if per_second.size else 0,
        "reconnects": before["connected"] - phones,
        **{
            k: v
            for k, v in answered.items()
            if k.startswith(("ack_", "answers_", "lost", "tally_", "server_cpu"))
        },
    }
