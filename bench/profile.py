"""``python -m bench profile``: where the server's time goes in the missed rows, sampled by py-spy.

Two runs, each with py-spy attached to the server for the measured phase: a join storm, and the
whole hall answering at 5,000/s. Each writes the raw samples and a table of the busiest frames of
the event-loop thread (idle waits left out) to ``bench/results/profile-<name>.txt``.
"""

from __future__ import annotations

import collections
import shutil
import subprocess
import time
from pathlib import Path

from bench import scenarios as s
from bench.report import RESULTS

IDLE = ("Condition.wait", "Queue.get", "Runner.run", "select (", "_run_once", "sleep (")


def _spy(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    binary = shutil.which("py-spy") or str(
        Path(__file__).resolve().parent.parent / ".venv" / "bin" / "py-spy"
    )
    return subprocess.Popen(
        [binary, "record", "-p", str(pid), "-o", str(out), "-f", "raw", "-r", "200", "-d", str(int(seconds))],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def summarise(raw: Path, top: int = 40) -> str:
    """Inclusive and own share of the busy samples, by frame: the event loop's thread, then the
    database threads (the group commits) on their own."""
    samples: dict[str, tuple[collections.Counter[str], collections.Counter[str]]] = {
        "event loop": (collections.Counter(), collections.Counter()),
        "database threads": (collections.Counter(), collections.Counter()),
    }
    busy = {"event loop": 0, "database threads": 0}
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        if any(mark in frames[-1] for mark in IDLE):
            continue
        where = "event loop" if any("_run_module_as_main" in f for f in frames[:3]) else "database threads"
        busy[where] += n
        inclusive, own = samples[where]
        for frame in dict.fromkeys(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    lines = [
        f"busy samples: event loop {busy['event loop']}, database threads {busy['database threads']} "
        "(200 per second)",
    ]
    skip = ("runpy", "__main__", "uvicorn/main.py", "uvicorn/server.py", "_compat", "runners.py")
    skip += ("threading.py", "concurrent/futures/thread.py")
    for where, (inclusive, own) in samples.items():
        total = max(1, busy[where])
        shown = [(f, n) for f, n in inclusive.most_common() if not any(k in f for k in skip)]
        limit = top if where == "event loop" else top // 2
        lines += ["", f"inclusive share of the busy time of the {where}:"]
        lines += [f"  {n / total * 100:5.1f}%  {f}" for f, n in shown[:limit]]
        lines += ["", f"own time in the {where} (the frame itself, C calls included):"]
        lines += [f"  {n / total * 100:5.1f}%  {f}" for f, n in own.most_common(limit // 2)]
    return "\n".join(lines) + "\n"


def profile() -> None:
    RESULTS.mkdir(exist_ok=True)
    raw = RESULTS / "profile-join-storm.raw"
    with s.run(addresses=2) as r:
        spy = _spy(r.server.process.pid, 12, raw)
        time.sleep(1)
        row = s.join(r, 10_000, 1000, lanes=256)
        spy.wait(60)
    text = f"join storm: {row}\n\n" + summarise(raw)
    (RESULTS / "profile-join-storm.txt").write_text(text)
    print(text)
    raw = RESULTS / "profile-sustained.raw"
    with s.run(addresses=2) as r:
        s.join(r, 10_000, 400)
        spy = _spy(r.server.process.pid, 15, raw)
        time.sleep(0.5)
        row = s.answering(r, 5000, 20)
        spy.wait(60)
    text = f"sustained answers: {row}\n\n" + summarise(raw)
    (RESULTS / "profile-sustained.txt").write_text(text)
    print(text)
    for path in RESULTS.glob("profile-*.raw"):
        path.unlink()
