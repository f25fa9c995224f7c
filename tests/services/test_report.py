"""The wrap-up report: content, privacy and escaping (SQLite and PostgreSQL), the word cloud, the PDF."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlmodel import Session, col

from server.db.engine import make_engine
from server.db.tables import Activity, AgendaBlock, Answer, Meeting
from server.services import meetings, participants, report, wordcloud_svg
from server.services.export_data import MeetingData, load
from server.services.report import ReportOptions, ReportUnavailable, render_html, render_pdf
from tests.factories import AnswerWriter

ZONE = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)  # 09:30 in Amsterdam
SCRIPT = "<script>alert(1)</script>"
HIDDEN = "Verborgen-antwoord-dat-niemand-mag-zien"
HIGHLIGHT = "Elkaar echt leren kennen en samen experimenteren"
PRIVATE = "Geheime-exploreervraag-van-een-deelnemer"
VALUES = ["Er zijn", "Verantwoordelijkheid", "Veiligheid", "Plezier", "Deelgever"]
NICKNAMES = ("Annabel", "Bramwell", "Carlijn")
REQUIRE_SERVICES = os.environ.get("KRING_REQUIRE_SERVICES") == "1"


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


@dataclass
class Built:
    meeting_id: int
    code: str
    secrets: list[str]  # host and presenter key, participant tokens


def build(session: Session) -> Built:
    created = meetings.create_meeting(
        session, "Lerend netwerk Inclusie — bijeenkomst 1 (kick-off)", "Inclusie", "nl"
    )
    m = created.meeting.id
    specs: list[tuple[str, str, str, dict[str, Any] | None]] = [
        ("expect", "open", "Wat verwacht je van het lerend netwerk?", {"max_answers": 3}),
        ("groups", "groups", "Groepjes: wat is je favoriete ontbijt?", {"options": ["havermout", "brood"]}),
        ("stars", "scales", "Klaar voor actieleren!", {"pick": 3}),
        ("choice", "choice", "Welke fase voel jij je het prettigst?", {"options": ["Fase 0", "Fase 1"]}),
        (
            "numeric",
            "scales",
            "Leervoorkeuren: waar sta jij op elke kleur?",
            {
                "mode": "numeric",
                "min": -5,
                "max": 25,
                "statements": ["Blauw", "Geel", "Groen", "Rood", "Wit"],
            },
        ),
        ("cloud", "wordcloud", "Waar denk jij aan bij Inclusie?", None),
        ("explore", "open", "Wat is jouw exploreervraag?", {"private": True}),
        ("values", "scales", "Waardencontract: JA = AFSPRAAK", {"mode": "yesno", "statements": VALUES}),
        ("cards", "cards", "Inzichten & acties", None),
        ("unanswered", "open", "Vraag zonder antwoorden", None),
        ("checkout", "checkout", "Check-out: één woord", None),
    ]
    ids: dict[str, int] = {}
    for name, kind, prompt, settings in specs:
        info, _ = meetings.add_activity(session, m, kind, prompt=prompt, settings=settings)
        ids[name] = info.id
    blocks = [
        ("Opening", 30, 33 * 60, False, True),
        ("Kennismaken", 30, 27 * 60, False, True),
        ("Pauze", 10, None, True, False),
        ("Actieleren – theorie & ervaren", 20, 24 * 60, False, True),
        ("Check-out", 5, 6 * 60, False, True),
    ]
    moment = START
    rows: list[AgendaBlock] = []
    for position, (title, minutes, spent, is_break, essential) in enumerate(blocks):
        row = AgendaBlock(
            meeting_id=m,
            position=position,
            title=title,
            goal=f"Doel van {title}",
            duration_minutes=minutes,
            is_break=is_break,
            essential=essential,
            started_at=moment if spent is not None else None,
            spent_seconds=spent or 0,
        )
        moment += timedelta(seconds=spent or 0)
        rows.append(row)
    session.add_all(rows)
    session.flush()
    session.execute(
        update(Meeting)
        .where(col(Meeting.id) == m)
        .values(agenda_started_at=START, agenda_ended_at=moment, current_block_id=None)
    )
    joined = [participants.join(session, m, None, nick) for nick in (*NICKNAMES, None, None)]
    session.commit()
    people = [j.participant_id for j in joined]
    a, b, c, d, e = people
    w = AnswerWriter(session, m)

    w.answer(ids["expect"], a, "0", {"text": "Inspiratie opdoen bij andere organisaties"})
    highlighted = w.answer(ids["expect"], b, "0", {"text": HIGHLIGHT})
    hidden = w.answer(ids["expect"], c, "0", {"text": HIDDEN})
    w.answer(ids["expect"], d, "0", {"text": SCRIPT})
    meetings.moderate(session, m, ids["expect"], "highlight", entry_id=highlighted)
    meetings.moderate(session, m, ids["expect"], "hide", entry_id=hidden)

    for person, option in ((a, 0), (b, 1), (c, 0), (d, 0)):
        w.answer(ids["groups"], person, "0", {"option": option})

    for person, ratings in ((a, {0: 4, 1: 5, 2: 3}), (b, {0: 5, 2: 4, 3: 2}), (c, {0: 3, 1: 4, 4: 5})):
        for statement, value in ratings.items():
            w.answer(ids["stars"], person, str(statement), {"value": value})

    w.answer(ids["choice"], a, "0", {"options": [0]})
    w.answer(ids["choice"], b, "0", {"options": [1]})
    w.answer(ids["choice"], c, "0", {"options": [1]})

    for person, scores in ((a, [12, 20, -3, 5, 0]), (b, [7, 25, 2, 11, 9]), (c, [12, 4, 15, 18, -5])):
        for statement, value in enumerate(scores):
            w.answer(ids["numeric"], person, str(statement), {"value": value})

    cloud = {
        a: ["verbinding", "groei", "gelijkwaardigheid"],
        b: ["verbinding", "diversiteit", "groei"],
        c: ["verbinding", "luisteren", "ruimte"],
        d: ["verbinding", "groei", "erbij horen"],
    }
    for person, entries in cloud.items():
        for slot, word in enumerate(entries):
            w.answer(ids["cloud"], person, str(slot), {"word": word})

    w.answer(ids["explore"], a, "0", {"text": PRIVATE})

    for person in (a, b, c, d):
        for statement in range(len(VALUES)):
            no = person == d and statement == 3  # one no: "Plezier" is not agreed
            w.answer(ids["values"], person, str(statement), {"value": 0 if no else 1})

    w.answer(
        ids["cards"], a, "0", {"insight": "Verschillen zijn kansen", "action": "Bel Bram", "name": "Annabel"}
    )
    w.answer(ids["cards"], e, "0", {"insight": "Vragen stellen werkt", "action": "Elke week reflecteren"})

    word = w.answer(ids["checkout"], a, "word", {"word": "energie"})
    w.answer(ids["checkout"], b, "word", {"word": "verbondenheid"})
    for person in (c, d, e):
        w.answer(ids["checkout"], person, f"in:{word}", {})

    session.execute(update(Activity).where(col(Activity.meeting_id) == m).values(status="closed"))
    answered = START + timedelta(minutes=40)  # the meeting's day, whenever the test runs
    session.execute(
        update(Answer)
        .where(col(Answer.activity_id).in_(list(ids.values())))
        .values(created_at=answered, updated_at=answered)
    )
    session.commit()
    secrets = [created.host_key, created.presenter_key, *(j.token for j in joined if j.token)]
    return Built(m, created.meeting.code, secrets)


def text_of(html: str) -> str:
    """The visible text: tags dropped, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def built(session: Session) -> tuple[Built, MeetingData]:
    result = build(session)
    return result, load(session, result.meeting_id)


