"""The benchmark scenarios. Each starts a real server, drives phones from generator processes
and returns one row of measured figures; nothing here asserts a target (bench.report does)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from bench.fleet import Fleet
from bench.server import Facilitator, Server, Stat


def pct(values: Any, p: float) -> float | None:
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return None
    return round(float(np.percentile(data, p)), 1)


@dataclass
class Run:
    server: Server
    fleet: Fleet
    screen: Fleet
    facilitator: Facilitator
    activity: int
    naive: bool


@contextlib.contextmanager
def run(
    *,
    processes: int = 2,
    addresses: int = 1,
    naive: bool = False,
    workers: int = 1,
    database_url: str | None = None,
    broadcast_url: str | None = None,
    phones_see_results: bool = False,
    env: dict[str, str] | None = None,
    kind: str = "wordcloud",
) -> Iterator[Run]:
    server = Server(
        naive=naive, workers=workers, database_url=database_url, broadcast_url=broadcast_url, env=env
    )
    fleet = screen = facilitator = None
    try:
        facilitator = Facilitator(server.base)
        activity = facilitator.activity(kind, **({"max_entries": 1} if kind == "wordcloud" else {}))
        facilitator.open(activity)
        if phones_see_results:
            facilitator.visibility(activity, phones=True)
        fleet = Fleet(server.base, processes, addresses)
        screen = Fleet(server.base, 1)
        screen.all("screen", code=facilitator.code, key=facilitator.presenter_key, deflate=naive)
        yield Run(server, fleet, screen, facilitator, activity, naive)
    finally:
        for part in (fleet, screen):
            if part is not None:
                with contextlib.suppress(Exception):
                    part.close()
        if facilitator is not None:
            facilitator.close()
        server.stop()


# -- phases ----------------------------------------------------------------------------------


def tcp_counters() -> dict[str, int]:
    """The kernel's TcpExt counters (machine-wide; on this box only our loopback traffic moves them)."""
    text = Path("/proc/net/netstat").read_text()
    lines = [line.split() for line in text.splitlines() if line.startswith("TcpExt:")]
    return dict(zip(lines[0][1:], map(int, lines[1][1:]), strict=True)) if len(lines) >= 2 else {}


def join(r: Run, count: int, rate: float, lanes: int = 64, handshake: bool | None = None) -> dict[str, Any]:
    """``count`` phones join at ``rate`` per second: in their socket's handshake, as the phone's
    page does (one round trip), or with ``handshake=False`` over HTTP first on ``lanes``
    keep-alive connections, then the socket (two). By default the naive mode joins in two."""
    handshake = not r.naive if handshake is None else handshake
    tcp_before = tcp_counters()
    before, generator_before = r.server.stat(), r.fleet.summary()["cpu"]
    result = r.fleet.join(r.facilitator.code, count, rate, lanes=lanes, deflate=r.naive, handshake=handshake)
    after, generator_after = r.server.stat(), r.fleet.summary()["cpu"]
    latencies = result["latencies"]
    wall = max(0.001, result["wall_seconds"])
    tcp_after = tcp_counters()
    return {
        "phones": count,
        "join_rate_asked": rate,
        "join_round_trips": 1 if handshake else 2,
        "joined": result["joined"],
        "join_failures": sum(result["failures"].values()),
        "join_failure_kinds": result["failures"],
        "join_wall_s": round(result["wall_seconds"], 2),
        "join_p50_ms": pct([x * 1000 for x in latencies], 50),
        "join_p99_ms": pct([x * 1000 for x in latencies], 99),
        "server_cpu_ms_per_join": round((after.cpu - before.cpu) / max(1, result["joined"]) * 1000, 3),
        # Shares of one core while joining: a generator near 1.0 per process is the limit, not the server.
        "join_server_cpu_share": round((after.cpu - before.cpu) / wall, 2),
        "join_generator_cpu_share": round((generator_after - generator_before) / wall, 2),
        # Connections the kernel dropped because the server's accept queue was full, and the
        # SYNs resent after them (each costs the phone 1 s, then 3 s, 7 s...).
        "accept_queue_overflows": tcp_after.get("ListenOverflows", 0) - tcp_before.get("ListenOverflows", 0),
        "syn_retransmits": tcp_after.get("TCPSynRetrans", 0) - tcp_before.get("TCPSynRetrans", 0),
    }


def hold(r: Run, baseline: Stat, seconds: float = 10.0) -> dict[str, Any]:
    """Phones stay connected and idle: memory per phone, and whether they all stay."""
    time.sleep(seconds)
    stat = r.server.stat()
    summary = r.fleet.summary()
    shown = r.screen.all("screen_records")[0]["participants"]
    return {
        "held": summary["connected"],
        "participants_on_screen": shown,
        "server_rss_mib": round(stat.rss_kib / 1024, 1),
        "rss_per_phone_kib": round((stat.rss_kib - baseline.rss_kib) / max(1, summary["connected"]), 1),
    }


