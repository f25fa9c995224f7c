"""The wrap-up report ("wrap-up samenstellen … en versturen naar de groep"): one designed page, HTML and PDF.

``render_html`` turns a loaded meeting (``export_data.load``) into one self-contained HTML file: the CSS
inlined, the charts (matplotlib) and the word cloud as inline SVG, no scripts and no external URLs.
``render_pdf`` prints that file with headless Chromium.

What goes to the group is what the big screen showed: hidden answers and words stay out, and so do the
facilitator-only activities (the exploreervraag) unless ``ReportOptions.private``. Participants appear
only by the nickname they gave, and only with ``ReportOptions.nicknames``; no ids, keys, tokens, IP
addresses or the join code are ever written.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from server import i18n
from server.domain.agenda import Agenda, BlockInfo, timing
from server.domain.errors import Code, DomainError
from server.kinds import Audience, get
from server.kinds.base import ReportContext
from server.services import charts, compare_report, followup_export, pace_export, qa_export, wordcloud_svg
from server.services.export_data import ActivityData, MeetingData
from server.text import C_, N_, Text

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATES = ROOT / "web" / "templates"
STYLESHEET = ROOT / "web" / "static" / "css" / "report.css"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PDF_TIMEOUT_SECONDS = 60.0
AUDIENCE: Audience = "presenter"  # the report shows what the big screen shows: nothing moderation hid

LABELS: dict[str, Text] = {
    "kicker": N_("Wrap-up"),
    "program": N_("The programme as run"),
    "block": N_("Part"),
    "planned": N_("Planned"),
    "actual": N_("Actual"),
    "difference": N_("Difference"),
    "skipped": N_("Skipped"),
    "not_reached": N_("Not reached"),
    "running": N_("Still running"),
    "total": N_("Total"),
    "break": N_("break"),
    "optional": N_("optional"),
    "min": N_("min"),
    "results": N_("What we gathered together"),
    "highlighted": N_("Highlighted"),
    "other_answers": N_("All other answers"),
    "agreed": N_("Agreed values"),
    "not_agreed": N_("Not agreed (yet)"),
    "yes": N_("yes"),
    "no": N_("no"),
    "cards": N_("Insights & actions"),
    "checkout": N_("Check-out"),
    "stepped_in": C_("several people", "stepped in"),
    "stepped_in_one": C_("one person", "stepped in"),
    "mean": N_("mean"),
    "answers": N_("answers"),
    "answer": N_("answer"),
    "ratings": N_("ratings"),
    "participants": N_("participants"),
    "activities": N_("activities"),
    "members": N_("In this group"),
    "anonymous": N_("without a name"),
    "questions": N_("Questions to discuss"),
    "top_words": N_("Mentioned most"),
    "facilitator_only": N_("For facilitators only"),
    "made_with": N_("Made with Kring"),
    "theme": N_("Theme"),
    "low_high": N_("from {low} to {high}"),
    "respondents": N_("{n} participants answered"),
    "respondent": N_("1 participant answered"),
}


@dataclass(frozen=True)
class ReportOptions:
    nicknames: bool = True  # False: leave every nickname out (one switch)
    # True: include facilitator-only activities (settings.private, e.g. the exploreervraag)
    private: bool = False


class ReportUnavailable(DomainError):
    """The PDF cannot be made here (no Chromium, or it failed); the HTML report still can."""

    def __init__(self, message: str) -> None:
        super().__init__(Code.REPORT_UNAVAILABLE, message)


def labels(language: str) -> dict[str, str]:
    return i18n.words(LABELS, language)


def long_date(moment: datetime, zone: ZoneInfo, language: str) -> str:
    """'24 november 2026' (nl) or '24 November 2026' (en), on the local calendar."""
    return i18n.long_date(moment.astimezone(zone).date(), language)


# -- the program as run -----------------------------------------------------------------------


def _now(data: MeetingData) -> datetime:
    """The moment the report looks back from: the agenda's end, else the last thing that happened."""
    if data.agenda_ended_at is not None:
        return data.agenda_ended_at
    moments = [b.entered_at for b in data.blocks if b.entered_at is not None]
    moments += [t for a in data.activities if (t := a.last_answer) is not None]
    if data.agenda_started_at is not None:
        moments.append(data.agenda_started_at)
    return max(moments) if moments else datetime.now(UTC)


