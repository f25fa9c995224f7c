"""The coordinator's handle on the generator processes: one command to all, results gathered."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import time
from array import array
from typing import Any

from bench import loadgen


class GeneratorFailed(RuntimeError):
    pass


class Fleet:
    """``processes`` generator processes; each gets its own loopback source addresses, so that a
    run can hold more connections than one address has ephemeral ports (~28,000)."""

    def __init__(self, base: str, processes: int = 2, addresses_per_process: int = 1) -> None:
        loadgen.assert_loopback(base)
        ctx = mp.get_context("spawn")
        self.pipes = []
        self.processes = []
        for worker in range(processes):
            locals_ = [f"127.0.{worker + 1}.{i + 1}" for i in range(addresses_per_process)]
            ours, theirs = ctx.Pipe()
            process = ctx.Process(target=loadgen.main, args=(theirs, base, worker, locals_), daemon=True)
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)

    def __len__(self) -> int:
        return len(self.processes)

    def each(self, name: str, per_worker: list[dict[str, Any]], wait: float = 900) -> list[Any]:
        for pipe, kwargs in zip(self.pipes, per_worker, strict=True):
            pipe.send((name, kwargs))
        results = []
        deadline = time.monotonic() + wait
        for pipe in self.pipes:
            if not pipe.poll(max(0.0, deadline - time.monotonic())):
                raise GeneratorFailed(f"{name}: no answer from a generator within {wait:.0f} s")
            status, result = pipe.recv()
            if status != "ok":
                raise GeneratorFailed(f"{name}: {result}")
            results.append(result)
        return results

    def all(self, name: str, wait: float = 900, **kwargs: Any) -> list[Any]:
        return self.each(name, [kwargs] * len(self.pipes), wait)

    def join(
        self,
        code: str,
        count: int,
        rate: float,
        lanes: int = 64,
        timeout: float = 30,
        deflate: bool = False,
        handshake: bool = True,
    ) -> dict[str, Any]:
        """``count`` phones join, spread over the processes, arriving at ``rate`` per second in all
        (``handshake``: in the socket's handshake, one round trip; else over HTTP first)."""
        share = [count // len(self) + (1 if i < count % len(self) else 0) for i in range(len(self))]
        firsts = [sum(share[:i]) for i in range(len(self))]
        started = time.perf_counter()
        results = self.each(
            "join",
            [
                {
                    "code": code,
                    "first": firsts[i],
                    "count": share[i],
                    "rate": rate / len(self),
                    "lanes": lanes,
                    "timeout": timeout,
                    "deflate": deflate,
                    "handshake": handshake,
                }
                for i in range(len(self))
            ],
        )
        wall = time.perf_counter() - started
        latencies = array("d")
        failures: dict[str, int] = {}
        for result in results:
            latencies.frombytes(result["latencies"])
            for name, n in result["failures"].items():
                failures[name] = failures.get(name, 0) + n
        return {
            "joined": len(latencies),
            "failures": failures,
            "latencies": list(latencies),
            "wall_seconds": wall,
        }

    def summary(self) -> dict[str, Any]:
        total: dict[str, Any] = {}
        for result in self.all("summary"):
            for key, value in result.items():
                if key == "errors":
                    errors = total.setdefault("errors", {})
                    for code, n in value.items():
                        errors[code] = errors.get(code, 0) + n
                elif key == "largest_phone_frame":
                    total[key] = max(total.get(key, 0), value)
                else:
                    total[key] = total.get(key, 0) + value
        total.setdefault("errors", {})
        return total

    def records(self, since: float) -> tuple[array[float], array[float], array[int]]:
        sent, acked, versions = array("d"), array("d"), array("q")
        for result in self.all("records", since=since):
            sent.frombytes(result["sent"])
            acked.frombytes(result["acked"])
            versions.frombytes(result["v"])
        return sent, acked, versions

    def words(self) -> tuple[dict[str, int], int]:
        """The settled phones' acknowledged words, and how many phones still have one in flight."""
        counts: dict[str, int] = {}
        unsettled = 0
        for result in self.all("words"):
            unsettled += result["unsettled"]
            for word, n in result["words"].items():
                counts[word] = counts.get(word, 0) + n
        return counts, unsettled

    def close(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(BrokenPipeError, OSError):
                pipe.send(("exit", {}))
        for process in self.processes:
            process.join(10)
            if process.is_alive():
                process.kill()