def answering(r: Run, rate: float, seconds: float, words: int = 60, settle: float = 3.0) -> dict[str, Any]:
    """Answers at ``rate`` per second; per answer: ack latency and answer→big screen latency.
    Afterwards the phones wait up to ``settle`` seconds for the acknowledgements still due."""
    before_summary = r.fleet.summary()
    before = r.server.stat()
    since = time.time()
    per = rate / len(r.fleet)
    r.fleet.all(
        "answer",
        activity=r.activity,
        rate=per,
        seconds=seconds,
        words=words,
        settle=settle,
        wait=seconds + settle + 120,
    )
    after = r.server.stat()
    summary = r.fleet.summary()
    sent, acked, versions = r.fleet.records(since)
    screen = _screen_until(r, max(versions, default=0))
    arrivals = np.frombuffer(screen["arrivals"], dtype=float)
    shown_v = np.maximum.accumulate(np.frombuffer(screen["versions"], dtype=np.int64))
    sent_a, acked_a, v_a = np.asarray(sent), np.asarray(acked), np.asarray(versions)
    index = np.searchsorted(shown_v, v_a, side="left")
    on_screen = index < len(shown_v)
    screen_ms = (arrivals[index[on_screen]] - sent_a[on_screen]) * 1000
    n_sent = summary["sent"] - before_summary["sent"]
    n_acked = summary["acks"] - before_summary["acks"]
    errors = {
        k: v - before_summary["errors"].get(k, 0)
        for k, v in summary["errors"].items()
        if v - before_summary["errors"].get(k, 0)
    }
    cpu = after.cpu - before.cpu
    expected, unsettled = r.fleet.words()
    results = r.facilitator.results(r.activity)
    shown = {w["text"]: w["count"] for w in results["results"]["words"]}
    # Every settled phone's word must be in the tally. Phones with an answer in flight may show
    # their acknowledged word or a newer one, so with any in flight the tally can only be
    # checked from below: "lost" stays exact, "tally_exact" is then not decided (None).
    lost = sum(max(0, n - shown.get(word, 0)) for word, n in expected.items())
    return {
        "answer_rate_asked": rate,
        "answer_seconds": seconds,
        "answers_sent": n_sent,
        "answers_acked": n_acked,
        # Acknowledged within the answering window itself (not in the short settle after it).
        "answers_per_s": round(int(((acked_a >= since) & (acked_a <= since + seconds)).sum()) / seconds, 1),
        "answer_errors": errors,
        # Sent but neither acknowledged nor refused when the run ended (a server behind).
        "unacknowledged": n_sent - n_acked - sum(errors.values()),
        # Acknowledged, yet missing from the final tally: what "0 lost" is about.
        "lost": lost,
        "tally_exact": (shown == expected) if not unsettled else None if not lost else False,
        "phones_with_answers_in_flight": unsettled,
        "ack_p50_ms": pct((acked_a - sent_a) * 1000, 50),
        "ack_p99_ms": pct((acked_a - sent_a) * 1000, 99),
        "screen_p50_ms": pct(screen_ms, 50),
        "screen_p99_ms": pct(screen_ms, 99),
        "not_on_screen": int((~on_screen).sum()),
        # Big-screen frames within the window: at most 1 / KRING_TICK_SECONDS while answers come.
        "screen_frames_per_s": round(
            int(((arrivals >= since) & (arrivals <= since + seconds)).sum()) / seconds, 1
        ),
        "server_cpu_s": round(cpu, 2),
        "server_cpu_s_per_1k_answers": round(cpu / max(1, n_acked) * 1000, 3),
        "deliveries": summary["frames"] - before_summary["frames"],
        "deliveries_per_server_cpu_s": round((summary["frames"] - before_summary["frames"]) / max(cpu, 1e-9)),
        "generator_cpu_s": round(summary["cpu"] - before_summary["cpu"], 1),
    }


