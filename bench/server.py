"""The server under test: a real ``kring serve`` process (or several workers), measured from /proc."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.loadgen import raise_nofile

TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Stat:
    cpu: float  # user + system seconds, summed over the server's processes
    rss_kib: int  # summed over the server's processes
    processes: int


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(entry.name))
    return found


def _stat(pid: int) -> tuple[float, int]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS, int(fields[21]) * PAGE_KIB


class Server:
    """``python -m server serve`` on 127.0.0.1 with a throwaway SQLite file (or the URLs given).

    With ``workers > 1`` uvicorn forks workers that share the port; their CPU and memory are
    summed, the supervising parent included.
    """

    def __init__(
        self,
        *,
        naive: bool = False,
        workers: int = 1,
        database_url: str | None = None,
        broadcast_url: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.tmp = tempfile.TemporaryDirectory(prefix="kring-bench-")
        self.workers = workers
        database_url = database_url or f"sqlite:///{self.tmp.name}/bench.db"
        environment = {
            **os.environ,
            "KRING_PUBLIC_URL": self.base,
            "KRING_LOG_LEVEL": "warning",
            # The generator is one client address: the per-client guards would throttle it.
            "KRING_WS_RATE_PER_MINUTE": "1000000",
            "KRING_WS_RATE_BURST": "100000",
            "KRING_JOIN_FAILURES_ALLOWED": "1000000",
            "KRING_NAIVE_BROADCAST": "1" if naive else "0",
            **(env or {}),
        }
        command = [
            sys.executable,
            "-m",
            "server",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--database-url",
            database_url,
        ]
        if workers > 1:
            command += ["--workers", str(workers)]
        if broadcast_url:
            command += ["--broadcast-url", broadcast_url]
        self.log = open(Path(self.tmp.name) / "server.log", "w+b")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command,
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=raise_nofile,
            cwd=Path(__file__).resolve().parent.parent,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200 and (
                    workers == 1 or len(_children(self.process.pid)) >= workers
                ):
                    break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"the server did not start: {self.tail()}")
        time.sleep(0.3 if workers == 1 else 1.5)  # the workers finish their start-up

    def pids(self) -> list[int]:
        """The server and all its descendants: with ``--workers`` each worker's batch writer
        process is a grandchild, and its CPU and memory are the server's too."""
        found = [self.process.pid]
        for pid in found:
            found.extend(_children(pid))
        return found

    def stat(self) -> Stat:
        cpu = 0.0
        rss = 0
        pids = self.pids()
        for pid in pids:
            with contextlib.suppress(OSError):
                c, r = _stat(pid)
                cpu += c
                rss += r
        return Stat(cpu, rss, len(pids))

    def tail(self, lines: int = 20) -> str:
        with contextlib.suppress(Exception):
            self.log.flush()
            self.log.seek(0)
            return b"\n".join(self.log.read().splitlines()[-lines:]).decode(errors="replace")
        return ""

    def errors_logged(self) -> int:
        """Tracebacks in the server's log: a run that raised inside the server does not pass."""
        self.log.flush()
        self.log.seek(0)
        return self.log.read().count(b"Traceback (most recent call last)")

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.log.close()
        self.tmp.cleanup()


class Facilitator:
    """The facilitator's side of a run, over the HTTP API."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)
        meeting = self.http.post("/api/meetings", json={"title": "Bench"}).json()
        self.code: str = meeting["code"]
        self.presenter_key: str = meeting["presenter_key"]
        self.headers = {"Authorization": f"Bearer {meeting['host_key']}"}

    def activity(self, kind: str = "wordcloud", **settings: Any) -> int:
        body: dict[str, Any] = {"kind": kind}
        if settings:
            body["settings"] = settings
        response = self.http.post(f"/api/meetings/{self.code}/activities", json=body, headers=self.headers)
        response.raise_for_status()
        return int(response.json()["id"])

    def open(self, activity: int) -> None:
        self.post(f"/activities/{activity}/open")

    def visibility(self, activity: int, *, phones: bool) -> None:
        self.post(f"/activities/{activity}/visibility", {"phones": phones})

    def results(self, activity: int) -> dict[str, Any]:
        path = f"/api/meetings/{self.code}/activities/{activity}/results"
        response = self.http.get(path, headers=self.headers)
        response.raise_for_status()
        return dict(response.json())

    def post(self, path: str, body: dict[str, Any] | None = None) -> None:
        response = self.http.post(f"/api/meetings/{self.code}{path}", json=body or {}, headers=self.headers)
        response.raise_for_status()

    def close(self) -> None:
        self.http.close()
