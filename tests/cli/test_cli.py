"""The kring command line: templates, new meetings, exports, import and purge."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from server.__main__ import main
from tests.draaiboek.test_templates import MALFORMED
from tests.routes.test_templates_api import OWN


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/cli.db"


def test_template_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template", "list"]) == 0
    out = capsys.readouterr().out
    assert "kickoff" in out and "blank" in out and "placeholders: thema" in out
    assert main(["template", "show", "kickoff"]) == 0
    assert "format: kring-draaiboek/1" in capsys.readouterr().out
    assert main(["template", "show", "nope"]) == 1
    assert "kickoff" in capsys.readouterr().err


def test_template_validate_accepts_the_builtins(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template", "show", "kickoff"]) == 0
    path = tmp_path / "mijn-kickoff.yaml"
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    assert main(["template", "validate", str(path)]) == 0
    assert "OK (11 blocks" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "text", "line", "phrase"), MALFORMED[:12], ids=[c[0] for c in MALFORMED[:12]]
)
def test_template_validate_rejects_malformed_files_naming_line_and_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, line: int, phrase: str
) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["template", "validate", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{name}.yaml:{line}: ") and phrase in err


def test_new_export_import_and_purge(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "--template", "kickoff", "--set", "thema=Inclusie", "--database-url", db]) == 0
    out = capsys.readouterr().out
    assert "11 blocks" in out and "/remote#key=" in out
    code = out.split("with code ")[1][:6]
    for fmt, name in (("json", "m.json"), ("csv", "m.zip"), ("xlsx", "m.xlsx"), ("template", "m.yaml")):
        assert (
            main(["export", code, "--format", fmt, "--out", str(tmp_path / name), "--database-url", db]) == 0
        )
    document = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert document["format"] == "kring-export/1" and len(document["blocks"]) == 11
    assert zipfile.ZipFile(tmp_path / "m.zip").namelist()
    assert (tmp_path / "m.xlsx").read_bytes()[:2] == b"PK"
    capsys.readouterr()
    assert main(["template", "validate", str(tmp_path / "m.yaml")]) == 0  # the meeting, reusable
    assert "OK (11 blocks" in capsys.readouterr().out
    capsys.readouterr()
    assert main(["import", str(tmp_path / "m.json"), "--database-url", db]) == 0
    assert "Restored as meeting" in capsys.readouterr().out
    assert main(["export", "ZZZZZZ", "--out", str(tmp_path / "x"), "--database-url", db]) == 1
    assert main(["purge", "--dry-run", "--database-url", db]) == 0
    assert "0 expired" in capsys.readouterr().out
    assert main(["new", "--set", "oops", "--database-url", db]) == 2
    assert main(["new", "--template", "kickoff", "--database-url", db]) == 1
    assert "thema" in capsys.readouterr().err


def test_demo_is_the_kickoff_draaiboek(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KRING_PUBLIC_URL", "http://127.0.0.1:8000")
    assert main(["demo", "--database-url", db]) == 0
    out = capsys.readouterr().out
    assert "Lerend netwerk Inclusie — bijeenkomst 1 (kick-off)" in out
    assert "11 blocks, 13 activities" in out and "http://127.0.0.1:8000/m/" in out


def test_new_from_your_own_template_file(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "intervisie.yaml"
    path.write_text(OWN.replace("twintig", "20"), encoding="utf-8")
    assert main(["new", "--template", str(path), "--set", "thema=Feedback", "--database-url", db]) == 0
    out = capsys.readouterr().out
    assert "Meeting 'Intervisie Feedback' created with code" in out and "2 blocks, 1 activities" in out
    code = out.split("with code ")[1][:6]
    assert (
        main(
            ["export", code, "--format", "template", "--out", str(tmp_path / "x.yaml"), "--database-url", db]
        )
        == 0
    )
    assert "preparation: Stoelen in een kring." in (tmp_path / "x.yaml").read_text(encoding="utf-8")
    path.write_text(OWN, encoding="utf-8")
    assert main(["new", "--template", str(path), "--set", "thema=Feedback", "--database-url", db]) == 1
    assert capsys.readouterr().err.strip() == (
        "intervisie.yaml:14: blocks[1].duration: "
        'must be a whole number of minutes from 1 to 1440, got "twintig"'
    )
    assert main(["new", "--template", str(tmp_path / "nope.yaml"), "--database-url", db]) == 1
    assert "nope.yaml" in capsys.readouterr().err
