"""Screenshots of the wrap-up report: the builtin kick-off, played through, printed, one PNG per page.

    .venv/bin/python scripts/report_screenshots.py [--out docs/screenshots] [--dpi 100] [--keep DIR]

Builds the kick-off draaiboek (thema "Inclusie") in a throwaway SQLite database, answers every
activity as a group of twelve would, runs the agenda (running late, the second pause skipped), renders
the report as HTML and PDF with ``server.services.report`` and turns the PDF into
``report-1.png``, ``report-2.png`` … with ``pdftoppm``. Needs Chromium and poppler-utils.
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import update  # noqa: E402 - after the path is set
from sqlmodel import Session, col  # noqa: E402

from server.db.engine import make_engine  # noqa: E402
from server.db.migrate import upgrade  # noqa: E402
from server.db.tables import Activity, AgendaBlock, Answer, Meeting  # noqa: E402
from server.services import meetings, participants, report, templates  # noqa: E402
from server.services.answers import AnswerOp, commit_batch  # noqa: E402
from server.services.export_data import load  # noqa: E402

ZONE = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 11, 24, 12, 30, tzinfo=UTC)  # 13:30 in Amsterdam
NICKNAMES = (
    "Sanne",
    "Youssef",
    "Marieke",
    None,
    "Dewi",
    "Joris",
    None,
    "Fatima",
    "Pieter",
    "Lotte",
    None,
    "Kees",
)
# The blocks in order, with their actual minutes; None: skipped.
RUN: tuple[tuple[str, int | None], ...] = (
    ("Inloop", 17),
    ("Opening", 34),
    ("Kennismaken", 31),
    ("Pauze", 6),
    ("Kennissnack / inspiratieblok", 44),
    ("Pauze", None),
    ("Actieleren – theorie & ervaren", 23),
    ("Actieleren – toepassing", 19),
    ("Contracteringsafspraken", 6),
    ("Afronding", 9),
    ("Check-out", 5),
)
EXPECTATIONS = [
    "Ervaringen uitwisselen met collega's die tegen hetzelfde aanlopen",
    "Concrete handvatten om inclusie in mijn team bespreekbaar te maken",
    "Een netwerk waar ik ook na deze reeks op terug kan vallen",
    "Inspiratie en nieuwe energie",
    "Leren hoe andere organisaties het aanpakken",
    "Samen experimenteren in plaats van alleen praten",
    "Eerlijke feedback op mijn eigen vraagstuk",
    "Dat we elkaar scherp houden",
]
CLOUD = [
    "verbinding",
    "gelijkwaardigheid",
    "erbij horen",
    "diversiteit",
    "veiligheid",
    "luisteren",
    "groei",
    "ruimte",
    "nieuwsgierig",
    "eigenheid",
    "samen",
    "toegankelijk",
    "vertrouwen",
    "respect",
    "kansen",
]
CARDS = [
    ("De kracht zit echt in de verschillen", "Volgende week iemand van een ander team uitnodigen", "Sanne"),
    ("Ik vraag te weinig door", "In elk overleg één extra vraag stellen", None),
    ("Mijn exploreervraag is groter dan ik dacht", "Hem kleiner maken binnen mijn invloedssfeer", "Joris"),
    ("Reflecteren kost tijd, maar levert meer op", "Vrijdagmiddag 15 minuten terugkijken", "Lotte"),
    ("Anderen worstelen met hetzelfde", "Contact opnemen met Dewi over onboarding", None),
]


class Writer:
    def __init__(self, session: Session, meeting_id: int) -> None:
        self.session, self.meeting_id, self.ids = session, meeting_id, itertools.count(1)

    def answer(self, activity: int, person: int, slot: str, payload: dict[str, Any]) -> int:
        op = AnswerOp(self.meeting_id, activity, person, f"c{next(self.ids)}", "answer", slot, payload)
        entry = commit_batch(self.session, [op]).results[0].entry_id
        self.session.commit()
        assert entry is not None, f"answer refused: {activity} {slot} {payload}"
        return entry


def build(session: Session) -> int:
    created = templates.create_from_template(session, templates.builtin("kickoff"), {"thema": "Inclusie"})
    m = created.meeting.id
    people = [participants.join(session, m, None, nick).participant_id for nick in NICKNAMES]
    session.commit()
    data = load(session, m)
    w = Writer(session, m)
    acts = list(data.activities)

    def find(kind: str, contains: str = "") -> int:
        return next(a.id for a in acts if a.kind == kind and contains in a.prompt)

    expect = find("open", "verwacht")
    entries = [w.answer(expect, p, "0", {"text": t}) for p, t in zip(people, EXPECTATIONS, strict=False)]
    meetings.moderate(session, m, expect, "highlight", entry_id=entries[5])
    meetings.moderate(session, m, expect, "highlight", entry_id=entries[1])
    hidden = w.answer(expect, people[9], "0", {"text": "Lekker eten"})
    meetings.moderate(session, m, expect, "hide", entry_id=hidden)

    for index, person in enumerate(people):
        w.answer(find("groups", "ontbijt"), person, "0", {"option": (index * 7) % 4})
        w.answer(find("groups", "sport"), person, "0", {"option": (index * 5 + 1) % 4})

    stars = find("scales", "Klaar")
    for index, person in enumerate(people):
        for statement in (index, index + 1, index + 3) if index % 3 else (0, 2, 4):
            value = 1 + (index * 3 + statement * 2) % 5
            w.answer(stars, person, str(statement % 5), {"value": max(value, 2 if statement % 5 == 2 else 1)})

    phase = find("choice", "fase")
    for index, person in enumerate(people):
        w.answer(phase, person, "0", {"options": [(0, 4, 1, 4, 3, 1, 4, 0, 5, 4, 2, 1)[index]]})

    colours = find("scales", "Leervoorkeuren")
    for index, person in enumerate(people[:10]):
        for statement in range(5):
            value = ((index * 7 + statement * 11) % 31) - 5
            w.answer(colours, person, str(statement), {"value": value})

    cloud = find("wordcloud")
    for index, person in enumerate(people):
        picks = {
            CLOUD[0] if index % 4 else CLOUD[1],
            CLOUD[(index * 5 + 2) % len(CLOUD)],
            CLOUD[(index + 4) % 9],
        }
        for slot, word in enumerate(sorted(picks)):
            w.answer(cloud, person, str(slot), {"word": word})

    w.answer(find("open", "exploreervraag"), people[0], "0", {"text": "Hoe krijg ik mijn team mee?"})

    values = find("scales", "Waardencontract")
    for index, person in enumerate(people):
        for statement in range(5):
            no = (statement == 2 and index == 6) or (statement == 3 and index in (2, 8))
            w.answer(values, person, str(statement), {"value": 0 if no else 1})
    extra = find("open", "toevoegen")
    for person, text in zip(people[1:4], ("Nieuwsgierigheid", "Humor", "Eerlijkheid"), strict=True):
        w.answer(extra, person, "0", {"text": text})

    cards = find("cards")
    for person, (insight, action, name) in zip(people, CARDS, strict=False):
        w.answer(cards, person, "0", {"insight": insight, "action": action, "name": name})
    quote = find("choice", "quote")
    for index, person in enumerate(people):
        w.answer(quote, person, "0", {"options": [(1, 2, 0, 2, 5, 1, 2, 3, 0, 2, 5, 4)[index]]})

    checkout = find("checkout")
    words = {}
    for person, word in zip(
        people, ("energie", "verbinding", "nieuwsgierig", "herkenning", "rust"), strict=False
    ):
        words[word] = w.answer(checkout, person, "word", {"word": word})
    for index, person in enumerate(people[5:], 5):
        target = ("energie", "verbinding", "energie", "herkenning", "verbinding", "energie", "nieuwsgierig")
        w.answer(checkout, person, f"in:{words[target[index - 5]]}", {})

    moment = START
    ordered = sorted((b for b in data.blocks), key=lambda b: (b.position, b.id))
    for block, (title, minutes) in zip(ordered, RUN, strict=True):
        assert block.title == title, (block.title, title)
        if minutes is None:
            continue
        session.execute(
            update(AgendaBlock)
            .where(col(AgendaBlock.id) == block.id)
            .values(started_at=moment, spent_seconds=minutes * 60)
        )
        moment += timedelta(minutes=minutes)
    session.execute(
        update(Meeting)
        .where(col(Meeting.id) == m)
        .values(agenda_started_at=START, agenda_ended_at=moment, current_block_id=None)
    )
    session.execute(update(Activity).where(col(Activity.meeting_id) == m).values(status="closed"))
    answered = START + timedelta(minutes=20)
    session.execute(
        update(Answer)
        .where(col(Answer.activity_id).in_([a.id for a in acts]))
        .values(created_at=answered, updated_at=answered)
    )
    session.commit()
    return m


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--dpi", type=int, default=100)
    parser.add_argument("--keep", help="also write report.html and report.pdf into this folder")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kring-shots-") as folder:
        tmp = Path(folder)
        url = f"sqlite:///{tmp / 'demo.db'}"
        upgrade(url)
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            meeting_id = build(session)
            data = load(session, meeting_id)
        engine.dispose()
        html = report.render_html(data, report.ReportOptions(), ZONE)
        pdf = report.render_pdf(html)
        pdf_path = tmp / "report.pdf"
        pdf_path.write_bytes(pdf)
        if args.keep:
            keep = Path(args.keep)
            keep.mkdir(parents=True, exist_ok=True)
            (keep / "report.html").write_text(html, encoding="utf-8")
            (keep / "report.pdf").write_bytes(pdf)
        for old in out.glob("report-*.png"):
            old.unlink()
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(args.dpi), str(pdf_path), str(out / "report")], check=True
        )
    # pdftoppm numbers pages with leading zeros when there are ten or more; keep report-1.png, ….
    shots = sorted(out.glob("report-*.png"))
    for shot in shots:
        number = int(shot.stem.split("-")[-1])
        if shot.name != f"report-{number}.png":
            shot.rename(out / f"report-{number}.png")
    for shot in sorted(out.glob("report-*.png")):
        sys.stdout.write(f"{shot.relative_to(ROOT) if shot.is_relative_to(ROOT) else shot}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
