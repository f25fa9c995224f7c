"""The suite's own shortcuts (tests/conftest.py) leave `kring serve` as it runs outside the suite."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SERVE_GC_FULL_SECONDS, migrated_sqlite_url
from tests.factories import client_for
from tests.support import ServerProcess


def test_in_process_apps_leave_collecting_to_python_and_kring_serve_does_not(tmp_path: Path) -> None:
    with client_for(migrated_sqlite_url(tmp_path)) as client:
        collector = client.app.state.hub.collector  # type: ignore[attr-defined]
        assert not collector.enabled
    environment = ServerProcess(tmp_path / "served.db").environment()
    assert environment.get("KRING_GC_FULL_SECONDS") == SERVE_GC_FULL_SECONDS
    assert environment["KRING_BATCH_WRITER"] == "process"


def test_kring_serve_on_a_new_sqlite_file_starts_from_the_migrated_copy(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "new.db")
    assert server.database_url == f"sqlite:///{tmp_path / 'new.db'}"
    assert (tmp_path / "new.db").stat().st_size > 0
    again = ServerProcess(tmp_path / "new.db")  # a restart keeps what the first one wrote
    assert again.database_url == server.database_url
