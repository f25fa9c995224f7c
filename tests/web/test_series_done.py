"""Issue 19's "done when", in Chromium: a series of 3 meetings with 5 people. anna keeps her
phone and her pass; bram takes the pass and carries it to a new device at meeting 2 by typing his
personal code, cas does so at meeting 3; dewi refuses the pass and stays anonymous; eva takes
the pass and erases herself ("Vergeet mij") after meeting 2. Each rates the checklist (linked
across the series) and writes an action card; at meetings 2 and 3 their own cards come back on
their phones and they say what became of them. The report of meeting 3 shows the matched before
and after and the follow-through, equal to a recount from the exports."""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean, pstdev
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.conftest import migrated_sqlite_url
from tests.support import live_server
from tests.web.browser import WAIT, PageProblems, launch, phone_context, shot
from tests.web.test_series_pass import rate

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(300)]

CHECKLIST = "actieleren-checklist"
# Stars on the checklist's first statement, per meeting (None: not there).
RATINGS = {
    "anna": (2, 3, 4),
    "bram": (3, 3, 5),
    "cas": (1, 2, 4),
    "dewi": (5, 4, 1),
    "eva": (4, 5, None),
}
# What each says, at meetings 2 and 3, of the action card they wrote the meeting before.
FOLLOW_UPS = {
    2: {"anna": "Gedaan", "bram": "Deels", "cas": "Nog niet", "eva": "Gedaan"},
    3: {"anna": "Gedaan", "bram": "Gedaan", "cas": "Deels"},
}


@dataclass
class Person:
    name: str
    page: Page | None = None
    code: str = ""
    devices: list[Page] = field(default_factory=list)


