"""A quiz question to a full hall: the server's deadline, the leaderboard, and the reveal.

Generator side (``play``, a command of bench.loadgen): nine in ten phones answer at a random
moment before the deadline (right or wrong), one in ten after it; each waits for its reply.
``own`` reads each phone's last ``mine`` frame (its own score and rank after the reveal).
Coordinator side (``question``): opens a quiz question, lets the phones play, closes it (the
reveal) and measures when the reveal (the right answer and the top 10) reached each phone; then
recounts the leaderboard from the acknowledged answers and holds it against what the server
shows, the top 10 on the remote and every phone's own total and rank.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from typing import TYPE_CHECKING, Any

import numpy as np
from picows import WSMsgType

if TYPE_CHECKING:
    from bench.loadgen import Generator, Phone
    from bench.scenarios import Run

OPTIONS = ["Vertrouwen, veiligheid, veerkracht, verbinding", "Snelheid", "Visie", "Volume"]
CORRECT = [0]
LATE_SHARE = 10  # one phone in this many answers after the deadline
MARGIN = 1.0  # seconds kept clear on either side of the deadline
REPLY_TIMEOUT = 30.0


def speed_points(ms: int, seconds: int) -> int:
    """The scoring rule as docs/api.md states it, written out again here: the recount's own."""
    span = seconds * 1000
    return round(1000 - 500 * min(max(ms, 0), span) / span)


async def play(generator: Generator, activity: int, opened: float, deadline: float) -> dict[str, Any]:
    """This process's phones answer once each: early ones between ``opened`` and ``deadline`` less
    a margin, late ones after ``deadline`` plus a margin (wall-clock times of this machine)."""
    rng = random.Random(1000 + generator.worker)
    phones = [p for p in generator.phones if p.transport is not None]
    answers: list[dict[str, Any]] = []

    async def one(phone: Phone) -> None:
        late = phone.index % LATE_SHARE == LATE_SHARE - 1
        at = (
            rng.uniform(deadline + MARGIN, deadline + 2 * MARGIN)
            if late
            else rng.uniform(opened + 0.2, deadline - MARGIN)
        )
        await asyncio.sleep(max(0.0, at - time.time()))
        if phone.transport is None:
            return
        option = CORRECT[0] if rng.random() < 0.6 else rng.randrange(1, len(OPTIONS))
        client_id = f"q{phone.index}"
        waiter = asyncio.get_running_loop().create_future()
        phone.replies[client_id] = waiter
        message = {
            "type": "answer",
            "activity_id": activity,
            "client_id": client_id,
            "slot": "0",
            "value": {"options": [option]},
        }
        sent = time.time()
        phone.transport.send(WSMsgType.TEXT, json.dumps(message).encode())
        try:
            reply = await asyncio.wait_for(waiter, REPLY_TIMEOUT)
        except TimeoutError:
            reply = {"type": "timeout"}
            phone.replies.pop(client_id, None)
        answers.append(
            {
                "phone": phone.index,
                "late": late,
                "sent": sent,
                "reply": reply["type"],
                "code": reply.get("code"),
                "value": reply.get("value"),
            }
        )

    await asyncio.gather(*(one(phone) for phone in phones))
    return {"answers": answers}


def own(generator: Generator) -> dict[str, Any]:
    """Each phone's own score and rank from its last ``mine`` frame."""
    found = {}
    for phone in generator.phones:
        if phone.mine:
            frame = json.loads(phone.mine)
            found[phone.index] = frame.get("own")
    return {"own": found}


