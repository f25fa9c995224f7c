"""A whole meeting over real sockets: 1 presenter, 50 phones, every kind of the demo, exact results."""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.kinds.bounds import CHECKOUT_NEWEST, CHECKOUT_TOP
from tests.conftest import migrated_sqlite_url
from tests.support import Phone, Screen, create_meeting, host, live_server

pytestmark = pytest.mark.e2e

PHONES = 50
VOCABULARY = [
    "Samenwerking",
    " samenwerking",
    "SAMENWERKING ",
    "Vertrouwen",
    "vertrouwen",
    "Leren",
    "Verbinding",
    "verbinding  ",
    "Inclusie",
    "Energie",
    "Plezier",
    "Groei",
]


def norm(word: str) -> str:
    return unicodedata.normalize("NFC", " ".join(word.split())).casefold()


class Ledger:
    """What the server acknowledged, replayed into final rows: the truth the screen must show."""

    def __init__(self) -> None:
        self.rows: dict[tuple[int, int, str], tuple[int | None, dict[str, Any]]] = {}
        self.acked = 0
        self.entry_owner: dict[int, int] = {}

    def record(self, phone: int, ack: dict[str, Any]) -> None:
        assert ack["type"] == "ack", ack
        self.acked += 1
        key = (ack["activity_id"], phone, ack["slot"])
        if ack["withdrawn"]:
            self.rows.pop(key, None)
            if ack["slot"] == "word":  # a withdrawn word takes its step-ins along
                for other in [k for k in self.rows if k[0] == key[0] and k[2].startswith("in:")]:
                    owner = self.entry_owner.get(int(other[2][3:]))
                    if owner == phone:
                        self.rows.pop(other)
        else:
            self.rows[key] = (ack["entry_id"], ack["value"])
            if ack["entry_id"] is not None:
                self.entry_owner[ack["entry_id"]] = phone

    def of(self, activity_id: int) -> list[tuple[int, str, int | None, dict[str, Any]]]:
        return [(k[1], k[2], v[0], v[1]) for k, v in self.rows.items() if k[0] == activity_id]


def expected(
    kind: str, settings: dict[str, Any], rows: list[tuple[int, str, int | None, dict[str, Any]]]
) -> Any:
    if kind == "open":
        return sorted(p["text"] for _, _, _, p in rows)
    if kind == "wordcloud":
        return dict(Counter(norm(p["word"]) for _, _, _, p in rows))
    if kind == "scales":
        out = []
        for index in range(len(settings["statements"])):
            values = [p["value"] for _, slot, _, p in rows if slot == str(index)]
            distribution = [values.count(v) for v in range(settings["min"], settings["max"] + 1)]
            mean = round(sum(values) / len(values), 2) if values else None
            out.append((len(values), distribution, mean))
        return out
    if kind == "choice":
        counts = Counter(o for _, _, _, p in rows for o in p["options"])
        return [counts.get(i, 0) for i in range(len(settings["options"]))]
    if kind == "quiz":  # until the reveal the big screen shows how many answered, not what
        return len(rows)
    if kind == "checkout":
        stepins = Counter(int(slot[3:]) for _, slot, _, _ in rows if slot.startswith("in:"))
        return sorted(
            (entry, p["word"], stepins.get(entry, 0)) for _, slot, entry, p in rows if slot == "word"
        )
    if kind == "grid":
        out = []
        for index in range(len(settings["items"])):
            placed = [p for _, slot, _, p in rows if slot == str(index)]
            n = len(placed)
            item: list[Any] = [n]
            for axis in ("x", "y"):
                values = [p[axis] for p in placed]
                total, squares = sum(values), sum(v * v for v in values)
                item.append(round(total / n, 2) if n else None)  # the mean: the dot on the screen
                # The spread, one standard deviation: √(Σ(v − mean)² / n), here in whole numbers.
                item.append(round(math.sqrt(n * squares - total * total) / n, 2) if n else None)
            out.append(tuple(item))
        return out
    if kind == "ranking":  # per item: Borda score and the distribution of its ranks
        n = len(settings["items"])
        places = [(item, rank) for _, _, _, p in rows for rank, item in enumerate(p["order"], 1)]
        return {
            i: (
                sum(n + 1 - rank for item, rank in places if item == i),
                [places.count((i, rank)) for rank in range(1, n + 1)],
            )
            for i in range(n)
        }
    if kind == "points":  # per option: total and how many gave it anything
        return {
            i: (sum(p["points"][i] for _, _, _, p in rows), sum(1 for _, _, _, p in rows if p["points"][i]))
            for i in range(len(settings["options"]))
        }
    raise AssertionError(kind)


