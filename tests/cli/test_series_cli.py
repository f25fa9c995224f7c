"""kring series: create a series, add its meetings (kickoff, then followup), list them."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.__main__ import main


def test_series_create_add_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path}/cli.db"
    assert (
        main(["series", "create", "Lerend netwerk Inclusie", "--theme", "Inclusie", "--database-url", db])
        == 0
    )
    out = capsys.readouterr().out
    assert "created with number 1" in out and "Series key" in out
    assert main(["series", "add", "1", "--database-url", db]) == 0
    assert (
        "Meeting 1 of the series: 'Lerend netwerk Inclusie — bijeenkomst 1 (kick-off)'"
        in capsys.readouterr().out
    )
    assert main(["series", "add", "1", "--set", "onderwerp=Leiderschap", "--database-url", db]) == 0
    out = capsys.readouterr().out
    assert "Meeting 2 of the series: 'Lerend netwerk Inclusie — bijeenkomst 2'" in out and "Remote:" in out
    assert main(["series", "list", "--database-url", db]) == 0
    out = capsys.readouterr().out
    assert "Lerend netwerk Inclusie  (2 meetings, 0 passes)" in out
    assert "2. " in out and "(0 joined, 0 with a pass)" in out
    assert main(["series", "add", "7", "--database-url", db]) == 1
    assert "no series" in capsys.readouterr().err
    assert main(["series", "add", "1", "--set", "nope", "--database-url", db]) == 2
    assert main(["series", "create", "--database-url", db]) == 2