def test_report_shows_the_meeting_as_run_and_every_result(built: tuple[Built, MeetingData]) -> None:
    _, data = built
    html = render_html(data, ReportOptions(), ZONE)
    text = text_of(html)
    assert html.startswith("<!doctype html>")
    assert '<html lang="nl">' in html
    assert "Lerend netwerk Inclusie — bijeenkomst 1 (kick-off)" in text
    assert "24 november 2026" in text
    assert "Inclusie" in text
    # The program: planned against actual, the skipped break marked, the totals.
    for heading in ("Programma zoals uitgevoerd", "Gepland", "Werkelijk", "Overgeslagen", "Totaal"):
        assert heading in text
    assert "09:30" in text  # the planned (and actual) start in local time
    assert "33 min" in text and "+3" in text  # Opening ran three minutes over
    assert "95 min" in text  # planned: 30 + 30 + 10 + 20 + 5
    assert "90 min" in text  # actual: 33 + 27 + 24 + 6
    assert html.count('<tr class="row-skipped') == 1
    # Open: the highlighted answer first and large, the script as text, the hidden answer nowhere.
    assert "Uitgelicht" in text
    assert html.index(HIGHLIGHT) < html.index("Inspiratie opdoen")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert SCRIPT not in html and "<script" not in html
    assert HIDDEN not in html
    # Word cloud, drawn as SVG on the server.
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="wordcloud"' in html
    assert ">verbinding</text>" in html
    # Stars: per statement a chart and the mean (4, 4.5, 3.5, 2, 5 → "4,0" …).
    assert "gemiddeld" in text
    assert "4,0" in text and "4,5" in text
    # The waardencontract: agreed values with their counts; "Plezier" had a no.
    assert "Afgesproken waarden" in text
    agreed = html[html.index("Afgesproken waarden") :]
    for value in ("Er zijn", "Verantwoordelijkheid", "Veiligheid", "Deelgever"):
        assert value in agreed
    assert "4 ja · 0 nee" in text
    assert "3 ja · 1 nee" in text
    assert "Nog geen afspraak" in text
    # Leervoorkeuren as a strip plot with the colour names.
    assert "Blauw" in html and "Wit" in html
    # Choice and groups as bar charts (matplotlib SVG, no styled divs) with counts and percentages;
    # group members by nickname.
    assert html.count('<figure class="chart chart-wide chart-bars"><svg') == 2
    assert 'style="width' not in html and "bar-fill" not in html
    bars = html[html.index("Welke fase voel jij je het prettigst?") :]
    bars = bars[: bars.index("</figure>")]
    for label in (">Fase 0</text>", ">Fase 1</text>", ">1 · 33,3%</text>", ">2 · 66,7%</text>"):
        assert label in bars, label
    groups = html[html.index("Groepjes: wat is je favoriete ontbijt?") :]
    groups = groups[: groups.index("</figure>")]
    assert ">havermout</text>" in groups and ">3</text>" in groups and ">brood</text>" in groups
    assert "Fase 1" in text and "havermout" in text
    assert "Annabel" in text and "Carlijn" in text
    # Cards, with the name only where one was given; the check-out with its step-ins.
    assert "Inzichten &amp; acties" in html
    assert "Verschillen zijn kansen" in text and "Elke week reflecteren" in text
    assert "— Annabel" in text
    assert "Check-out" in text and "energie" in text and "+3 stapten mee" in text and "verbondenheid" in text
    # No activity without answers, no private activity by default.
    assert "Vraag zonder antwoorden" not in text
    assert PRIVATE not in html and "exploreervraag" not in text