def shown(kind: str, results: dict[str, Any]) -> Any:
    if kind == "open":
        return sorted(a["text"] for a in results["answers"])
    if kind == "wordcloud":
        return {w["key"]: w["count"] for w in results["words"]}
    if kind == "scales":
        return [(s["count"], s["distribution"], s["mean"]) for s in results["statements"]]
    if kind == "choice":
        return [o["count"] for o in results["options"]]
    if kind == "quiz":
        assert results["correct"] == [] and all(o["count"] is None for o in results["options"])
        return results["respondents"]
    if kind == "checkout":
        return sorted((w["id"], w["text"], w["stepins"]) for w in results["words"])
    if kind == "grid":
        return [(i["count"], i["x"], i["sd_x"], i["y"], i["sd_y"]) for i in results["items"]]
    if kind == "ranking":
        scores = [item["score"] for item in results["items"]]
        assert scores == sorted(scores, reverse=True), "bars sorted by score"
        return {item["index"]: (item["score"], item["distribution"]) for item in results["items"]}
    if kind == "points":
        return {o["index"]: (o["total"], o["givers"]) for o in results["options"]}
    raise AssertionError(kind)


class Scenario:
    def __init__(self, base: str, meeting: dict[str, Any]) -> None:
        self.base = base
        self.meeting = meeting
        self.code = meeting["code"]
        self.ledger = Ledger()
        self.phones = [
            Phone(base, self.code, nickname=f"Deelnemer {i}" if i % 2 else None) for i in range(PHONES)
        ]
        self.rng = random.Random(20261124)
        self.counter = 0
        self.answer_seconds = 0.0
        self.max_v = 0

    def cid(self, phone: int) -> str:
        self.counter += 1
        return f"p{phone}-{self.counter}"

    async def send(
        self, phone: int, activity_id: int, slot: str, value: dict[str, Any] | None
    ) -> dict[str, Any]:
        started = time.perf_counter()
        client_id = self.cid(phone)
        if value is None:
            reply = await self.phones[phone].withdraw(activity_id, slot, client_id)
        else:
            reply = await self.phones[phone].answer(activity_id, slot, value, client_id)
        self.answer_seconds += time.perf_counter() - started
        if reply["type"] == "ack":
            self.ledger.record(phone, reply)
            self.max_v = max(self.max_v, reply["v"])
        return reply

    async def everyone(self, fn: Any) -> None:
        await asyncio.gather(*(fn(i) for i in range(PHONES)))


