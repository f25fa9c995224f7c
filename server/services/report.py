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
from typing import Any, cast
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from server import i18n
from server.domain.agenda import Agenda, BlockInfo, timing
from server.domain.errors import DomainError
from server.domain.tally import Audience
from server.services import charts, qa_export, wordcloud_svg
from server.services.export_data import ActivityData, MeetingData
from server.text import C_, N_, Text

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATES = ROOT / "web" / "templates"
STYLESHEET = ROOT / "web" / "static" / "css" / "report.css"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PDF_TIMEOUT_SECONDS = 60.0
AUDIENCE: Audience = "presenter"  # the report shows what the big screen shows: nothing moderation hid
CLOUD_SIZE = (720, 330)
TOP_WORDS = 30  # "Meest genoemd" lists this many; it says how many more there are

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
        super().__init__("report_unavailable", message)


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


def _ints(value: object) -> list[int]:
    return [v for v in value if isinstance(v, int)] if isinstance(value, list) else []


def _items(value: object) -> list[dict[str, Any]]:
    return [cast(dict[str, Any], v) for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def section(
    activity: ActivityData,
    number: int,
    results: Mapping[str, Any],
    language: str,
    options: ReportOptions,
) -> dict[str, Any] | None:
    """What one activity contributes to the report; None when nothing is left to show."""
    words = labels(language)
    kind = activity.kind
    respondents = int(results.get("respondents", 0) or 0)
    base: dict[str, Any] = {
        "kind": kind,
        "number": number,
        "prompt": activity.prompt,
        "private": activity.private,
        "respondents": words["respondents"].format(n=respondents)
        if respondents != 1
        else words["respondent"],
    }
    salt = f"kring-{number}"
    if kind == "open":
        answers = _items(results.get("answers"))
        if not answers:
            return None
        # The tally lists the newest first; the report reads in the order people wrote.
        answers = sorted(answers, key=lambda a: (not a.get("highlighted"), int(a.get("id", 0))))
        return {
            **base,
            "highlighted": [_text(a.get("text")) for a in answers if a.get("highlighted")],
            "answers": [_text(a.get("text")) for a in answers if not a.get("highlighted")],
        }
    if kind == "wordcloud":
        cloud = [(_text(w.get("text")), int(w.get("count", 0))) for w in _items(results.get("words"))]
        cloud = [(text, count) for text, count in cloud if text and count > 0]
        if not cloud:
            return None
        width, height = CLOUD_SIZE
        svg = wordcloud_svg.render(cloud, width, height, label=activity.prompt)
        left = len(cloud) - TOP_WORDS
        more = N_("and one more word") if left == 1 else N_("and {n} more words", n=left)
        return {
            **base,
            "svg": Markup(svg),
            "top": cloud[:TOP_WORDS],
            "more": i18n.say(more, language) if left > 0 else "",
        }
    if kind == "scales":
        return _scales(base, results, language, salt)
    if kind in ("choice", "groups"):
        key = "options" if kind == "choice" else "groups"
        entries = _items(results.get(key))
        if not any(int(e.get("count", 0)) for e in entries):
            return None
        bars: list[dict[str, Any]] = []
        for entry in entries:
            count = int(entry.get("count", 0))
            bar: dict[str, Any] = {
                "text": _text(entry.get("text")),
                "count": count,
                "percent": charts.number(float(p), language)
                if isinstance(p := entry.get("percent"), int | float)
                else None,
            }
            if kind == "groups":
                members = entry.get("members")
                names = [m for m in members if isinstance(m, str) and m] if isinstance(members, list) else []
                bar["members"] = sorted(names, key=str.casefold) if options.nicknames else []
                bar["anonymous"] = count - len(bar["members"])
            bars.append(bar)
        questions = results.get("questions")
        # The big screen's scale: a choice's bar is its share of the people who answered (its
        # percent), a group's its share of everyone in a group; never relative to the largest.
        everyone = sum(bar["count"] for bar in bars) or 1
        shares = [
            float(p) / 100
            if kind == "choice" and isinstance(p := entry.get("percent"), int | float)
            else bar["count"] / everyone
            for entry, bar in zip(entries, bars, strict=True)
        ]
        chart = [
            (
                bar["text"],
                share,
                f"{bar['count']} · {bar['percent']}%"
                if kind == "choice" and bar["percent"] is not None
                else str(bar["count"]),
            )
            for bar, share in zip(bars, shares, strict=True)
        ]
        return {
            **base,
            "bars": bars,
            "svg": Markup(charts.bars(chart, salt=salt)),
            "questions": [q for q in questions if isinstance(q, str)] if isinstance(questions, list) else [],
        }
    if kind == "cards":
        cards = [
            {
                "insight": _text(c.get("insight")),
                "action": _text(c.get("action")),
                "name": _text(c.get("name")).strip() if options.nicknames else "",
                "highlighted": bool(c.get("highlighted")),
            }
            for c in _items(results.get("cards"))
        ]
        if not cards:
            return None
        return {
            **base,
            "insight_label": _text(results.get("insight_label")),
            "action_label": _text(results.get("action_label")),
            "cards": cards,
        }
    if kind == "checkout":
        checkout = [
            {"text": _text(w.get("text")), "stepins": int(w.get("stepins", 0))}
            for w in _items(results.get("words"))
        ]
        if not checkout:
            return None
        for word in checkout:
            word["label"] = words["stepped_in_one"] if word["stepins"] == 1 else words["stepped_in"]
        return {**base, "words": checkout}
    return None  # pragma: no cover - every kind is handled above


def _scales(
    base: dict[str, Any], results: Mapping[str, Any], language: str, salt: str
) -> dict[str, Any] | None:
    words = labels(language)
    mode = _text(results.get("mode")) or "stars"
    low, high = int(results.get("min", 1)), int(results.get("max", 5))
    statements = [s for s in _items(results.get("statements")) if int(s.get("count", 0)) > 0]
    if not statements:
        return None
    out: dict[str, Any] = {
        **base,
        "mode": mode,
        "label_low": results.get("label_low"),
        "low": low,
        "high": high,
    }
    out["label_high"] = results.get("label_high")
    if mode == "yesno":
        agreed: list[dict[str, Any]] = []
        open_: list[dict[str, Any]] = []
        for s in _items(results.get("statements")):
            no, yes = ([*_ints(s.get("distribution")), 0, 0])[:2]
            item = {"text": _text(s.get("text")), "yes": yes, "no": no}
            (agreed if s.get("agreed") else open_).append(item)
        out.update(agreed=agreed, not_agreed=[i for i in open_ if i["yes"] or i["no"]])
        return out
    if mode == "numeric":
        rows = [
            (_text(s.get("text")), _ints(s.get("values")), _mean(s.get("mean")))
            for s in _items(results.get("statements"))
        ]
        out["svg"] = Markup(charts.strips(rows, low, high, language, salt=salt))
        out["range"] = words["low_high"].format(low=low, high=high)
        out["statements"] = [
            {"text": t, "count": len(v), "mean": charts.number(m, language) if m is not None else None}
            for t, v, m in rows
        ]
        return out
    rated = []
    for index, s in enumerate(statements):
        mean = _mean(s.get("mean"))
        rated.append(
            {
                "text": _text(s.get("text")),
                "count": int(s.get("count", 0)),
                "mean": charts.number(mean, language) if mean is not None else "–",
                "mean_value": mean,
                "svg": Markup(
                    charts.distribution(_ints(s.get("distribution")), low, mean, salt=f"{salt}-{index}")
                ),
            }
        )
    out["statements"] = rated
    return out


def _mean(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


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