def host(meeting: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {meeting['host_key']}"}


def activity(base: str, meeting: dict[str, Any], test: Any) -> int:
    found = httpx.get(f"{base}/api/meetings/{meeting['code']}", headers=host(meeting), timeout=10).json()
    meeting["join_url"] = found["join_url"]
    (chosen,) = [a for a in found["activities"] if test(a)]
    return int(chosen["id"])


def open_activity(base: str, meeting: dict[str, Any], activity_id: int) -> None:
    url = f"{base}/api/meetings/{meeting['code']}/activities/{activity_id}/open"
    httpx.post(url, headers=host(meeting), timeout=10).raise_for_status()


async def new_device(browser: Browser, person: Person) -> Page:
    page = await (await phone_context(browser)).new_page()
    person.page = page
    person.devices.append(page)
    return page


async def join(person: Person, url: str, *, code: str | None = None) -> None:
    """A phone at the join link: with the pass's cookie it is in at once; else the form (with the
    personal code typed in, when given)."""
    page = person.page
    assert page is not None
    await page.goto(url)
    await expect(page.locator("#welcome:visible, #pass-number:visible").first).to_be_visible(timeout=WAIT)
    if await page.locator("#welcome").is_visible():
        if code:
            await page.locator("#pass-code").fill(code.lower().replace("-", " "))
        await page.locator("#join-form button").tap()
    await expect(page.locator("#conn")).to_have_attribute("data-state", "online", timeout=WAIT)


async def write_card(page: Page, name: str, position: int) -> None:
    await expect(page.locator(".kind-cards")).to_be_visible(timeout=WAIT)
    await page.fill("#card-insight", f"Inzicht van {name} in bijeenkomst {position}")
    await page.fill("#card-action", f"Actie van {name} na bijeenkomst {position}")
    await page.locator(".kind-cards form button[type=submit]").tap()
    await expect(page.locator(".sent-ok")).to_have_count(1, timeout=WAIT)


async def follow_up(page: Page, name: str, position: int, status: str) -> None:
    carried = page.locator("#carried")
    await expect(carried).to_contain_text(f"Actie van {name} na bijeenkomst {position - 1}", timeout=WAIT)
    await carried.get_by_role("button", name=status, exact=True).tap()
    await carried.get_by_role("button", name="Opslaan").tap()
    await expect(carried.locator("[role=status]")).to_have_text("Bewaard. Alleen jij ziet dit.", timeout=WAIT)


def checklist_values(export: dict[str, Any]) -> dict[int, float]:
    """series number -> stars on the checklist's first statement, recounted from a JSON export."""
    series_numbers = {p["number"]: p.get("series_number") for p in export["participants"]}
    (scales,) = [a for a in export["activities"] if a["prompt"].startswith("Klaar voor actieleren!")]
    return {
        series_numbers[a["participant"]]: a["payload"]["value"]
        for a in scales["answers"]
        if a["slot"] == "0" and series_numbers[a["participant"]] is not None
    }


async def test_a_three_meeting_series_with_five_phones(tmp_path: Path, page_problems: PageProblems) -> None:
    # A phone without the pass's cookie asks for it first and is told 404 no_pass, on purpose.
    page_problems.allow(r"^HTTP 404: \w+ \S+/api/join/\w+/(pass/join|actions)$")
    page_problems.allow(r"^console error: .*status of 404 \(Not Found\).*$")
    with live_server(migrated_sqlite_url(tmp_path)) as live:
        base = live.base
        body = {"title": "Lerend netwerk Inclusie", "theme": "Inclusie"}
        made = httpx.post(f"{base}/api/series", json=body, timeout=10)
        series = made.json()
        key = {"Authorization": f"Bearer {series['key']}"}
        meetings = [
            httpx.post(f"{base}/api/series/{series['id']}/meetings", json={}, headers=key, timeout=30).json()
            for _ in range(3)
        ]
        people = {name: Person(name) for name in RATINGS}
        async with async_playwright() as pw:
            browser = await launch(pw)
            for position, meeting in enumerate(meetings, 1):
                checklist = activity(base, meeting, lambda a: a["series_link"] == CHECKLIST)
                cards = activity(base, meeting, lambda a: a["kind"] == "cards")
                url = meeting["join_url"]
                here = [p for p in people.values() if RATINGS[p.name][position - 1] is not None]
                for person in here:
                    moves = (person.name == "bram" and position == 2) or (
                        person.name == "cas" and position == 3
                    )
                    if person.page is None or moves:
                        await new_device(browser, person)
                    await join(person, url, code=person.code if moves else None)
                    page = person.page
                    assert page is not None
                    if position == 1 and person.name != "dewi":
                        await page.locator("#pass").get_by_role("button", name="Neem een netwerkpas").tap()
                        shown = page.locator("#pass-code-shown")
                        await expect(shown).to_have_text(
                            re.compile(r"^[2-9A-Z]{4}(-[2-9A-Z]{4}){2}$"), timeout=WAIT
                        )
                        person.code = await shown.inner_text()
                    elif position == 1:
                        await (
                            page.locator("#pass")
                            .get_by_role("button", name="Nee, dank je: ik blijf anoniem")
                            .tap()
                        )
                    if person.name != "dewi":
                        await expect(page.locator("#pass-number")).to_contain_text(
                            "van de reeks", timeout=WAIT
                        )
                # Their own actions of last time, on their own phones; nobody else's.
                for name, status in FOLLOW_UPS.get(position, {}).items():
                    page = people[name].page
                    assert page is not None
                    await follow_up(page, name, position, status)
                    if name == "anna" and position == 3:
                        await shot(page, "phone-carried-actions", full=True)
                dewi = people["dewi"].page
                assert dewi is not None
                await expect(dewi.locator("#carried")).to_be_hidden()
                open_activity(base, meeting, checklist)
                for person in here:
                    assert person.page is not None
                    stars = RATINGS[person.name][position - 1]
                    assert stars is not None
                    await rate(person.page, 0, stars)
                open_activity(base, meeting, cards)
                for person in here:
                    if person.name != "dewi":
                        assert person.page is not None
                        await write_card(person.page, person.name, position)
                if position == 2:  # eva leaves the network: everything of hers goes, in both meetings
                    eva = people["eva"].page
                    assert eva is not None
                    await eva.get_by_role("button", name="Vergeet mij").tap()
                    await eva.locator(".forget-panel").scroll_into_view_if_needed()
                    await shot(eva, "phone-forget-me-series")
                    await eva.get_by_role("button", name="Ja, wis alles van mij").tap()
                    await expect(eva.locator("#forgotten")).to_contain_text(
                        "in de bijeenkomsten van deze reeks", timeout=WAIT
                    )
            await browser.close()

        # The exports: numbered per series, without eva, without any code.
        exports = [
            httpx.get(f"{base}/api/meetings/{m['code']}/export.json", headers=host(m), timeout=30)
            for m in meetings
        ]
        first, second, third = (e.json() for e in exports)
        for text in (e.text for e in exports):
            assert all(p.code not in text for p in people.values() if p.code)
            assert "Actie van eva" not in text and "Inzicht van eva" not in text
        assert [len(e["participants"]) for e in (first, second, third)] == [4, 4, 4]
        assert sorted(p.get("series_number", 0) for p in third["participants"]) == [0, 1, 2, 3]

        # Recount the matched before and after (meeting 1 beside meeting 3) from the exports.
        before, after = checklist_values(first), checklist_values(third)
        matched = sorted(set(before) & set(after))
        assert len(matched) == 3  # anna, bram, cas: not dewi (anonymous), not eva (erased)
        recount = (round(mean(before[n] for n in matched), 2), round(mean(after[n] for n in matched), 2))
        assert recount == (2.0, 4.33)
        third_meeting = meetings[2]
        checklist = activity(base, third_meeting, lambda a: a["series_link"] == CHECKLIST)
        compared = httpx.get(
            f"{base}/api/meetings/{third_meeting['code']}/activities/{checklist}/compare",
            headers=host(third_meeting),
            timeout=10,
        ).json()
        statement = compared["compare"]["statements"][0]
        assert (statement["matched"], statement["before"]["mean"], statement["after"]["mean"]) == (
            3,
            *recount,
        )

        # The follow-through at meeting 3, recounted from its export, is the report's.
        answers = third["follow_ups"]["answers"]
        counted = Counter(a["status"] for a in answers)
        assert counted == Counter({"done": 2, "partly": 1})
        report = httpx.get(
            f"{base}/api/meetings/{third_meeting['code']}/report.html",
            headers=host(third_meeting),
            timeout=60,
        ).text
        for label, status in (("Gedaan", "done"), ("Deels", "partly"), ("Nog niet", "not_yet")):
            assert f"<b>{label}</b>: {counted.get(status, 0)}</li>" in report
        assert f"{len(answers)} van {third['follow_ups']['carried']} acties" in report
        # Meeting 2's follow-through counted eva; erased, she is gone from it too: 3 left.
        assert Counter(a["status"] for a in second["follow_ups"]["answers"]) == Counter(
            {"done": 1, "partly": 1, "not_yet": 1}
        )

        # The matched before and after in the report of meeting 3 (series' compare section).
        def dutch(value: float) -> str:
            return f"{value:.2f}".replace(".", ",")

        spreads = [
            (round(mean(side), 2), round(pstdev(side), 2))
            for side in ([before[n] for n in matched], [after[n] for n in matched])
        ]
        shown = [f"<td>{dutch(m)} (± {dutch(sd)})</td>" for m, sd in spreads]
        change = recount[1] - recount[0]
        assert f"{shown[0]}{shown[1]}<td>+{dutch(change)}</td>" in report
        assert "Over 3 gekoppelde deelnemers: wie aan beide bijeenkomsten meedeed" in report
        series_report = httpx.get(
            f"{base}/api/series/{series['id']}/report.html", headers=key, timeout=60
        ).text
        # The series report: the same figures, for meeting 1 beside meeting 3.
        assert f"{shown[0]}{shown[1]}<td>+{dutch(change)}</td>" in series_report
        if os.environ.get("KRING_SCREENSHOTS") == "1":  # the README's pictures of both reports
            async with async_playwright() as pw:
                browser = await launch(pw)
                page = await browser.new_page(viewport={"width": 900, "height": 1200})
                for name, html in (("report-series-meeting", report), ("series-report", series_report)):
                    await page.set_content(html)
                    await shot(page, name, full=True)
                await browser.close()