async def run_activity(s: Scenario, http: httpx.Client, screen: Screen, activity: dict[str, Any]) -> None:
    aid, kind, settings = activity["id"], activity["kind"], activity["settings"]
    http.post(f"/activities/{aid}/open").raise_for_status()
    await asyncio.gather(
        *(
            p.wait_for(
                lambda m: (
                    m["type"] == "state"
                    and m["activity"]
                    and m["activity"]["id"] == aid
                    and m["activity"]["status"] == "open"
                )
            )
            for p in s.phones
        )
    )
    rng = s.rng

    if kind == "open":

        async def phone(i: int) -> None:
            assert (await s.send(i, aid, "0", {"text": f"Ik verwacht inspiratie nummer {i % 9}"}))[
                "type"
            ] == "ack"
            if i % 5 == 0:  # change of mind: replaces, never adds
                assert (await s.send(i, aid, "0", {"text": f"Eigenlijk: elkaar ontmoeten ({i})"}))[
                    "type"
                ] == "ack"
            if i % 11 == 3:
                assert (await s.send(i, aid, "0", None))["type"] == "ack"

        await s.everyone(phone)
        # The same client id again: acknowledged again, counted once.
        p0 = s.phones[0]
        first = next(cid for cid, a in p0.acks.items() if a["activity_id"] == aid)
        original = p0.acks[first]
        again = await p0.answer(aid, original["slot"], original["value"], first)
        assert again["duplicate"] is True and again["entry_id"] == original["entry_id"]
        bad = await p0.answer(aid, "0", {"text": "x" * 281}, s.cid(0))
        assert bad["code"] == "text_too_long"
    elif kind == "wordcloud":

        async def phone(i: int) -> None:
            for slot in range(1 + i % 3):
                assert (await s.send(i, aid, str(slot), {"word": rng.choice(VOCABULARY)}))["type"] == "ack"
            if i % 7 == 0:
                assert (await s.send(i, aid, "0", None))["type"] == "ack"

        await s.everyone(phone)
        bad = await s.phones[1].answer(aid, "0", {"word": "   "}, s.cid(1))
        assert bad["code"] == "text_empty"
    elif kind == "scales":

        async def phone(i: int) -> None:
            picks = rng.sample(range(len(settings["statements"])), 3)
            for index in picks:
                assert (await s.send(i, aid, str(index), {"value": rng.randint(1, 5)}))["type"] == "ack"
            if i % 4 == 0:
                assert (await s.send(i, aid, str(picks[0]), {"value": 5}))["type"] == "ack"
            rest = [x for x in range(len(settings["statements"])) if x not in picks]
            over = await s.send(i, aid, str(rest[0]), {"value": 3})
            assert over["code"] == "too_many_picks"
            if i % 6 == 0:  # skip one again
                assert (await s.send(i, aid, str(picks[1]), None))["type"] == "ack"

        await s.everyone(phone)
        bad = await s.phones[2].answer(aid, "0", {"value": 6}, s.cid(2))
        assert bad["code"] == "value_out_of_range"
    elif kind == "choice":

        async def phone(i: int) -> None:
            assert (await s.send(i, aid, "0", {"options": [i % len(settings["options"])]}))["type"] == "ack"
            if i % 3 == 0:
                assert (await s.send(i, aid, "0", {"options": [0]}))["type"] == "ack"

        await s.everyone(phone)
        bad = await s.phones[3].answer(aid, "0", {"options": [0, 1]}, s.cid(3))
        assert bad["code"] == "too_many_options"
    elif kind == "checkout":

        async def word(i: int) -> None:
            assert (await s.send(i, aid, "word", {"word": f"woord {i % 17}"}))["type"] == "ack"

        await s.everyone(word)
        entries = {
            i: s.phones[i].acks[c]["entry_id"]
            for i in range(PHONES)
            for c, a in s.phones[i].acks.items()
            if a["activity_id"] == aid and a["slot"] == "word"
        }
        # Phones see the circle has every word before stepping in: a phone's list is bounded (the
        # words most stepped in on and the newest), its ``total`` counts them all.
        seen = await asyncio.gather(
            *(
                p.wait_for(
                    lambda m: (
                        (m["type"] in ("results", "state"))
                        and m.get("results")
                        and m["results"].get("total") == PHONES
                    )
                )
                for p in s.phones
            )
        )
        bound = CHECKOUT_TOP + CHECKOUT_NEWEST
        sizes = [len(m["results"]["words"]) for m in seen]
        assert max(sizes) <= bound, sizes

        async def step(i: int) -> None:
            others = [e for j, e in entries.items() if j != i]
            for entry in rng.sample(others, 4):
                assert (await s.send(i, aid, f"in:{entry}", {}))["type"] == "ack"
            if i % 5 == 0:
                target = rng.choice(others)
                twice = await s.send(i, aid, f"in:{target}", {})
                if twice["type"] == "ack":
                    again = await s.send(i, aid, f"in:{target}", {})
                    assert again["code"] == "already_stepped_in"
                    assert (await s.send(i, aid, f"in:{target}", None))["type"] == "ack"  # step out
                else:
                    assert twice["code"] == "already_stepped_in"
            own = await s.send(i, aid, f"in:{entries[i]}", {})
            assert own["code"] == "own_word"

        await s.everyone(step)
    elif kind == "grid":
        items = len(settings["items"])

        async def phone(i: int) -> None:
            places = rng.sample(range(items), 2 + i % 2)
            for index in places:
                value = {"x": rng.randint(1, 10), "y": rng.randint(1, 10)}
                assert (await s.send(i, aid, str(index), value))["type"] == "ack"
            if i % 4 == 0:  # moved: the new place replaces the old
                assert (await s.send(i, aid, str(places[0]), {"x": 10, "y": 1}))["type"] == "ack"
            if i % 6 == 0:  # taken off the grid again
                assert (await s.send(i, aid, str(places[1]), None))["type"] == "ack"

        await s.everyone(phone)
        bad = await s.phones[2].answer(aid, "0", {"x": 5, "y": 11}, s.cid(2))
        assert bad["code"] == "value_out_of_range"
        bad = await s.phones[2].answer(aid, str(items), {"x": 5, "y": 5}, s.cid(2))
        assert bad["code"] == "unknown_item"
    elif kind == "ranking":

        async def phone(i: int) -> None:
            order = rng.sample(range(len(settings["items"])), len(settings["items"]))
            assert (await s.send(i, aid, "0", {"order": order}))["type"] == "ack"
            if i % 4 == 0:  # a change of mind: the first two swap places
                order[0], order[1] = order[1], order[0]
                assert (await s.send(i, aid, "0", {"order": order}))["type"] == "ack"

        await s.everyone(phone)
        bad = await s.phones[4].answer(aid, "0", {"order": [0, 1]}, s.cid(4))
        assert bad["code"] == "ranking_incomplete"
    elif kind == "points":

        async def phone(i: int) -> None:
            given = [0] * len(settings["options"])
            for _ in range(rng.randint(1, settings["budget"])):
                given[rng.randrange(len(given))] += 1
            assert (await s.send(i, aid, "0", {"points": given}))["type"] == "ack"
            if i % 9 == 0:
                assert (await s.send(i, aid, "0", None))["type"] == "ack"

        await s.everyone(phone)
        over = [settings["budget"], 1] + [0] * (len(settings["options"]) - 2)
        bad = await s.phones[6].answer(aid, "0", {"points": over}, s.cid(6))
        assert bad["code"] == "points_over_budget"

    elif kind == "quiz":

        async def play(i: int) -> None:
            assert (await s.send(i, aid, "0", {"options": [i % len(settings["options"])]}))["type"] == "ack"
            again = await s.send(i, aid, "0", {"options": [0]})
            assert again["code"] == "answer_locked"

        await s.everyone(play)

    # The presenter's latest snapshot equals, exactly, what was acknowledged.
    snapshot = await screen.until(
        lambda m: m["activity"] and m["activity"]["id"] == aid and m["v"] >= s.max_v
    )
    want = expected(kind, settings, s.ledger.of(aid))
    assert shown(kind, snapshot["results"]) == want
    assert snapshot["responses"] == len(s.ledger.of(aid))

    http.post(f"/activities/{aid}/close").raise_for_status()
    await s.phones[5].wait_for(
        lambda m: (
            m["type"] == "state"
            and m["activity"]
            and m["activity"]["id"] == aid
            and m["activity"]["status"] == "closed"
        )
    )
    too_late: dict[str, dict[str, Any]] = {
        "open": {"text": "te laat"},
        "wordcloud": {"word": "laat"},
        "checkout": {"word": "laat"},
        "scales": {"value": 1},
        "choice": {"options": [0]},
        "grid": {"x": 1, "y": 1},
        "ranking": {"order": list(range(len(settings.get("items", []))))},
        "points": {"points": [1] + [0] * (len(settings.get("options", [])) - 1)},
        "quiz": {"options": [0]},
    }
    late = await s.phones[5].answer(aid, "0" if kind != "checkout" else "word", too_late[kind], s.cid(5))
    assert late["code"] == "activity_closed"


