"""Phones in a check-out: each adds its word, then steps in on 3 others', found as a person would.

The first step-in goes to a word in the phone's own bounded list (the last state or results frame
it got); the other two to words of random other phones that are in, found by typing part of them
(`find`), as someone who heard a word said in the circle would. Each phone waits for every reply before
its next step, with a pause to think in between; the phones start at a fixed rate.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from array import array
from typing import TYPE_CHECKING, Any

from picows import WSMsgType

if TYPE_CHECKING:
    from bench.loadgen import Generator, Phone

STEP_INS = 3
FIND_TRIES = 3
REPLY_TIMEOUT = 30.0  # seconds: a reply later than this counts as a timeout


def word_of(index: int) -> str:
    return f"woord{index:05d}"


async def run(
    generator: Generator,
    activity: int,
    hall: int,
    rate: float,
    think: tuple[float, float] = (0.5, 2.0),
) -> dict[str, Any]:
    """This process's phones add a word each (starting at ``rate`` per second), then step in on
    3 others' words; ``hall`` is how many phones all processes have (the words one may look for)."""
    rng = random.Random(generator.worker)
    tally: dict[str, int] = {"words": 0, "stepins": 0, "via_list": 0, "via_find": 0, "timeouts": 0}
    finds = array("d")
    heard: list[int] = []  # phones of this process whose word is in
    phones = [p for p in generator.phones if p.transport is not None]
    start = time.perf_counter() + 0.05

    async def request(phone: Phone, slot: str, value: dict[str, Any]) -> dict[str, Any] | None:
        if phone.transport is None:
            return None
        client_id = f"{phone.index}.{generator.sent}"
        generator.sent += 1
        waiter = asyncio.get_running_loop().create_future()
        phone.replies[client_id] = waiter
        phone.sent[client_id] = (time.time(), word_of(phone.index))
        message = {"type": "answer", "activity_id": activity, "slot": slot, "value": value}
        message["client_id"] = client_id
        phone.transport.send(WSMsgType.TEXT, json.dumps(message).encode())
        try:
            return await asyncio.wait_for(waiter, REPLY_TIMEOUT)
        except TimeoutError:
            tally["timeouts"] += 1
            phone.replies.pop(client_id, None)
            return None

    async def find(phone: Phone, query: str) -> list[dict[str, Any]]:
        if phone.transport is None:
            return []
        phone.finding = asyncio.get_running_loop().create_future()
        sent = time.perf_counter()
        message = {"type": "find", "activity_id": activity, "query": query}
        phone.transport.send(WSMsgType.TEXT, json.dumps(message).encode())
        try:
            found = await asyncio.wait_for(phone.finding, REPLY_TIMEOUT)
        except TimeoutError:
            tally["timeouts"] += 1
            return []
        finally:
            phone.finding = None
        finds.append(time.perf_counter() - sent)
        words: list[dict[str, Any]] = found["words"]
        return words

    def listed(phone: Phone) -> list[dict[str, Any]]:
        try:
            results = json.loads(phone.latest).get("results") or {}
        except ValueError:
            return []
        return list(results.get("words", []))

    async def one(order: int, phone: Phone) -> None:
        await asyncio.sleep(max(0.0, start + order / rate - time.perf_counter()) if rate > 0 else 0)
        own = word_of(phone.index)
        reply = await request(phone, "word", {"word": own})
        if reply is None or reply["type"] != "ack":
            return
        tally["words"] += 1
        heard.append(phone.index)
        chosen: set[int] = {reply["entry_id"]}
        for step in range(STEP_INS):
            await asyncio.sleep(rng.uniform(*think))
            target, via = None, "via_list"
            if step == 0:
                candidates = [w["id"] for w in listed(phone) if w["id"] not in chosen]
                target = rng.choice(candidates) if candidates else None
            for _ in range(FIND_TRIES if target is None else 0):
                # Typing part of a word heard in the circle (its 5 digits): a word this process's
                # phones have had acknowledged, or any phone's when none is yet (no match, then).
                other = rng.choice(heard) if len(heard) > 1 else rng.randrange(hall)
                if other == phone.index:
                    continue
                matches = [w["id"] for w in await find(phone, f"{other:05d}") if w["id"] not in chosen]
                if matches:
                    target, via = matches[0], "via_find"
                    break
            if target is None:  # that phone has no word (yet): nothing to step in on this time
                continue
            chosen.add(target)
            reply = await request(phone, f"in:{target}", {})
            if reply is not None and reply["type"] == "ack":
                tally["stepins"] += 1
                tally[via] += 1

    await asyncio.gather(*(one(order, phone) for order, phone in enumerate(phones)))
    return {**tally, "find_seconds": finds.tobytes()}
