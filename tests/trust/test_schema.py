"""Trust suite SCHEMA: schemathesis runs all its checks against /openapi.json of a live server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import sqlite_url
from tests.support import create_meeting, live_server

pytestmark = pytest.mark.e2e


def test_openapi_passes_every_schemathesis_check(tmp_path: Path) -> None:
    with live_server(sqlite_url(tmp_path), join_failures_allowed=1_000_000) as live:
        meeting = create_meeting(live.base, demo=True)
        binary = Path(sys.executable).parent / "schemathesis"  # installed with the dev extras
        result = subprocess.run(
            [
                str(binary),
                "run",
                f"{live.base}/openapi.json",
                "--checks",
                "all",
                "--header",
                f"Authorization: Bearer {meeting['host_key']}",
                "--max-examples",
                "25",
                "--seed",
                "1",
                "--workers",
                "1",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"},
        )
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