async def rejoin(s: Scenario, indices: list[int], activity_id: int) -> None:
    """Drop and reconnect with the same cookie: the same participant, answers intact."""
    for i in indices:
        phone = s.phones[i]
        before = {slot for (a, p, slot) in s.ledger.rows if a == activity_id and p == i}
        await phone.disconnect()
        phone.inbox.clear()
        await phone.join()
        await phone.connect()
        mine = await phone.wait_for(lambda m: m["type"] == "mine")
        assert set(mine["answers"]) == before


async def test_meeting_end_to_end_fifty_phones(tmp_path: Path) -> None:
    with live_server(migrated_sqlite_url(tmp_path)) as server:
        meeting = create_meeting(server.base, title="Lerend netwerk Inclusie", theme="Inclusie", demo=True)
        http = host(server.base, meeting)
        screen = await Screen.open(server.base, meeting["code"], meeting["presenter_key"])
        s = Scenario(server.base, meeting)
        for phone in s.phones:
            await phone.join()
        await asyncio.gather(*(p.connect() for p in s.phones))
        await screen.until(lambda m: m["participants"] == PHONES)

        started = time.perf_counter()
        activities = meeting["activities"]
        assert [a["kind"] for a in activities] == [
            "open",
            "wordcloud",
            "scales",
            "choice",
            "grid",
            "ranking",
            "points",
            "quiz",
            "quiz",
            "checkout",
        ]
        for number, activity in enumerate(activities):
            await run_activity(s, http, screen, activity)
            if number == 1:
                await rejoin(s, [4, 9, 16, 25, 36], activities[1]["id"])
        elapsed = time.perf_counter() - started

        # After the run, a fresh presenter gets the full state at once.
        late = await Screen.open(server.base, meeting["code"], meeting["host_key"])
        first = await late.until(lambda m: True)
        assert first["participants"] == PHONES
        await late.close()

        figures = {
            "participants": PHONES,
            "acknowledged_answers": s.ledger.acked,
            "scenario_seconds": round(elapsed, 2),
            "answers_per_second": round(s.ledger.acked / elapsed, 1),
        }
        print("\nE2E figures:", json.dumps(figures))
        for phone in s.phones:
            await phone.disconnect()
        await screen.close()
        http.close()