def stepping_in(r: Run, rate: float, think: tuple[float, float] = (0.5, 2.0)) -> dict[str, Any]:
    """A check-out (bench.checkout): every phone adds a word, phones starting at ``rate`` per
    second, then steps in on 3 others' words, one from its bounded list and two found by typing."""
    before_summary, before = r.fleet.summary(), r.server.stat()
    phones = before_summary["connected"]
    since = time.time()
    started = time.monotonic()
    parts = r.fleet.all(
        "checkout",
        activity=r.activity,
        hall=before_summary["phones"],
        rate=rate / len(r.fleet),
        think=think,
        wait=phones / rate + 3 * (think[1] + 60) + 120,
    )
    seconds = time.monotonic() - started
    after_summary, after = r.fleet.summary(), r.server.stat()
    totals = {key: sum(part[key] for part in parts) for key in ("words", "stepins", "via_list", "via_find")}
    finds = np.concatenate([np.frombuffer(part["find_seconds"], dtype=float) for part in parts]) * 1000
    sent, acked, _ = r.fleet.records(since)
    ack_ms = (np.asarray(acked) - np.asarray(sent)) * 1000
    errors = {
        k: v - before_summary["errors"].get(k, 0)
        for k, v in after_summary["errors"].items()
        if v - before_summary["errors"].get(k, 0)
    }
    words = r.facilitator.results(r.activity)["results"]["words"]
    received = after_summary["bytes"] - before_summary["bytes"]
    return {
        "checkout_phones": phones,
        "checkout_seconds": round(seconds, 1),
        "words_acked": totals["words"],
        "stepins_acked": totals["stepins"],
        "stepins_via_list": totals["via_list"],
        "stepins_via_find": totals["via_find"],
        "finds": int(finds.size),
        "find_p50_ms": pct(finds, 50),
        "find_p99_ms": pct(finds, 99),
        "ack_p50_ms": pct(ack_ms, 50),
        "ack_p99_ms": pct(ack_ms, 99),
        "ack_max_ms": round(float(ack_ms.max()), 1) if ack_ms.size else None,
        "reply_timeouts": sum(part["timeouts"] for part in parts),
        "answer_errors": errors,
        # The loadgen's phones do not reconnect: a phone the server dropped stays gone, and a
        # browser would have reconnected once for it.
        "reconnects": phones - after_summary["connected"],
        "largest_phone_frame_bytes": after_summary["largest_phone_frame"],
        "phone_kib_per_s": round(received / 1024 / max(1, phones) / max(seconds, 1e-9), 2),
        # Every acknowledged word and step-in is in the remote's results, and nothing else is.
        "tally_exact": len(words) == totals["words"]
        and sum(w["stepins"] for w in words) == totals["stepins"],
        "server_cpu_s": round(after.cpu - before.cpu, 2),
        "generator_cpu_s": round(after_summary["cpu"] - before_summary["cpu"], 1),
    }


def _screen_until(r: Run, version: int, timeout: float = 5.0) -> dict[str, Any]:
    """The big screen's records once its latest snapshot includes ``version`` (the last
    acknowledgement can beat the tick that shows it), or after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        screen: dict[str, Any] = r.screen.all("screen_records")[0]
        shown = np.frombuffer(screen["versions"], dtype=np.int64)
        if (shown.size and shown.max() >= version) or time.monotonic() > deadline:
            return screen
        time.sleep(0.05)


def reveal(r: Run, times: int = 5, timeout: float = 10.0) -> dict[str, Any]:
    """The facilitator shows the results on the phones: how long until each phone has them."""
    per_phone: list[float] = []
    last: list[float] = []
    missing = 0
    for _ in range(times):
        r.facilitator.visibility(r.activity, phones=False)
        time.sleep(1.0)
        since = time.time()
        r.fleet.all("watch", since=since)
        r.facilitator.visibility(r.activity, phones=True)
        seen: list[float] = []
        for result in r.fleet.all("watched", timeout=timeout):
            seen.extend(np.frombuffer(result["seen"], dtype=float).tolist())
            missing += result["missing"]
        per_phone.extend(x * 1000 for x in seen)
        if seen:
            last.append(max(seen) * 1000)
        time.sleep(0.5)
    return {
        "reveals": times,
        "reveal_p50_ms": pct(per_phone, 50),
        "reveal_p99_ms": pct(per_phone, 99),
        "reveal_last_phone_ms": pct(last, 50),
        "reveal_last_phone_worst_ms": round(max(last), 1) if last else None,
        "reveal_last_phone_each_ms": [round(x, 1) for x in last],
        "reveal_missing": missing,
    }


def open_question(r: Run, times: int = 3, timeout: float = 10.0) -> dict[str, Any]:
    """The facilitator opens the next question: how long until each phone's state shows it (its
    `state` frame; its `mine` frame follows in the same flush). Each time a new word cloud."""
    per_phone: list[float] = []
    last: list[float] = []
    missing = 0
    for _ in range(times):
        activity = r.facilitator.activity()
        time.sleep(1.0)
        since = time.time()
        r.fleet.all("watch", since=since, marker=f'"activity":{{"id":{activity},')
        r.facilitator.open(activity)
        seen: list[float] = []
        for result in r.fleet.all("watched", timeout=timeout):
            seen.extend(np.frombuffer(result["seen"], dtype=float).tolist())
            missing += result["missing"]
        per_phone.extend(x * 1000 for x in seen)
        if seen:
            last.append(max(seen) * 1000)
        r.activity = activity
        time.sleep(0.5)
    return {
        "opens": times,
        "open_p50_ms": pct(per_phone, 50),
        "open_p99_ms": pct(per_phone, 99),
        "open_last_phone_ms": pct(last, 50),
        # Each open's last phone, in order: the first open comes right after the join storm.
        "open_last_phone_each_ms": [round(x, 1) for x in last],
        "open_missing": missing,
    }


def stall(r: Run, fraction: float) -> int:
    return sum(x["stalled"] for x in r.fleet.all("stall", fraction=fraction))


def redis_commands(url: str) -> int:
    import redis

    client = redis.Redis.from_url(url)
    try:
        return int(client.info("stats")["total_commands_processed"])
    finally:
        client.close()


def healthy(base: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(f"{base}/healthz", timeout=5).status_code == 200
    return False
