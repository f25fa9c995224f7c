"""The kring command line: templates, new meetings, exports, import and purge."""

from __future__ import annotations

import json
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from server.__main__ import main
from server.db.engine import make_engine
from server.db.tables import Activity, Answer, Meeting, Participant
from server.services import participants
from tests.draaiboek.test_templates import MALFORMED
from tests.factories import AnswerWriter
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


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "format: kring-draaiboek/1\ntitle: x\nblocks: " + "[" * 1500,
            "diep.yaml:3: nested more than 40 levels deep",
        ),
        (
            "format: kring-draaiboek/1\ntitle: x\nblocks:\n" + "- {title: b, duration: 5}\n" * 30_000,
            "diep.yaml:104: more than 100 blocks",
        ),
        (
            'format: kring-draaiboek/1\ntitle: "a\\0b"\nblocks: []\n',
            "diep.yaml:2: title: Text contains an invisible",
        ),
    ],
)
def test_template_validate_names_the_bound_a_file_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, said: str
) -> None:
    path = tmp_path / "diep.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["template", "validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(said) and "Traceback" not in err


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


def _kickoff_with_answers(db: str, capsys: pytest.CaptureFixture[str]) -> str:
    """A kick-off made with `kring new`, where Ans picked a breakfast group and wrote her
    (facilitator-only) exploreervraag."""
    assert main(["new", "--template", "kickoff", "--set", "thema=Inclusie", "--database-url", db]) == 0
    code = capsys.readouterr().out.split("with code ")[1][:6]
    engine = make_engine(db)
    with Session(engine) as session:
        meeting_id = session.exec(select(Meeting.id).where(Meeting.code == code)).one()
        acts = {
            a.prompt: a.id for a in session.exec(select(Activity).where(Activity.meeting_id == meeting_id))
        }
        ans = participants.join(session, meeting_id, None, "Ans").participant_id
        session.commit()
        writer = AnswerWriter(session, meeting_id)
        writer.answer(acts["Groepjes: wat is je favoriete ontbijt?"], ans, "0", {"option": 1})
        writer.answer(acts["Wat is jouw exploreervraag?"], ans, "0", {"text": "Hoe krijg ik mijn team mee?"})
    engine.dispose()
    return code


def test_export_the_report_as_html_and_pdf_with_the_switches(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _kickoff_with_answers(db, capsys)
    secret, out = "Hoe krijg ik mijn team mee?", tmp_path / "verslag.html"
    assert main(["export", code, "--format", "html", "--out", str(out), "--database-url", db]) == 0
    assert f"Wrote {out}" in capsys.readouterr().out
    html = out.read_text(encoding="utf-8")
    assert "Lerend netwerk Inclusie" in html and "Ans" in html and secret not in html
    args = ["export", code, "--format", "html", "--out", str(out), "--no-nicknames", "--private"]
    assert main([*args, "--database-url", db]) == 0
    html = out.read_text(encoding="utf-8")
    assert "Ans" not in html and secret in html and "yoghurt" in html
    pdf = tmp_path / "verslag.pdf"
    assert (
        main(["export", code, "--format", "pdf", "--out", str(pdf), "--private", "--database-url", db]) == 0
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Lerend netwerk Inclusie" in text and secret in text and "Ans" in text


def test_purge_deletes_what_kring_retention_days_says_has_expired(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old_code = _kickoff_with_answers(db, capsys)
    assert main(["new", "--template", "blank", "--database-url", db]) == 0
    new_code = capsys.readouterr().out.split("with code ")[1][:6]
    engine = make_engine(db)
    with Session(engine) as session:  # the kick-off was last used 40 days ago
        long_ago = datetime.now(UTC) - timedelta(days=40)
        old_id = session.exec(select(Meeting.id).where(Meeting.code == old_code)).one()
        session.execute(update(Meeting).where(col(Meeting.id) == old_id).values(created_at=long_ago))
        session.execute(
            update(Participant).where(col(Participant.meeting_id) == old_id).values(created_at=long_ago)
        )
        session.execute(update(Answer).values(created_at=long_ago, updated_at=long_ago))
        session.commit()
    assert main(["purge", "--database-url", db]) == 0  # the default: 90 days
    assert "Deleted 0 expired meeting(s)." in capsys.readouterr().out
    monkeypatch.setenv("KRING_RETENTION_DAYS", "30")
    assert main(["purge", "--database-url", db]) == 0
    out = capsys.readouterr().out
    assert f"Deleted {old_code} 'Lerend netwerk Inclusie — bijeenkomst 1 (kick-off)'" in out
    assert "kept 30 days" in out and "Deleted 1 expired meeting(s)." in out
    with Session(engine) as session:
        assert session.exec(select(Meeting.code)).all() == [new_code]
        assert session.exec(select(Answer)).all() == [] and session.exec(select(Participant)).all() == []
    engine.dispose()
    assert main(["purge", "--database-url", db]) == 0
    assert "Deleted 0 expired meeting(s)." in capsys.readouterr().out


def test_export_without_out_is_named_as_the_download(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from fastapi.testclient import TestClient

    from server.app import create_app
    from server.settings import Settings

    assert main(["new", "--template", "kickoff", "--set", "thema=Inclusie", "--database-url", db]) == 0
    out = capsys.readouterr().out
    code = out.split("with code ")[1][:6]
    key = out.split("/remote#key=")[1].split()[0]
    monkeypatch.chdir(tmp_path)
    for fmt in ("json", "csv", "xlsx", "html"):
        assert main(["export", code, "--format", fmt, "--database-url", db]) == 0
    written = sorted(path.name for path in tmp_path.glob("kring-*"))
    with TestClient(create_app(Settings(database_url=db))) as client:
        served = sorted(
            client.get(f"/api/meetings/{code}/{name}", headers={"Authorization": f"Bearer {key}"})
            .headers["content-disposition"]
            .split('filename="')[1]
            .rstrip('"')
            for name in ("export.json", "export.csv.zip", "export.xlsx", "report.html")
        )
    assert written == served, (written, served)
    assert all(name.startswith("kring-lerend-netwerk-inclusie-") for name in written), written