def question(r: Run, seconds: int = 20) -> dict[str, Any]:
    from bench import scenarios as s  # the scenarios import this module's neighbours

    activity = r.facilitator.activity("quiz", options=OPTIONS, correct=CORRECT, seconds=seconds)
    before_open = time.time()
    r.facilitator.open(activity)
    after_open = time.time()
    # The server stamped its deadline between these two moments: early answers are sent before
    # the first possible deadline, late ones after the last.
    played = r.fleet.all(
        "quiz_play",
        activity=activity,
        opened=after_open,
        deadline=before_open + seconds,
        wait=seconds + REPLY_TIMEOUT + 30,
    )
    answers = [a for part in played for a in part["answers"]]
    time.sleep(0.5)
    since = time.time()
    r.fleet.all("watch", since=since, marker='"phase":"reveal"')
    r.facilitator.post(f"/activities/{activity}/close")
    seen: list[float] = []
    missing = 0
    for result in r.fleet.all("watched", timeout=15.0):
        seen.extend((np.frombuffer(result["seen"], dtype=float) * 1000).tolist())
        missing += result["missing"]
    time.sleep(0.5)  # the mine frames of the same flush
    owns: dict[int, Any] = {}
    for part in r.fleet.all("quiz_own"):
        owns.update({int(k): v for k, v in part["own"].items()})
    results = r.facilitator.results(activity)["results"]
    early = [a for a in answers if not a["late"]]
    late = [a for a in answers if a["late"]]
    # The recount: every acknowledged answer scored by the documented rule, from its stored ms.
    totals = {
        a["phone"]: speed_points(a["value"]["ms"], seconds) if a["value"]["options"] == CORRECT else 0
        for a in answers
        if a["reply"] == "ack"
    }
    ranked = sorted(totals.values(), reverse=True)
    shown = [(e["rank"], e["total"]) for e in results["standings"]["top"]]
    want = [(1 + sum(1 for t in ranked if t > total), total) for total in ranked[:10]]
    own_wrong = sum(
        1
        for phone, total in totals.items()
        if not owns.get(phone)
        or owns[phone]["total"] != total
        or owns[phone]["rank"] != 1 + sum(1 for t in ranked if t > total)
    )
    return {
        "quiz_phones": len(answers),
        "quiz_seconds": seconds,
        "early_sent": len(early),
        "early_acked": sum(1 for a in early if a["reply"] == "ack"),
        "early_refused": {
            code: sum(1 for a in early if a["code"] == code)
            for code in {a["code"] for a in early if a["code"]}
        },
        "late_sent": len(late),
        "late_refused_too_late": sum(1 for a in late if a["code"] == "too_late"),
        "late_acked": sum(1 for a in late if a["reply"] == "ack"),
        "timeouts": sum(1 for a in answers if a["reply"] == "timeout"),
        "players": results["standings"]["players"],
        "right": results["right"],
        "right_recounted": sum(
            1 for a in answers if a["reply"] == "ack" and a["value"]["options"] == CORRECT
        ),
        "leaderboard_exact": shown == want and results["standings"]["players"] == len(totals),
        "own_rank_wrong": own_wrong,
        "reveal_p50_ms": s.pct(seen, 50),
        "reveal_p99_ms": s.pct(seen, 99),
        "reveal_last_phone_ms": round(max(seen), 1) if seen else None,
        "reveal_missing": missing,
    }


def measure(rows: list[dict[str, Any]]) -> tuple[str, str, bool | None]:
    """The quiz row of docs/benchmarks.md's targets table."""
    row = next((r for r in rows if r.get("suite") == "quiz"), None)
    if row is None or "reveal_p99_ms" not in row:
        return "not measured" if row is None else f"not measured: {row.get('error', 'stopped')}", "—", None
    text = (
        f"{row['quiz_phones']:,} phones, {row['quiz_seconds']} s: {row['early_acked']:,} of "
        f"{row['early_sent']:,} answers before the deadline counted, {row['late_refused_too_late']:,} of "
        f"{row['late_sent']:,} after it refused (too_late); leaderboard equals the recount: "
        f"{'yes' if row['leaderboard_exact'] else 'NO'}, own ranks wrong: {row['own_rank_wrong']}; "
        f"reveal + top 10 p50 {row['reveal_p50_ms']} ms, p99 {row['reveal_p99_ms']} ms, last phone "
        f"{row['reveal_last_phone_ms']} ms, {row['reveal_missing']} missing"
    )
    met = (
        row["early_acked"] == row["early_sent"]
        and row["late_acked"] == 0
        and row["late_refused_too_late"] == row["late_sent"]
        and bool(row["leaderboard_exact"])
        and row["own_rank_wrong"] == 0
        and row["reveal_missing"] == 0
        and row["reveal_p99_ms"] is not None
        and row["reveal_p99_ms"] <= 500
    )
    return text, "—", met