def test_report_is_self_contained_and_leaks_nothing(built: tuple[Built, MeetingData]) -> None:
    meeting, data = built
    html = render_html(data, ReportOptions(), ZONE)
    assert "<style>" in html
    for forbidden in ("<script", "<link", "<img", "src=", "@import", "url(http", 'href="http'):
        assert forbidden not in html
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}  # namespaces only
    assert meeting.code not in html
    for secret in meeting.secrets:
        assert secret not in html
    assert not re.search(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", html)  # no IP addresses
    for word in ("participant_id", "entry_id", "token", "host_key", "presenter_key", "data-entry"):
        assert word not in html


def test_nicknames_switch_leaves_every_nickname_out(built: tuple[Built, MeetingData]) -> None:
    _, data = built
    html = render_html(data, ReportOptions(nicknames=False), ZONE)
    for nickname in NICKNAMES:
        assert nickname not in html
    assert "Verschillen zijn kansen" in html  # the card itself stays
    assert "havermout" in html


def test_private_activities_only_on_request(built: tuple[Built, MeetingData]) -> None:
    _, data = built
    html = render_html(data, ReportOptions(private=True), ZONE)
    assert PRIVATE in html
    assert "Wat is jouw exploreervraag?" in html
    assert "Alleen voor facilitators" in html
    assert HIDDEN not in html  # moderation still counts


def test_english_labels_and_dates(built: tuple[Built, MeetingData]) -> None:
    _, data = built
    from dataclasses import replace

    html = render_html(replace(data, language="en", blocks=()), ReportOptions(), ZONE)
    text = text_of(html)
    assert "24 November 2026" in text
    assert "Highlighted" in text and "Agreed values" in text and "Insights &amp; actions" in html
    assert "mean" in text and "4.5" in text
    assert "programme as run" not in text  # no blocks: no program


def test_word_cloud_boxes_never_overlap() -> None:
    words = [("verbinding", 14), ("groei", 9), ("samenwerken", 8), ("gelijkwaardigheid", 7), ("ruimte", 5)]
    words += [(f"woord{i}", 1 + i % 4) for i in range(40)]
    words += [("een heel lange zin als woord", 2), ("<b>&amp;", 3)]
    placed = wordcloud_svg.layout(words, 720, 330)
    assert placed[0].text == "verbinding"
    assert abs(placed[0].x + placed[0].width / 2 - 360) < 40  # the largest word in the centre
    assert len(placed) >= 40
    for first, second in itertools.combinations(placed, 2):
        assert not first.overlaps(second), (first.text, second.text)
    for word in placed:
        assert word.x >= 0 and word.x + word.width <= 720
        assert word.y >= 0 and word.y + word.height <= 330
    sizes = {w.text: w.size for w in placed}
    assert sizes["verbinding"] > sizes["groei"] > sizes["woord0"]
    svg = wordcloud_svg.render(words, 720, 330, label="Wolk")
    assert svg == wordcloud_svg.render(words, 720, 330, label="Wolk")  # deterministic
    assert "&lt;b&gt;&amp;amp;" in svg and "<b>" not in svg
    assert wordcloud_svg.render([], 200, 100).startswith("<svg")


# The PDF is printed from the same MeetingData on every database: printed once, on SQLite (a run,
# not a skipped PostgreSQL twin; the HTML report above is checked on both databases).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_pdf_has_the_headings_words_and_figures(built: tuple[Built, MeetingData], tmp_path: Path) -> None:
    if report.find_chromium() is None:
        if REQUIRE_SERVICES:
            pytest.fail("Chromium is missing (KRING_REQUIRE_SERVICES=1 makes this an error)")
        pytest.skip("Chromium is not installed")
    _, data = built
    pdf = render_pdf(render_html(data, ReportOptions(), ZONE))
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout
    words = " ".join(text.decode("utf-8").split())
    # The word cloud and the bar charts are SVG with real text: their words print as text. Each
    # cloud word shows twice, in the cloud and in the list of most used words under it.
    for word in ("verbinding", "groei", "gelijkwaardigheid", "diversiteit", "luisteren", "ruimte"):
        assert words.count(word) >= 2, word
    assert "erbij horen" in words
    for expected in ("Fase 0", "Fase 1", "1 · 33,3%", "2 · 66,7%", "havermout", "brood", "Annabel"):
        assert expected in words, expected
    for expected in (
        "Programma zoals uitgevoerd",
        "Overgeslagen",
        "Uitgelicht",
        "Afgesproken waarden",
        "Verantwoordelijkheid",
        "Deelgever",
        "Check-out",
        "energie",
        "verbondenheid",
        "Elkaar echt leren kennen",
        "gemiddeld",
        "4,5",
        "24 november 2026",
    ):
        assert expected in words, expected
    assert HIDDEN not in words
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(path), str(tmp_path / "page")], check=True)
    assert sorted(tmp_path.glob("page*.png"))


def test_pdf_without_chromium_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "find_chromium", lambda: None)
    with pytest.raises(ReportUnavailable, match="install chromium"):
        render_pdf("<!doctype html><p>x</p>")


def test_emoji_in_the_word_cloud_are_measured_without_warnings() -> None:
    import warnings

    from server.services import wordcloud_svg

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        svg = wordcloud_svg.render(
            [("\U0001f9d1\u200d\U0001f4bb samen", 3), ("\U0001f389", 2), ("groei", 1)], 600, 300
        )
    assert "groei" in svg
