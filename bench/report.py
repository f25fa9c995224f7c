"""Turn suite rows into the target table (bench/results/latest.json), docs/benchmarks.md and a plot."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import quiz

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DOCS = ROOT / "docs" / "benchmarks.md"
PLOT = ROOT / "docs" / "benchmarks.png"

Row = dict[str, Any]


def _rows(rows: list[Row], suite: str, mode: str | None = None) -> list[Row]:
    return [r for r in rows if r.get("suite") == suite and (mode is None or r.get("mode") == mode)]


def _one(rows: list[Row], suite: str, mode: str | None = None, phones: int | None = None) -> Row | None:
    for row in _rows(rows, suite, mode):
        if phones is None or row.get("phones") == phones:
            return row
    return None


@dataclass(frozen=True)
class Target:
    metric: str
    target: str
    stretch: str
    measure: Callable[[list[Row]], tuple[str, str, bool | None]]  # (measured, naive, met)


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "not measured"
    if isinstance(value, float):
        value = f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
    elif isinstance(value, int):
        value = f"{value:,}"
    return f"{value}{unit}"


def _held(rows: list[Row]) -> tuple[str, str, bool | None]:
    def best(mode: str) -> int | None:
        held = [
            r["held"]
            for r in _rows(rows, "scaling", mode)
            if r.get("held") == r.get("phones") and not r.get("join_failures")
        ]
        return max(held) if held else None

    most, naive = best("optimised"), best("naive")
    tried = max((r["phones"] for r in _rows(rows, "scaling", "optimised")), default=None)
    measured = _fmt(most) + (f" (largest run: {tried:,})" if tried and tried != most else "")
    return measured, _fmt(naive) + " (largest naive run)", None if most is None else most >= 15_000


def _rss(rows: list[Row]) -> tuple[str, str, bool | None]:
    opt = _one(rows, "scaling", "optimised", 10_000) or _last(rows, "scaling", "optimised")
    naive = _one(rows, "scaling", "naive", 10_000) or _last(rows, "scaling", "naive")
    value = opt.get("rss_per_phone_kib") if opt else None
    at = f" at N = {opt['phones']:,}" if opt else ""
    naive_text = (
        f"{_fmt(naive.get('rss_per_phone_kib'), ' KiB')} at N = {naive['phones']:,}" if naive else "—"
    )
    return _fmt(value, " KiB") + at, naive_text, None if value is None else value <= 32


def _last(rows: list[Row], suite: str, mode: str) -> Row | None:
    found = _rows(rows, suite, mode)
    return max(found, key=lambda r: r.get("phones", 0)) if found else None


def _small_room(rows: list[Row]) -> tuple[str, str, bool | None]:
    def text(row: Row | None) -> str:
        if row is None or row.get("screen_p50_ms") is None:
            return "not measured" if row is None else f"failed: {row.get('error', 'no answer on screen')}"
        return (
            f"p50 {_fmt(row['screen_p50_ms'], ' ms')}, p99 {_fmt(row['screen_p99_ms'], ' ms')} "
            f"(ack p50 {_fmt(row['ack_p50_ms'], ' ms')}), {_fmt(row.get('screen_frames_per_s'))} screen "
            f"frames/s; {row['answers_acked']:,} answers from "
            f"{row['phones']} phones at {_fmt(row['answers_per_s'])}/s, {row['lost']} lost"
        )

    opt, naive = _one(rows, "small_room", "optimised"), _one(rows, "small_room", "naive")
    met = None
    if opt is not None and opt.get("screen_p99_ms") is not None:
        met = opt["screen_p50_ms"] <= 10 and opt["screen_p99_ms"] <= 16 and opt["lost"] == 0
    return text(opt), text(naive), met


def _storm(rows: list[Row]) -> tuple[str, str, bool | None]:
    """The one-round-trip join (in the socket's handshake), with the two-round-trip join (HTTP,
    then the socket) beside it where the naive mode goes."""
    row = _one(rows, "join_storm", "optimised")
    if row is None:
        return "not measured", "—", None
    two = _one(rows, "join_storm", "two round trips")
    # Phones arrive open-loop over 10 s, so the last one is done at 10 s plus its own join time:
    # with p99 < 1 s, everything is in by 11 s.
    met = (
        row["joined"] == row["phones"]
        and row["phones"] / row["join_rate_asked"] <= 10
        and row["join_wall_s"] <= 11.0
        and (row["join_p99_ms"] or 1e9) < 1000
    )
    return _storm_text(row), _storm_text(two) if two is not None else "—", met


def _storm_text(row: Row) -> str:
    trips = {1: "one round trip (the socket's handshake joins)", 2: "two round trips (HTTP, then the socket)"}
    return (
        f"{trips.get(row.get('join_round_trips', 2), '')}: "
        f"{row['joined']:,} of {row['phones']:,} arriving at {row['join_rate_asked']:,.0f}/s, all in "
        f"{row['join_wall_s']:.1f} s, {row['join_failures']} failures, "
        f"p50 {_fmt(row['join_p50_ms'], ' ms')}, p99 {_fmt(row['join_p99_ms'], ' ms')}; "
        f"server CPU {row['server_cpu_ms_per_join']} ms per join; "
        f"accept-queue overflows {_fmt(row.get('accept_queue_overflows'))}"
    )


def _sustained(rows: list[Row]) -> tuple[str, str, bool | None]:
    row = _one(rows, "sustained")
    if row is None:
        return "not measured", "—", None
    text = (
        f"{_fmt(row['answers_per_s'])}/s asked {_fmt(row['answer_rate_asked'])}/s for "
        f"{row['answer_seconds']:.0f} s at N = {row['held']:,}; {row['unacknowledged']:,} not acknowledged "
        f"by the end, {row['lost']} acknowledged but lost, tally exact: {_exact(row)}"
    )
    met = row["answers_per_s"] >= 0.98 * 5000 and row["lost"] == 0 and bool(row["tally_exact"])
    return text, "—", met


def _exact(row: Row) -> str:
    if row["tally_exact"] is None:
        in_flight = row.get("phones_with_answers_in_flight", 0)
        return f"not decided ({in_flight:,} phones still had an answer in flight at the end)"
    return "yes" if row["tally_exact"] else "NO"


def _latency(rows: list[Row]) -> tuple[str, str, bool | None]:
    row = _one(rows, "sustained")
    if row is None:
        return "not measured", "—", None
    text = (
        f"p50 {_fmt(row['screen_p50_ms'], ' ms')}, p99 {_fmt(row['screen_p99_ms'], ' ms')} "
        f"at {_fmt(row['answers_per_s'])} answers/s"
    )
    p50, p99 = row["screen_p50_ms"], row["screen_p99_ms"]
    met = p50 is not None and p99 is not None and p50 <= 150 and p99 <= 300 and row["answers_per_s"] >= 4900
    return text, "—", met


def _reveal(rows: list[Row]) -> tuple[str, str, bool | None]:
    def text(row: Row | None) -> str:
        if row is None:
            return "not measured"
        if row.get("reveal_p99_ms") is None:
            return f"not measured at N = {row['phones']:,}: {row.get('error', 'no reveal')}"
        return (
            f"p99 {_fmt(row['reveal_p99_ms'], ' ms')} (last phone, median of {row['reveals']}: "
            f"{_fmt(row['reveal_last_phone_ms'], ' ms')}) at N = {row['phones']:,}"
        )

    # The fan-out suite's row when there is one: its reveal follows the same answers as the
    # scaling suite's (every phone holding a word of its own), in a run of its own.
    opt = _one(rows, "fanout") or _one(rows, "scaling", "optimised", 10_000)
    naive = _one(rows, "scaling", "naive", 10_000) or _last(rows, "scaling", "naive")
    value = opt.get("reveal_p99_ms") if opt else None
    if opt is None or value is None or opt["phones"] < 10_000:
        return text(opt), text(naive), None
    return text(opt), text(naive), value <= 300 and not opt.get("reveal_missing")


def _cpu_ratio(rows: list[Row]) -> tuple[str, str, bool | None]:
    def ratio(mode: str) -> tuple[float, float, float] | None:
        small, big = _one(rows, "scaling", mode, 1000), _one(rows, "scaling", mode, 10_000)
        if not small or not big:
            return None
        a, b = small.get("server_cpu_s_per_1k_answers"), big.get("server_cpu_s_per_1k_answers")
        if not a or not b:
            return None
        return b / a, a, b

    opt, naive = ratio("optimised"), ratio("naive")

    def text(found: tuple[float, float, float] | None) -> str:
        if found is None:
            return "not measured"
        return f"{found[0]:.2f}× ({found[1]:.3f} → {found[2]:.3f} CPU-s per 1k answers)"

    return text(opt), text(naive), None if opt is None else opt[0] <= 1.5


def _slow(rows: list[Row]) -> tuple[str, str, bool | None]:
    row = _one(rows, "slow_consumers")
    if row is None:
        return "not measured", "—", None
    before, after = row["baseline_screen_p99_ms"], row["with_stalled_screen_p99_ms"]
    ack_before, ack_after = row["baseline_ack_p99_ms"], row["with_stalled_ack_p99_ms"]
    rise = (after / before - 1) if before and after is not None else None
    text = (
        f"{row['stalled']} of {row['phones']:,} stop reading: others' answer→screen p99 "
        f"{_fmt(before, ' ms')} → {_fmt(after, ' ms')}, ack p99 {_fmt(ack_before, ' ms')} → "
        f"{_fmt(ack_after, ' ms')}; server memory +{row['rss_before_mib']} → +{row['rss_after_mib']} MiB; "
        f"{row['connected_after']:,} still connected"
    )
    bounded = row["rss_after_mib"] - row["rss_before_mib"] < 100
    return text, "—", None if rise is None else rise <= 0.20 and bounded


def _workers(rows: list[Row]) -> tuple[str, str, bool | None]:
    """Met on deliveries per server CPU-second (the issue's figure), not on deliveries per second:
    a second worker that only adds throughput because it gets another core's share is not the
    efficiency the target asks for."""
    one, two = _one(rows, "workers", "1 worker"), _one(rows, "workers", "2 workers")
    hold = _one(rows, "workers_hold")
    parts = []
    met: bool | None = None
    if hold:
        parts.append(f"held {hold['held']:,} of {hold['phones']:,} on 2 workers")
    if one and two:
        a, b = one["deliveries_per_s"], two["deliveries_per_s"]
        ca, cb = one["deliveries_per_server_cpu_s"], two["deliveries_per_server_cpu_s"]
        parts.append(
            f"per server CPU-s {ca:,} (1 worker) vs {cb:,} (2 workers) = {cb / max(1, ca):.2f}×; "
            f"deliveries/s {a:,} vs {b:,} = {b / max(1, a):.2f}× (not the target's figure); "
            f"at N = {one.get('phones', one.get('joined', 0)):,}"
        )
        met = bool(hold and hold["held"] >= 30_000 and hold["phones"] >= 30_000 and cb >= 1.6 * ca)
    return "; ".join(parts) or "not measured", "—", met


def _frame_cap(rows: list[Row]) -> tuple[str, str, bool | None]:
    """Big-screen frames per second while answers keep coming (faster than the tick)."""
    busy = [
        r
        for r in (*_rows(rows, "small_room", "optimised"), *_rows(rows, "scaling", "optimised"))
        if r.get("screen_frames_per_s") is not None
    ]
    naive = _one(rows, "small_room", "naive")
    naive_text = (
        f"{_fmt(naive['screen_frames_per_s'])} frames/s at {_fmt(naive['answers_per_s'])} answers/s (N = 50)"
        if naive and naive.get("screen_frames_per_s") is not None
        else "—"
    )
    if not busy:
        return "not measured", naive_text, None
    most = max(busy, key=lambda r: r["screen_frames_per_s"])
    text = (
        f"at most {_fmt(most['screen_frames_per_s'])} frames/s (N = {most['phones']:,} at "
        f"{_fmt(most['answers_per_s'])} answers/s), the most of {len(busy)} run(s) from N = 50 up"
    )
    # The window counts frames from its first to its last moment: one leading-edge frame plus one
    # per tick, so a 10 s window at the cap holds 101 frames (10.1/s).
    return text, naive_text, all(r["screen_frames_per_s"] <= 10 + 1 / r["answer_seconds"] for r in busy)


def _burst(rows: list[Row]) -> tuple[str, str, bool | None]:
    row = _one(rows, "burst")
    if row is None or row.get("screen_p99_ms") is None:
        return "not measured" if row is None else f"not measured: {row.get('error', 'stopped')}", "—", None
    text = (
        f"{row['answers_acked']:,} of {row['answers_sent']:,} acknowledged from {row['joined']:,} phones; "
        f"answer→screen p50 {_fmt(row['screen_p50_ms'], ' ms')}, p99 {_fmt(row['screen_p99_ms'], ' ms')}, "
        f"{row['not_on_screen']} never on screen; ack p99 {_fmt(row['ack_p99_ms'], ' ms')}; "
        f"{row['lost']} lost, tally exact: {_exact(row)}"
    )
    if row["joined"] < 10_000:
        return text, "—", None  # a smaller run: its figure is shown, the target is not decided
    met = (
        row["screen_p99_ms"] <= 1500
        and row["not_on_screen"] == 0
        and row["lost"] == 0
        and row["answers_acked"] == row["answers_sent"]
    )
    return text, "—", met


def _open(rows: list[Row]) -> tuple[str, str, bool | None]:
    def text(row: Row | None) -> str:
        if row is None:
            return "not measured"
        if row.get("open_p99_ms") is None:
            return f"not measured at N = {row['phones']:,}: {row.get('error', 'no open')}"
        return (
            f"open p99 {_fmt(row['open_p99_ms'], ' ms')} (last phone, median of {row['opens']}: "
            f"{_fmt(row['open_last_phone_ms'], ' ms')}); reveal p99 {_fmt(row.get('reveal_p99_ms'), ' ms')}; "
            f"at N = {row['phones']:,}"
        )

    opt = _one(rows, "fanout") or _one(rows, "scaling", "optimised", 10_000)
    if opt is None or opt.get("open_p99_ms") is None or opt.get("reveal_p99_ms") is None:
        return text(opt), "—", None
    if opt["phones"] < 10_000:
        return text(opt), "—", None  # a smaller run: its figure is shown, the target is not decided
    met = opt["open_p99_ms"] <= 300 and opt["reveal_p99_ms"] <= 300 and not opt.get("open_missing")
    return text(opt), "—", met


def _small_slow(rows: list[Row]) -> tuple[str, str, bool | None]:
    row = _one(rows, "small_room", "optimised, slower than the tick")
    measured = _small_room([{**row, "mode": "optimised"}] if row else [])[0]
    if row is None or row.get("screen_p99_ms") is None:
        return measured, "—", None
    return measured, "—", row["screen_p50_ms"] <= 10 and row["screen_p99_ms"] <= 16 and row["lost"] == 0


def _redis(rows: list[Row]) -> tuple[str, str, bool | None]:
    found = sorted(_rows(rows, "redis_rates"), key=lambda r: r["answers_per_s"])
    if len(found) < 2:
        return "not measured", "—", None
    low, high = found[0], found[-1]
    text = ", ".join(f"{r['redis_commands_per_s']:,}/s at {r['answers_per_s']:,.0f} answers/s" for r in found)
    return text, "—", high["redis_commands_per_s"] <= 1.25 * max(1, low["redis_commands_per_s"])


def _checkout(rows: list[Row]) -> tuple[str, str, bool | None]:
    row = _one(rows, "checkout")
    if row is None or "ack_p99_ms" not in row:
        return "not measured" if row is None else f"not measured: {row.get('error', 'stopped')}", "—", None
    text = (
        f"{row['checkout_phones']:,} phones, {row['words_acked']:,} words and {row['stepins_acked']:,} "
        f"step-ins ({row['stepins_via_find']:,} found by typing) in {row['checkout_seconds']:.0f} s: "
        f"{row['reconnects']} reconnects, ack p50 {_fmt(row['ack_p50_ms'], ' ms')}, "
        f"p99 {_fmt(row['ack_p99_ms'], ' ms')}; find p99 {_fmt(row['find_p99_ms'], ' ms')}; largest "
        f"phone frame {_fmt(row['largest_phone_frame_bytes'])} bytes; tally exact: "
        f"{'yes' if row['tally_exact'] else 'NO'}"
    )
    met = (
        row["reconnects"] == 0
        and row["ack_p99_ms"] is not None
        and row["ack_p99_ms"] <= 500
        and row["words_acked"] == row["checkout_phones"]
        and bool(row["tally_exact"])
    )
    return text, "—", met


def _reactions(rows: list[Row]) -> tuple[str, str, bool | None]:
    row = _one(rows, "reactions")
    if row is None or "screen_frames_max_per_s" not in row:
        return "not measured" if row is None else f"not measured: {row.get('error', 'stopped')}", "—", None
    text = (
        f"{row['reaction_phones']:,} phones × {row['taps_per_phone_per_s']:g}/s for "
        f"{row['reaction_seconds']:.0f} s: {row['taps_sent']:,} taps ({row['taps_refused']:,} over the "
        f"limit), {row['taps_on_screen']:,} shown; "
        f"answers' ack p50 {_fmt(row['ack_p50_ms'], ' ms')}, p99 {_fmt(row['ack_p99_ms'], ' ms')} at "
        f"{row['answers_per_s']:,.0f}/s; big screen {row['screen_frames_per_s']:g} frames/s "
        f"(max {row['screen_frames_max_per_s']} in a second); {row['reconnects']} reconnects"
    )
    met = (
        row["ack_p99_ms"] is not None
        and row["ack_p99_ms"] <= 300
        and row["screen_frames_max_per_s"] <= 10
        and row["reconnects"] == 0
    )
    return text, "—", met


TARGETS = [
    Target("participants held by 1 process", "≥ 15,000", "19,000", _held),
    Target("server RSS per connected participant", "≤ 32 KiB", "≤ 20 KiB", _rss),
    Target("N = 50 answering within 1 s: answer→screen", "p50 ≤ 10 ms, p99 ≤ 16 ms, 0 lost", "", _small_room),
    Target(
        "N = 50 answering slower than the tick (50 answers over 10 s): answer→screen",
        "p50 ≤ 10 ms, p99 ≤ 16 ms, 0 lost (the small-room target where the frame cap allows it)",
        "",
        _small_slow,
    ),
    Target("while answers keep coming", "≤ 10 frames/s per room per audience", "", _frame_cap),
    Target("join storm", "10,000 joins in 10 s, 0 failures, p99 < 1 s", "", _storm),
    Target("answers sustained at N = 10,000", "5,000/s for 60 s, 0 lost", "8,000/s", _sustained),
    Target("10,000 answers within 1 s", "all on the big screen within p99 ≤ 1.5 s, 0 lost", "", _burst),
    Target("answer→presenter at N = 10,000, 5,000/s", "p50 ≤ 150 ms, p99 ≤ 300 ms", "p99 ≤ 200 ms", _latency),
    Target("reveal to 10,000 phones", "p99 ≤ 300 ms", "", _reveal),
    Target("the question's open to 10,000 phones (and the reveal)", "p99 ≤ 300 ms", "", _open),
    Target(
        "check-out, 1,000 phones: a word and 3 step-ins each", "0 reconnects, ack p99 ≤ 500 ms", "", _checkout
    ),
    Target(
        "reactions flood: 1,000 phones tapping 5/s for 20 s",
        "answers' ack p99 ≤ 300 ms, big screen ≤ 10 frames/s",
        "",
        _reactions,
    ),
    Target(
        "quiz, 1,000 phones: the server's deadline, the leaderboard, the reveal",
        "all answers before the deadline count, all after it refused; leaderboard = recount; "
        "reveal + top 10 p99 ≤ 500 ms",
        "",
        quiz.measure,
    ),
    Target("server CPU per answer, N = 10,000 vs 1,000", "≤ 1.5×", "", _cpu_ratio),
    Target("5% of phones stop reading", "others' p99 +≤ 20%, memory bounded", "", _slow),
    Target("2 workers + Redis", "≥ 30,000 held; deliveries per server CPU-s ≥ 1.6× one worker", "", _workers),
    Target("Redis commands/s", "independent of the answer rate", "", _redis),
]


def targets(rows: list[Row]) -> list[dict[str, Any]]:
    table = []
    for target in TARGETS:
        measured, naive, met = target.measure(rows)
        table.append(
            {
                "metric": target.metric,
                "target": target.target,
                "stretch": target.stretch,
                "measured": measured,
                "naive": naive,
                "met": met,
            }
        )
    return table


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def write(rows: list[Row], *, seconds: float, name: str = "latest") -> dict[str, Any]:
    RESULTS.mkdir(exist_ok=True)
    result = {
        "generated": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "command": "make bench (python -m bench all)" if name == "latest" else f"python -m bench {name}",
        "duration_s": round(seconds),
        "machine": machine(),
        "targets": targets(rows),
        "runs": rows,
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    return result


SCALING_COLUMNS = [
    ("phones", "N"),
    ("mode", "mode"),
    ("held", "held"),
    ("join_failures", "join failures"),
    ("rss_per_phone_kib", "RSS/phone KiB"),
    ("answers_per_s", "answers/s"),
    ("ack_p50_ms", "ack p50 ms"),
    ("ack_p99_ms", "ack p99 ms"),
    ("screen_p50_ms", "→screen p50 ms"),
    ("screen_p99_ms", "→screen p99 ms"),
    ("reveal_p99_ms", "reveal p99 ms"),
    ("reveal_last_phone_ms", "last phone ms"),
    ("tally_exact", "tally exact"),
    ("phones_with_answers_in_flight", "phones with answers in flight"),
    ("server_cpu_s_per_1k_answers", "server CPU-s/1k answers"),
    ("generator_cpu_s", "generator CPU-s"),
    ("error", "stopped by"),
]


def _scaling_table(rows: list[Row]) -> list[str]:
    found = sorted(_rows(rows, "scaling"), key=lambda r: (r["phones"], r["mode"] != "optimised"))
    lines = [
        "| " + " | ".join(label for _, label in SCALING_COLUMNS) + " |",
        "|" + "---|" * len(SCALING_COLUMNS),
    ]
    for row in found:
        lines.append("| " + " | ".join(_cell(row.get(key)) for key, _ in SCALING_COLUMNS) + " |")
    return lines


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _gains(rows: list[Row]) -> list[str]:
    lines = [
        "| N | server CPU per answer, naive ÷ optimised | reveal p99, naive ÷ optimised "
        "| RSS per phone, naive ÷ optimised |",
        "|---|---|---|---|",
    ]
    for opt in sorted(_rows(rows, "scaling", "optimised"), key=lambda r: r["phones"]):
        naive = _one(rows, "scaling", "naive", opt["phones"])
        if naive is None:
            continue

        def ratio(key: str, a: Row = opt, b: Row = naive) -> str:
            x, y = a.get(key), b.get(key)
            return f"{y / x:.2f}×" if x and y else "—"

        lines.append(
            f"| {opt['phones']:,} | {ratio('server_cpu_s_per_1k_answers')} | {ratio('reveal_p99_ms')} "
            f"| {ratio('rss_per_phone_kib')} |"
        )
    return lines


def plot(rows: list[Row]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=110)
    for mode, style in (("optimised", "-o"), ("naive", "--s")):
        found = sorted(_rows(rows, "scaling", mode), key=lambda r: r["phones"])
        if not found:
            continue
        n = [r["phones"] for r in found]
        left.plot(n, [r.get("screen_p99_ms") for r in found], style, label=f"answer→screen p99 ({mode})")
        left.plot(n, [r.get("reveal_p99_ms") for r in found], style, label=f"reveal p99 ({mode})", alpha=0.7)
        right.plot(n, [r.get("rss_per_phone_kib") for r in found], style, label=f"RSS per phone ({mode})")
    left.axhline(300, color="grey", linewidth=0.8, linestyle=":", label="target 300 ms")
    right.axhline(32, color="grey", linewidth=0.8, linestyle=":", label="target 32 KiB")
    left.set(xlabel="phones (N)", ylabel="ms", title="Latency against N", yscale="log")
    right.set(xlabel="phones (N)", ylabel="KiB", title="Server memory per phone against N", ylim=(0, None))
    for axis in (left, right):
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(PLOT)
    plt.close(fig)


def _rerun_line(again: dict[str, Any]) -> str:
    size = again.get("size") or {}
    options = "".join(f" --{'hold' if k == 'hold_n' else k} {v}" for k, v in size.items())
    load = again.get("load_average_at_end")
    smaller = ", smaller than the suite's own size" if size else ""
    if load:
        smaller += f", on the shared machine at load average {', '.join(str(x) for x in load)} at the end"
    return (
        f"\nThe {again['suite']} rows were run again on {again['generated']} "
        f"(`python -m bench rerun {again['suite']}{options}`, {again['duration_s'] / 60:.0f} min{smaller}) "
        "after a change to that suite."
    )


def document(result: dict[str, Any], notes: str = "") -> str:
    rows: list[Row] = result["runs"]
    lines = [
        "# Kring benchmarks",
        "",
        f"Produced by `{result['command']}` on {result['generated']} in {result['duration_s'] / 60:.0f} min, "
        f"on this project's {result['machine']['cpus']}-core machine with the load generator on the same "
        "machine, over loopback (127.0.0.0/8 only). Every run starts a real `kring serve` process; phones "
        "are picows websocket clients on uvloop in separate processes (their own CPU is reported, so a "
        "saturated generator is not mistaken for a slow server). Each answer carries a client id; its "
        "acknowledgement and every big-screen snapshot carry the room version `v`, so answer→screen "
        "latency is measured per answer. Joins arrive open-loop at a fixed rate and are timed from "
        "their scheduled moment to the phone's first state frame. *naive* is the same server with "
        "`KRING_NAIVE_BROADCAST=1`: a broadcast for every answer, each recipient's frame serialised "
        "for it, permessage-deflate on (the phones offer it, as browsers do).",
        # The latest rerun of each suite (latest.json keeps them all).
        *[_rerun_line(again) for again in {r["suite"]: r for r in result.get("reruns", [])}.values()],
        "",
        "## Targets",
        "",
        "| metric | target | stretch | measured | naive | met |",
        "|---|---|---|---|---|---|",
    ]
    for t in result["targets"]:
        met = {True: "yes", False: "**no**", None: "—"}[t["met"]]
        cells = (t["metric"], t["target"], t["stretch"] or "—", t["measured"], t["naive"], met)
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Scaling over N",
        "",
        "Each N: join at 400/s, hold, answer the word cloud at min(N, 1,000) answers/s for 20 s",
        "(every phone replaces its word), then three reveals of the results to every phone.",
        "",
        *_scaling_table(rows),
        "",
        "![Latency and memory against N](benchmarks.png)",
        "",
        "### Gain of the fan-out engine over the naive mode",
        "",
        *_gains(rows),
        "",
    ]
    if notes:
        lines += ["## Reading these numbers", "", notes.strip(), ""]
    lines += [
        "## Raw figures",
        "",
        "Every run's full row is in `bench/results/latest.json` (`runs`), with the machine's load average",
        "at the end of the run.",
        "",
    ]
    return "\n".join(lines)


NOTES = RESULTS / "notes.md"


def publish(result: dict[str, Any]) -> None:
    plot(result["runs"])
    notes = NOTES.read_text() if NOTES.exists() else ""
    DOCS.write_text(document(result, notes))