def _clock(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")


def _signed(minutes: int) -> str:
    return "0" if minutes == 0 else f"+{minutes}" if minutes > 0 else f"−{-minutes}"


def program(data: MeetingData, zone: ZoneInfo) -> dict[str, Any] | None:
    """Per agenda block: planned start and length against the actual minutes; skipped blocks marked."""
    if not data.blocks:
        return None
    words = labels(data.language)
    agenda = Agenda(
        blocks=tuple(
            BlockInfo(
                id=b.id,
                position=b.position,
                title=b.title,
                duration_minutes=b.duration_minutes,
                goal=b.goal,
                essential=b.essential,
                is_break=b.is_break,
                start_time=b.start_time,
                started_at=b.started_at,
                entered_at=b.entered_at,
                spent_seconds=b.spent_seconds,
            )
            for b in data.blocks
        ),
        current_block_id=data.current_block_id,
        started_at=data.agenda_started_at,
        ended_at=data.agenda_ended_at,
    )
    now = _now(data)
    times = timing(agenda, now)
    rows: list[dict[str, Any]] = []
    actual_total = 0
    for block in agenda.ordered:
        status = times.statuses[block.id]
        offset = times.planned_offsets[block.id]
        if block.start_time:
            planned_start = block.start_time
        elif agenda.started_at is not None:
            planned_start = _clock(agenda.started_at + timedelta(minutes=offset), zone)
        else:
            planned_start = f"+{offset} {words['min']}"
        row: dict[str, Any] = {
            "title": block.title,
            "goal": block.goal,
            "is_break": block.is_break,
            "essential": block.essential,
            "planned_start": planned_start,
            "planned_minutes": block.duration_minutes,
            "status": status,
            "actual_start": None,
            "actual_minutes": None,
            "delta": None,
            "over": False,
        }
        if status in ("done", "current"):
            minutes = round(times.elapsed[block.id] / 60)
            actual_total += minutes
            delta = minutes - block.duration_minutes
            row.update(
                actual_minutes=minutes,
                actual_start=_clock(block.started_at, zone) if block.started_at is not None else None,
                delta=_signed(delta),
                over=delta > 0,
            )
        rows.append(row)
    if agenda.started_at is not None:
        end = agenda.ended_at or now
        actual_total = max(actual_total, round((end - agenda.started_at).total_seconds() / 60))
    started = agenda.started_at is not None
    total_delta = actual_total - times.planned_minutes
    return {
        "rows": rows,
        "planned_minutes": times.planned_minutes,
        "actual_minutes": actual_total if started else None,
        "delta": _signed(total_delta) if started else None,
        "over": started and total_delta > 0,
        "started_at": _clock(agenda.started_at, zone) if agenda.started_at is not None else None,
        "ended_at": _clock(agenda.ended_at, zone) if agenda.ended_at is not None else None,
        "skipped": sum(1 for r in rows if r["status"] == "skipped"),
    }


# -- the activities ---------------------------------------------------------------------------


def section(
    activity: ActivityData,
    number: int,
    results: Mapping[str, Any],
    language: str,
    options: ReportOptions,
) -> dict[str, Any] | None:
    """What one activity contributes to the report; None when nothing is left to show."""
    words = labels(language)
    respondents = int(results.get("respondents", 0) or 0)
    base: dict[str, Any] = {
        "kind": activity.kind,
        "number": number,
        "prompt": activity.prompt,
        "private": activity.private,
        "respondents": words["respondents"].format(n=respondents)
        if respondents != 1
        else words["respondent"],
    }
    context = ReportContext(
        say=i18n.sayer(language),
        words=words,
        number=lambda value: charts.number(value, language),
        nicknames=options.nicknames,
        salt=f"kring-{number}",
    )
    found = get(activity.kind).report_section(base, results, context)
    return None if found is None else _drawn(found, language)


def _drawn(value: Any, language: str) -> Any:
    """The section with each chart spec (a dict with "chart") drawn as inline SVG."""
    if isinstance(value, dict):
        if "chart" in value:
            return Markup(_draw(value, language))
        return {key: _drawn(item, language) for key, item in value.items()}
    if isinstance(value, list):
        return [_drawn(item, language) for item in value]
    return value


def _draw(spec: Mapping[str, Any], language: str) -> str:
    chart = spec["chart"]
    if chart == "bars":
        return charts.bars(spec["rows"], salt=spec["salt"])
    if chart == "strips":
        return charts.strips(spec["rows"], spec["low"], spec["high"], language, salt=spec["salt"])
    if chart == "distribution":
        return charts.distribution(spec["counts"], spec["low"], spec["mean"], salt=spec["salt"])
    if chart == "plane":
        return charts.plane(
            spec["dots"], spec["x"], spec["y"], spec["quadrants"], ellipse=spec["ellipse"], salt=spec["salt"]
        )
    if chart == "cloud":
        return wordcloud_svg.render(spec["words"], spec["width"], spec["height"], label=spec["label"])
    raise ValueError(f"unknown chart {chart!r}")


# -- the page ---------------------------------------------------------------------------------


def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "xml"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(data: MeetingData, options: ReportOptions, zone: ZoneInfo) -> str:
    """The report as one self-contained HTML document (CSS inlined, SVG inline, no JS, no URLs)."""
    language = data.language if data.language in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
    names: Mapping[int, str | None] = data.nicknames if options.nicknames else {}
    sections: list[dict[str, Any]] = []
    for activity in data.activities:
        if not activity.answers or (activity.private and not options.private):
            continue
        results = activity.results(AUDIENCE, names)
        part = section(activity, len(sections) + 1, results, language, options)
        if part is not None:
            sections.append(part)
    template = environment().get_template("report.html")
    return template.render(
        lang=language,
        t=labels(language),
        title=data.title,
        theme=data.theme,
        date=long_date(data.held_on, zone, language),
        participants=len(data.participants),
        program=program(data, zone),
        sections=sections,
        beside=qa_export.report(
            data.beside, {a.id: a.prompt for a in data.activities}, language, nicknames=options.nicknames
        ),
        follow_ups=followup_export.report(data.follow_ups, language),
        paced=pace_export.report(data.questionnaires, {a.id: a.prompt for a in data.activities}, language),
        comparisons=compare_report.report(data.comparisons, language),
        css=Markup(STYLESHEET.read_text(encoding="utf-8")),
    )


# -- PDF --------------------------------------------------------------------------------------


def find_chromium() -> str | None:
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def render_pdf(html: str, *, timeout: float = PDF_TIMEOUT_SECONDS) -> bytes:
    """Print the report with headless Chromium; ReportUnavailable when that is not possible here."""
    binary = find_chromium()
    if binary is None:
        raise ReportUnavailable(
            "The PDF report needs Chromium, which is not installed on this server: install chromium "
            "(Debian/Ubuntu: apt-get install chromium), or save the HTML report and print it from a browser."
        )
    with tempfile.TemporaryDirectory(prefix="kring-report-") as folder:
        tmp = Path(folder)
        page, out = tmp / "report.html", tmp / "report.pdf"
        page.write_text(html, encoding="utf-8")
        command = [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-pdf-header-footer",
            "--user-agent=Kring",  # else the PDF's Creator is Chromium's user agent
            "--no-first-run",
            "--disable-extensions",
            f"--user-data-dir={tmp / 'profile'}",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        try:
            process = subprocess.Popen(
                command,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env={**os.environ, "HOME": str(tmp)},
                start_new_session=True,  # Chromium's helpers share the group: a timeout ends them all
            )
        except OSError as exc:
            raise ReportUnavailable(
                f"Chromium ({binary}) could not be started: {exc}; install chromium."
            ) from None
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            raise ReportUnavailable(f"Chromium did not finish the PDF within {timeout:.0f} s.") from None
        if not out.exists() or out.stat().st_size == 0:
            tail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise ReportUnavailable(
                f"Chromium made no PDF (exit code {process.returncode}): {' | '.join(tail) or 'no message'}"
            )
        return out.read_bytes()


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):  # it may have ended just now
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
