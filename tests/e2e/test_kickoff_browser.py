"""The whole kick-off in real browsers, on an injected clock the test advances.

A facilitator makes the meeting on /new from their own copy of the kick-off draaiboek (a broken file
first: the page names the line), then runs it from the remote's own buttons: "Volgend blok" through
all eleven blocks, "… openen" for every activity. Five phones answer every activity, including the
second groups round and the quote. The big screen and the remote show the current block, its
countdown, plan versus actual ("10 min achter") and, when the meeting runs late, the advice on the
optional blocks; the facilitator takes it and catches up. At the end the agenda is ended and the
meeting deleted with the remote's "Delete this meeting now" and its confirmation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, async_playwright, expect

from server.draaiboek import TemplateError, parse
from server.i18n import say
from tests.conftest import migrated_sqlite_url
from tests.factories import ManualClock
from tests.support import live_server

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(240)]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
KICKOFF = Path(__file__).resolve().parents[2] / "server" / "draaiboek" / "builtin" / "kickoff.yaml"
NAMES = ["Ans", "Bram", "Cor", "Dewi", None]  # one participant keeps no nickname
WAIT = 15_000  # ms: the longest any page may take to follow the room

# Minutes each block really takes (the others: as planned). The Kennismaken runs ten minutes over;
# the advice is to halve both pauses (the only optional blocks), and the facilitator does. The
# Kennissnack then runs over too, more than can be won back; the two Actieleren blocks catch up.
ACTUAL = {
    "Inloop": 15,
    "Opening": 30,
    "Kennismaken": 40,
    "Pauze": 5,
    "Kennissnack / inspiratieblok": 55,
    "Actieleren – theorie & ervaren": 15,
    "Actieleren – toepassing": 15,
}
LATE, NOT_ALL = "Pauze inkorten tot 5 min", "Ook dan haal je niet alle tijd in."
# Per block, on entering it and at the end of its actual time: plan versus actual, and the remote's
# advice. A block's unused planned time counts until the facilitator moves on.
STATES: tuple[tuple[str, list[str], str, list[str]], ...] = (
    ("op schema", [], "op schema", []),  # Inloop
    ("op schema", [], "op schema", []),  # Opening
    ("op schema", [], "10 min achter", [LATE, LATE]),  # Kennismaken, 10 over: halve both pauses
    ("10 min achter", [LATE, LATE], "10 min achter", [LATE, LATE]),  # Pauze, the advice taken
    ("5 min achter", [LATE], "15 min achter", [LATE, NOT_ALL]),  # Kennissnack, 10 over
    ("15 min achter", [LATE, NOT_ALL], "15 min achter", [LATE, NOT_ALL]),  # Pauze, halved
    ("10 min achter", [], "10 min achter", []),  # Actieleren – theorie, 5 early
    ("5 min achter", [], "5 min achter", []),  # Actieleren – toepassing, 5 early
    ("op schema", [], "op schema", []),  # Contracteringsafspraken
    ("op schema", [], "op schema", []),  # Afronding
    ("op schema", [], "op schema", []),  # Check-out
)


async def plan_versus_actual(big: Page, remote: Page, delta: str, advice: list[str]) -> None:
    for page in (big, remote):
        await expect(page.locator(".agenda-delta")).to_have_text(delta, timeout=WAIT)
    if advice:
        await expect(remote.locator("#advice li")).to_have_text(advice, timeout=WAIT)
        tips = " · ".join(line for line in advice if line != NOT_ALL)
        await expect(big.locator(".agenda-advice")).to_have_text(f"Tip: {tips}", timeout=WAIT)
    else:
        await expect(remote.locator("#advice li")).to_have_count(0, timeout=WAIT)
        await expect(big.locator(".agenda-advice")).to_have_count(0, timeout=WAIT)


Answer = Callable[[int, Page], Awaitable[None]]


async def sent(page: Page, count: int = 1) -> None:
    await expect(page.locator(".sent-ok")).to_have_count(count, timeout=WAIT)


def answers(activity: dict[str, Any]) -> Answer:
    """How phone ``i`` answers this activity: one answer each (numeric scales: one per statement)."""
    kind, settings = activity["kind"], activity["settings"]

    async def open_text(i: int, page: Page) -> None:
        await page.fill("#answer-text", f"Mijn tekst {i + 1} bij {activity['prompt'][:20]}")
        await page.click(".kind-open form button[type=submit]")
        await sent(page)

    async def option(i: int, page: Page) -> None:
        await page.locator(".option").nth(i % 2 if kind == "groups" else i % len(settings["options"])).click()
        if kind == "groups":
            await expect(page.locator(".my-group-title")).to_contain_text("Jouw groep:", timeout=WAIT)
        else:
            await sent(page)

    async def scales(i: int, page: Page) -> None:
        if settings["mode"] == "stars":  # kies er drie: each phone rates one statement here
            await page.locator(".statement").nth(i).locator(".star").nth(i % 5).click()
        elif settings["mode"] == "yesno":
            await page.locator(".statement").nth(i).get_by_role("button", name="Ja").click()
        else:  # one "Versturen" sends every slider: the one moved, the others at the middle
            await page.locator(".statement").nth(i).locator("input[type=range]").fill(str(-5 + i * 7))
            await page.locator(".kind-scales").get_by_role("button", name="Versturen").click()
            await sent(page, len(settings["statements"]))
            return
        await sent(page)

    async def word(i: int, page: Page) -> None:
        field = "#word" if kind == "wordcloud" else "#checkout-word"
        await page.fill(field, ["Samen", "Erbij horen", "Respect", "Samen", "Ruimte"][i])
        await page.press(field, "Enter")
        if kind == "wordcloud":
            await expect(page.locator(".chip:not(.chip-pending)")).to_have_count(1, timeout=WAIT)
        else:
            await sent(page)

    async def card(i: int, page: Page) -> None:
        await page.fill("#card-insight", f"Inzicht {i + 1}")
        await page.fill("#card-action", f"Actie {i + 1}")
        await page.click(".kind-cards form button[type=submit]")
        await sent(page)

    return {
        "open": open_text,
        "groups": option,
        "choice": option,
        "scales": scales,
        "wordcloud": word,
        "checkout": word,
        "cards": card,
    }[kind]


def expected_responses(activity: dict[str, Any]) -> int:
    """The answers five phones give: one each, but numeric scales send every statement at once."""
    settings = activity["settings"]
    if activity["kind"] == "scales" and settings["mode"] == "numeric" and not settings.get("pick"):
        return 5 * len(settings["statements"])
    return 5


# What the big screen shows once the five answers are in (the private exploreervraag: nothing).
SCREEN = {
    "open": ".wall-card",
    "groups": ".group-column .member",
    "choice": ".bar-figure",
    "cards": ".idea-card",
    "checkout": ".checkout-result",
}


async def join(page: Page, base: str, code: str, name: str | None) -> None:
    await page.goto(f"{base}/{code}")
    form = page.locator("#join-form")
    await expect(form).to_be_visible(timeout=WAIT)
    if name:
        await page.fill("#nickname", name)
    await form.locator("button").click()
    await expect(page.locator("#welcome")).to_be_hidden(timeout=WAIT)


async def make_the_meeting_on_the_page(page: Page, base: str) -> tuple[str, str]:
    """/new with your own draaiboek: a broken file names its line, the good one makes the meeting.
    Returns the remote and big-screen links."""
    good = KICKOFF.read_text(encoding="utf-8")
    broken = good.replace("duration: 30\n", "duration: dertig\n", 1)
    with pytest.raises(TemplateError) as problem:
        parse(broken, "kickoff-kapot.yaml")
    await page.goto(f"{base}/new")
    await page.get_by_label("Je eigen draaiboek (YAML)").check()
    upload = {"name": "kickoff-kapot.yaml", "mimeType": "text/yaml", "buffer": broken.encode()}
    await page.set_input_files("#own-file", files=[upload])  # type: ignore[list-item]
    # The problem with its line, in the page's language (the loader's English is the API's default).
    where = f"kickoff-kapot.yaml:{problem.value.line}: blocks[1].duration"
    assert str(problem.value) == f'{where}: must be a whole number of minutes from 1 to 1440, got "dertig"'
    dutch = f'{where}: moet een heel aantal minuten van 1 tot 1440 zijn, maar is "dertig"'
    assert say(problem.value.message, "nl") == dutch
    await expect(page.locator("#own-status")).to_have_text(dutch, timeout=WAIT)
    await page.fill("#own-yaml", good)
    await expect(page.locator("#own-status")).to_have_text(
        "Lerend netwerk … — bijeenkomst 1 (kick-off): 11 blokken, 13 activiteiten, 200 min", timeout=WAIT
    )
    await page.locator("#own-values").get_by_label("Thema van het lerend netwerk").fill("Inclusie")
    await page.get_by_role("button", name="Maak de bijeenkomst").click()
    await expect(page.locator("#created")).to_be_visible(timeout=WAIT)
    remote = await page.locator("#created-remote").get_attribute("href")
    screen = await page.locator("#created-presenter").get_attribute("href")
    assert remote and screen
    return remote, screen


async def test_the_whole_kickoff_with_five_phones_on_an_advancing_clock(tmp_path: Any) -> None:
    clock = ManualClock()
    with live_server(migrated_sqlite_url(tmp_path), clock=clock, ws_rate_per_minute=10_000) as live:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            facilitator = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
            facilitator.set_default_timeout(WAIT)
            remote = await facilitator.new_page()
            remote_url, screen_url = await make_the_meeting_on_the_page(remote, live.base)
            code, key = remote_url.split("/m/")[1].split("/")[0], remote_url.split("#key=")[1]
            api = httpx.Client(
                base_url=f"{live.base}/api/meetings/",
                headers={"Authorization": f"Bearer {key}"},
                timeout=10,
            )
            meeting = api.get(code).json()
            assert meeting["title"] == "Lerend netwerk Inclusie — bijeenkomst 1 (kick-off)"
            assert "Opbouw (45 min)" in meeting["preparation"]  # the notes came along
            blocks, activities = meeting["blocks"], {a["id"]: a for a in meeting["activities"]}
            assert len(blocks) == 11 and len(activities) == 13
            await remote.goto(remote_url)
            big = await (await browser.new_context(viewport={"width": 1920, "height": 1080})).new_page()
            await big.goto(screen_url)
            phones: list[Page] = []
            for name in NAMES:
                phone = await (await browser.new_context(viewport={"width": 390, "height": 844})).new_page()
                await join(phone, live.base, code, name)
                phones.append(phone)
            await expect(big.locator("#participants")).to_have_text("5", timeout=WAIT)
            await expect(remote.locator(".block-button")).to_have_count(11, timeout=WAIT)
            # Plan versus actual is the facilitator's; this one shows it to the room as well.
            await expect(big.locator(".agenda-delta")).to_have_count(0)
            await remote.locator("#toggle-schedule").click()
            await expect(remote.locator("#toggle-schedule")).to_have_attribute("aria-pressed", "true")

            for index, block in enumerate(blocks):
                title, planned = block["title"], block["duration_minutes"]
                await remote.locator("#block-next").click()  # the remote's own button
                following = blocks[index + 1]["title"] if index + 1 < len(blocks) else None
                for phone in phones:
                    line = phone.locator("#agenda-line")
                    await expect(line).to_contain_text(f"Nu: {title}", timeout=WAIT)
                    if following:
                        await expect(line).to_contain_text(f"Straks: {following}", timeout=WAIT)
                await expect(big.locator("#agenda .agenda-title")).to_have_text(title, timeout=WAIT)
                await expect(remote.locator(".block-current .block-title")).to_have_text(title, timeout=WAIT)
                # The clock stands still until the test moves it: the full planned time is left.
                for page in (big, remote):
                    await expect(page.locator(".agenda-countdown")).to_have_text(
                        f"{planned}:00", timeout=WAIT
                    )
                await plan_versus_actual(big, remote, *STATES[index][:2])

                for activity_id in block["activity_ids"]:
                    activity = activities[activity_id]
                    prompt = activity["prompt"]
                    await (
                        remote.locator("#activities").get_by_role("button", name=f"“{prompt}” openen").click()
                    )
                    for phone in phones:
                        await expect(phone.locator("h1.prompt")).to_have_text(prompt, timeout=WAIT)
                        await expect(phone.locator(".card > .notice")).to_have_count(0, timeout=WAIT)
                    await expect(big.locator("#prompt")).to_have_text(prompt, timeout=WAIT)
                    answer = answers(activity)
                    await asyncio.gather(*(answer(i, phone) for i, phone in enumerate(phones)))
                    responses = str(expected_responses(activity))
                    await expect(remote.locator("#responses")).to_have_text(responses, timeout=WAIT)
                    await expect(big.locator("#responses")).to_have_text(responses, timeout=WAIT)
                    if activity["settings"].get("private"):
                        # The exploreervraag: the remote reads the answers, the big screen only counts.
                        await expect(remote.locator("#moderation")).to_contain_text(
                            "Mijn tekst 5", timeout=WAIT
                        )
                        await expect(big.locator(".big-count")).to_have_text("5", timeout=WAIT)
                        await expect(big.locator("#results")).not_to_contain_text("Mijn tekst")
                    elif activity["kind"] in SCREEN:
                        await expect(big.locator(SCREEN[activity["kind"]])).to_have_count(
                            5 if activity["kind"] != "choice" else len(activity["settings"]["options"]),
                            timeout=WAIT,
                        )

                actual = ACTUAL.get(title, planned)
                clock.advance(minutes=actual)
                countdown = f"+{actual - planned}:00" if actual > planned else f"{planned - actual}:00"
                for page in (big, remote):
                    await expect(page.locator(".agenda-countdown")).to_have_text(countdown, timeout=WAIT)
                await plan_versus_actual(big, remote, *STATES[index][2:])

            await remote.locator("#agenda-end").click()
            for phone in phones:
                await expect(phone.locator("#agenda-line")).to_be_hidden(timeout=WAIT)
            agenda = api.get(f"{code}/agenda").json()["agenda"]
            assert agenda["ended_at"] is not None and agenda["delta_minutes"] == 0
            assert [b["status"] for b in agenda["blocks"]] == ["done"] * len(blocks)
            assert api.get(f"{code}/export.json").json()["activities"][-1]["answers"]  # the check-out words

            # "Delete this meeting now": the confirmation first, then everything is gone.
            await remote.locator("#delete").click()
            await expect(remote.locator("#delete-confirm")).to_be_visible()
            await remote.locator("#delete-yes").click()
            await expect(remote.locator("#deleted")).to_be_visible(timeout=WAIT)
            assert api.get(code).status_code == 404
            assert api.get(f"{code}/export.json").status_code == 404
            await browser.close()
        api.close()
