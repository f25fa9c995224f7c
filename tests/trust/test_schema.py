"""Trust suite SCHEMA: schemathesis runs all its checks against /openapi.json of a live server.

Every phase runs (examples, coverage, fuzzing, stateful). Path parameters mostly come from real
meetings, so the generated requests reach the handlers instead of stopping at 404 unknown_code."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import migrated_sqlite_url
from tests.support import create_meeting, live_server
from tests.trust.conftest import SOAK, Figures

pytestmark = pytest.mark.e2e

# Rules the schema cannot express, so a schema-valid request may still get 400 here: settings
# must suit the activity's kind, an order must list every activity (or block) of the meeting once,
# a moderation action must suit the activity's kind and come with its field, a template's values
# must be its placeholders, and an import must be a kring-export/1 file (checked against its own
# schema, server/services/export_schema.json, with the JSON path of the problem in the message).
STATEFUL_RULES = [
    "POST /api/meetings/{code}/activities",
    "PATCH /api/meetings/{code}/activities/{activity_id}",
    "PUT /api/meetings/{code}/order",
    "PUT /api/meetings/{code}/blocks",
    "POST /api/meetings/{code}/activities/{activity_id}/moderation",
    "POST /api/meetings",
    "POST /api/import",
]
DEFAULT_ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
# schemathesis's own list for negative data, and 413.
REJECTED = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]


def toml(value: Any) -> str:
    return json.dumps(value)  # JSON strings, numbers and arrays of them are TOML too


def config(meeting: dict[str, Any], doomed: dict[str, Any], pruned: dict[str, Any]) -> str:
    """Real codes and activity ids, nine times in ten; the meeting that DELETE /api/meetings/{code}
    removes and the activities that DELETE …/activities/{activity_id} removes are others'."""

    def target(m: dict[str, Any], name: str) -> str:
        return f"""
[dictionaries.{name}-codes]
values = {toml([m["code"], m["code"].lower()])}
[dictionaries.{name}-activities]
values = {toml([a["id"] for a in m["activities"]])}
"""

    def bind(m: dict[str, Any], name: str) -> str:
        return (
            f"headers = {{ Authorization = {toml('Bearer ' + m['host_key'])} }}\n"
            f'parameters = {{ "path.code" = {{ dictionary = "{name}-codes", probability = 0.9 }}, '
            f'"path.activity_id" = {{ dictionary = "{name}-activities", probability = 0.9 }} }}\n'
        )

    return f"""
{bind(meeting, "main")}
{target(meeting, "main")}
{target(doomed, "doomed")}
{target(pruned, "pruned")}

# 413 body_too_large refuses invalid data too: a body past its route's limit (a yaml over
# maxLength, sent as JSON escapes) is refused before it is read.
[checks.negative_data_rejection]
expected-statuses = {toml(REJECTED)}

[[operations]]
include-name = "DELETE /api/meetings/{{code}}"
{bind(doomed, "doomed")}

[[operations]]
include-name = "DELETE /api/meetings/{{code}}/activities/{{activity_id}}"
{bind(pruned, "pruned")}

[[operations]]
include-name = {toml(STATEFUL_RULES)}
checks.positive_data_acceptance.expected-statuses = {toml([*DEFAULT_ACCEPTED, "400"])}
"""


def test_openapi_passes_every_schemathesis_check(tmp_path: Path, figures: Figures) -> None:
    examples = 50 if SOAK else 10
    with live_server(migrated_sqlite_url(tmp_path), join_failures_allowed=1_000_000) as live:
        meeting, doomed, pruned = (create_meeting(live.base, demo=True) for _ in range(3))
        config_file = tmp_path / "schemathesis.toml"
        config_file.write_text(config(meeting, doomed, pruned), encoding="utf-8")
        binary = Path(sys.executable).parent / "schemathesis"  # installed with the dev extras
        result = subprocess.run(
            [
                str(binary),
                "--config-file",
                str(config_file),
                "run",
                f"{live.base}/openapi.json",
                "--checks",
                "all",
                "--phases",
                "examples,coverage,fuzzing,stateful",
                "--max-examples",
                str(examples),
                "--seed",
                "1",
                "--workers",
                "1",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
            env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"},
        )
        output = result.stdout
        assert result.returncode == 0, output[-6000:] + result.stderr[-2000:]
        assert "✅ Stateful" in output  # the stateful phase ran and passed, too
    tested = re.search(r"Tested: (\d+)", output)
    cases = re.search(r"(\d+) generated, (\d+) passed", output)
    warnings = re.search(r"(\d+) warnings? in", output)
    assert tested and cases, output[-2000:]
    figures(
        "SCHEMA",
        operations=int(tested.group(1)),
        test_cases=int(cases.group(1)),
        passed=int(cases.group(2)),
        failures=int(cases.group(1)) - int(cases.group(2)),
        max_examples=examples,
        phases=4,
        seed=1,
        warnings=int(warnings.group(1)) if warnings else 0,
    )
