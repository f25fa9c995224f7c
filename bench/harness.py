"""``python -m bench [SUITE|profile|accept|fanout-cpu|report|rerun SUITE]``: the benchmarks (SUITE:
see below).

``all`` (``make bench``) runs every suite and writes ``bench/results/latest.json`` (each target
row with its measured figure), ``docs/benchmarks.md`` and ``docs/benchmarks.png``. The others run
one suite and write ``bench/results/<suite>.json``. Everything talks to 127.0.0.0/8 only.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from typing import Any

from bench import report, suites
from bench.accept import accept
from bench.fanout_cpu import fanout_cpu
from bench.loadgen import assert_loopback, raise_nofile
from bench.profile import profile

Row = dict[str, Any]


def _all() -> list[Row]:
    postgres, redis = suites.services()
    steps: list[tuple[str, Callable[[], list[Row]]]] = [
        ("small room", suites.small_room),
        ("scaling", lambda: suites.scaling((1000, 2000, 5000, 10_000, 15_000, 19_000), naive=False)),
        ("scaling naive", lambda: suites.scaling((1000, 2000, 5000, 10_000), naive=True)),
        ("join storm", suites.join_storm),
        ("burst", suites.burst),
        ("fanout", suites.fanout),
        ("sustained", suites.sustained),
        ("checkout", suites.checkout),
        ("reactions", suites.reactions),
        ("quiz", suites.quiz),
        ("slow consumers", suites.slow_consumers),
        ("workers", lambda: suites.workers(postgres, redis)),
        ("redis", lambda: suites.redis_rates(postgres, redis)),
    ]
    rows: list[Row] = []
    started = time.monotonic()
    for name, step in steps:
        rows += suites.guarded(name, step)
        report.write(rows, seconds=time.monotonic() - started, name="partial")  # a crash keeps these
    (report.RESULTS / "partial.json").unlink(missing_ok=True)
    return rows


def _smoke() -> list[Row]:
    """About a minute: 1,000 phones join, answer for 20 s, and see three reveals."""
    return suites.scaling((1000,), naive=False, rate=500.0, seconds=20.0)


SUITES: dict[str, Callable[[], list[Row]]] = {
    "smoke": _smoke,
    "all": _all,
    "scaling": lambda: (
        suites.scaling((1000, 2000, 5000, 10_000, 15_000, 19_000), naive=False)
        + suites.scaling((1000, 2000, 5000, 10_000), naive=True)
    ),
    "small": suites.small_room,
    "storm": suites.join_storm,
    "burst": suites.burst,
    "fanout": suites.fanout,
    "sustained": suites.sustained,
    "checkout": suites.checkout,
    "reactions": suites.reactions,
    "quiz": suites.quiz,
    "slow": suites.slow_consumers,
    "workers": lambda **size: suites.workers(*suites.services(), **size),
    "redis": lambda **size: suites.redis_rates(*suites.services(), **size),
}


# The suite names of the rows each suite writes.
ROWS = {
    "small": ("small_room",),
    "scaling": ("scaling",),
    "storm": ("join_storm",),
    "burst": ("burst",),
    "fanout": ("fanout",),
    "sustained": ("sustained",),
    "checkout": ("checkout",),
    "reactions": ("reactions",),
    "quiz": ("quiz",),
    "slow": ("slow_consumers",),
    "workers": ("workers", "workers_hold"),
    "redis": ("redis_rates",),
}


def _rerun(name: str, size: dict[str, int]) -> int:
    """Run one suite again and put its rows in place of its rows in latest.json (after a fix to
    that suite); ``reruns`` in the file says which rows are newer than the rest, when, and at
    what size when not the suite's own (``--n``, ``--hold``: a smaller run on a shared machine).
    Rows the run did not make (``--hold 0`` skips the workers' hold) keep their older figures."""
    path = report.RESULTS / "latest.json"
    result = json.loads(path.read_text())
    started = time.monotonic()
    fresh = SUITES[name](**size)
    made = {row.get("suite") for row in fresh}
    kept = [row for row in result["runs"] if row.get("suite") not in set(ROWS[name]) & made]
    result["runs"] = kept + fresh
    result["targets"] = report.targets(result["runs"])
    result.setdefault("reruns", []).append(
        {
            "suite": name,
            "generated": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "duration_s": round(time.monotonic() - started),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            **({"size": size} if size else {}),
        }
    )
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    report.publish(result)
    print(f"rows of {name} replaced in bench/results/latest.json; wrote docs/benchmarks.md")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "suite",
        choices=[*SUITES, "profile", "accept", "fanout-cpu", "report", "rerun"],
        nargs="?",
        default="smoke",
    )
    parser.add_argument("again", nargs="?", choices=[name for name in SUITES if name not in ("smoke", "all")])
    parser.add_argument("--n", type=int, help="rerun at this N (phones) instead of the suite's own")
    parser.add_argument("--hold", type=int, help="rerun workers: phones for the hold run (0: skip it)")
    parser.add_argument("--profile", action="store_true", help="fanout-cpu: cProfile one reveal")
    args = parser.parse_args(argv)
    if args.suite == "rerun":
        if args.again is None:
            parser.error("rerun needs the suite to run again, e.g. python -m bench rerun sustained")
        raise_nofile()
        size = {k: v for k, v in (("n", args.n), ("hold_n", args.hold)) if v is not None}
        return _rerun(args.again, size)
    for url in suites.services():
        assert_loopback(url.replace("postgresql+psycopg", "postgresql"))
    if args.suite == "report":
        result = json.loads((report.RESULTS / "latest.json").read_text())
        result["targets"] = report.targets(result["runs"])
        report.publish(result)
        print(report.DOCS.read_text())
        return 0
    raise_nofile()
    if args.suite == "profile":
        profile()
        return 0
    if args.suite == "accept":
        accept()
        return 0
    if args.suite == "fanout-cpu":
        fanout_cpu(sizes=(args.n,) if args.n else (1000, 10_000), profile=args.profile)
        return 0
    started = time.monotonic()
    rows = SUITES[args.suite]()
    name = "latest" if args.suite == "all" else args.suite
    result = report.write(rows, seconds=time.monotonic() - started, name=name)
    print()
    print("| metric | target | measured | met |")
    print("|---|---|---|---|")
    for target in result["targets"]:
        if target["measured"] != "not measured":
            print(f"| {target['metric']} | {target['target']} | {target['measured']} | {target['met']} |")
    print(f"\nwrote bench/results/{name}.json")
    if args.suite == "all":
        report.publish(result)
        print(f"wrote {report.DOCS.relative_to(report.ROOT)} and {report.PLOT.relative_to(report.ROOT)}")
    return 0
