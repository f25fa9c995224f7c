"""Trust suite PRIVACY: a whole meeting in Chromium, on an instance with a facilitator account,
makes no request to another host and sets no cookie beyond the participant cookie and the
facilitator's session; every export and the report carry no address, user agent or token."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import BrowserContext, Page, async_playwright, expect

from server.app import create_app
from server.settings import Settings
from tests.conftest import migrated_sqlite_url
from tests.factories import database_with_accounts
from tests.support import live_server
from tests.test_docs import routes
from tests.trust.conftest import Figures

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
EMAIL, PASSWORD = "anna@example.org", "een lang wachtwoord"
WAIT = 15_000
FILE_SUFFIXES = (".json", ".zip", ".xlsx", ".html", ".pdf", ".yaml")


def downloads() -> list[str]:
    """Every file a meeting's facilitator can download, from the app's route table."""
    app = create_app(Settings(database_url="sqlite://", public_url="http://127.0.0.1:8000"))
    prefix = "/api/meetings/{code}/"
    return sorted(
        path.removeprefix(prefix)
        for method, path in routes(app.routes)
        if method == "GET" and path.startswith(prefix) and path.endswith(FILE_SUFFIXES)
    )


def pdf_text(pdf: bytes, tmp_path: Path) -> bytes:
    """What a reader of the PDF sees: its text (pdftotext) and its metadata (pdfinfo)."""
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True)
    return text.stdout + info.stdout


async def test_privacy_no_third_party_requests_and_only_the_needed_cookies(
    tmp_path: Path, figures: Figures
) -> None:
    url = migrated_sqlite_url(tmp_path)
    database_with_accounts(url, (EMAIL, PASSWORD, "Anna"))
    files = downloads()
    assert {"export.json", "export.csv.zip", "export.xlsx", "report.html", "report.pdf"} <= set(files)
    with live_server(url) as live:
        origin = urlsplit(live.base).netloc
        requests: list[str] = []
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            facilitator = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
            phones_ctx: list[BrowserContext] = []
            for _ in range(2):
                phones_ctx.append(
                    await browser.new_context(
                        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, locale="nl-NL"
                    )
                )
            for ctx in (facilitator, *phones_ctx):
                ctx.on("request", lambda r: requests.append(r.url))

            # The facilitator logs in on the login page, and makes a meeting with four kinds in it.
            login = await facilitator.new_page()
            await login.goto(f"{live.base}/login")
            await login.fill("#email", EMAIL)
            await login.fill("#password", PASSWORD)
            await login.get_by_role("button", name="Inloggen").click()
            await expect(login.locator("h1")).to_have_text("Jouw bijeenkomsten")
            csrf = (await (await facilitator.request.get(f"{live.base}/api/me")).json())["csrf_token"]
            api = facilitator.request
            made = await api.post(
                f"{live.base}/api/meetings", data={"title": "Privacy"}, headers={"X-CSRF-Token": csrf}
            )
            assert made.ok, await made.text()
            meeting = await made.json()
            code = meeting["code"]
            kinds = [
                {"kind": "open", "prompt": "Wat neem je mee?"},
                {"kind": "wordcloud", "prompt": "Eén woord"},
                {"kind": "choice", "prompt": "Welke fase?", "settings": {"options": ["A", "B", "C"]}},
                {"kind": "cards", "prompt": "Inzicht en actie"},
            ]
            activities = []
            for body in kinds:
                added = await api.post(
                    f"{live.base}/api/meetings/{code}/activities", data=body, headers={"X-CSRF-Token": csrf}
                )
                assert added.ok, await added.text()
                activities.append(await added.json())
            # Remote and big screen with the login: no key in any URL, not even in a fragment.
            presenter = await facilitator.new_page()
            await presenter.goto(f"{live.base}/m/{code}/present")
            remote = await facilitator.new_page()
            await remote.goto(f"{live.base}/m/{code}/remote")
            await expect(remote.locator("#conn")).to_have_attribute("data-state", "online", timeout=WAIT)

            # Two phones join (one with a nickname) the way people do: the join page, then the code.
            phones: list[Page] = []
            for index, ctx in enumerate(phones_ctx):
                phone = await ctx.new_page()
                await phone.goto(f"{live.base}/")
                await phone.fill("#code", code.lower())
                await phone.get_by_role("button", name="Meedoen").tap()
                await expect(phone.locator("#welcome")).to_be_visible(timeout=WAIT)
                if index == 0:
                    await phone.fill("#nickname", "Bea")
                await phone.locator("#join-form button").tap()
                phones.append(phone)
            await expect(presenter.locator("#participants")).to_have_text("2", timeout=WAIT)
            user_agents = {await page.evaluate("navigator.userAgent") for page in [remote, *phones]}

            async def answer(index: int, page: Page, kind: str) -> None:
                if kind == "open":
                    await page.fill("#answer-text", f"Samen leren, idee {index + 1}")
                    await page.locator(".kind-open form button[type=submit]").tap()
                elif kind == "wordcloud":
                    await page.fill("#word", f"Vertrouwen{index + 1}")
                    await page.press("#word", "Enter")
                    mine = page.get_by_role("list", name="Jouw woorden").locator("li")
                    await expect(mine).to_have_text([f"Vertrouwen{index + 1}×"], timeout=WAIT)
                    return
                elif kind == "choice":
                    await page.locator(".option").nth(index).tap()
                else:
                    await page.fill("#card-insight", f"Inzicht {index + 1}: vragen stellen werkt")
                    await page.fill("#card-action", f"Actie {index + 1}: een collega bellen")
                    await page.locator(".kind-cards form button[type=submit]").tap()
                await expect(page.locator(".sent-ok").first).to_be_visible(timeout=WAIT)

            # The remote runs the meeting; every phone answers every activity.
            for activity in activities:
                await remote.locator("#next").click()
                for index, page in enumerate(phones):
                    await expect(page.locator("h1.prompt")).to_have_text(activity["prompt"], timeout=WAIT)
                    await answer(index, page, activity["kind"])
            await expect(presenter.locator(".idea-card")).to_have_count(2, timeout=WAIT)
            cookies = {id(ctx): await ctx.cookies() for ctx in (facilitator, *phones_ctx)}
            # Every download, with the facilitator's login, as the remote's links fetch them.
            exports: dict[str, bytes] = {}
            for name in files:
                got = await api.get(f"{live.base}/api/meetings/{code}/{name}", params={"private": "true"})
                assert got.ok, (name, got.status)
                exports[name] = await got.body()
            await browser.close()
    foreign = [
        u for u in requests if urlsplit(u).netloc not in (origin, "") and not u.startswith(("data:", "blob:"))
    ]
    assert foreign == []
    assert len(requests) > 10  # the pages really loaded their assets over the network
    # The facilitator's browser holds only its session, each phone only its participant cookie.
    assert [c["name"] for c in cookies[id(facilitator)]] == ["kring_session"]
    for ctx in phones_ctx:
        assert [c["name"] for c in cookies[id(ctx)]] == [f"kring_{code}"]
    every_cookie = [c for jar in cookies.values() for c in jar]
    assert all(c["httpOnly"] and c["sameSite"] == "Lax" for c in every_cookie)
    # Keys travel in URL fragments, headers and websocket messages: never in a request's URL.
    secrets = [
        meeting["host_key"],
        meeting["presenter_key"],
        csrf,
        *(c["value"] for c in every_cookie),
    ]
    keyed = [u for u in requests if any(s in u for s in secrets)]
    assert keyed == [] and not any("key=" in urlsplit(u).query for u in requests)
    # What leaves Kring in a download holds nothing that identifies a device or opens a door.
    forbidden = [*secrets, *user_agents, "HeadlessChrome", "Mozilla/5.0", "127.0.0.1", code]
    texts: dict[str, bytes] = {}
    for name, content in exports.items():
        if name.endswith((".zip", ".xlsx")):
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                for member in archive.namelist():
                    texts[f"{name}/{member}"] = archive.read(member)
        elif name.endswith(".pdf"):
            texts[name] = pdf_text(content, tmp_path)
            texts[f"{name} (bytes)"] = content
        else:
            texts[name] = content
    leaks = [(name, s) for name, content in texts.items() for s in forbidden if s.encode() in content]
    assert leaks == []
    # ... while the answers are there: the exports are not empty of what people said.
    archive_json = json.loads(exports["export.json"])
    answered = {a["kind"]: len(a["answers"]) for a in archive_json["activities"]}
    assert answered == {"open": 2, "wordcloud": 2, "choice": 2, "cards": 2}, answered
    said = b"Samen leren, idee 2"
    with_answers = {name for name, content in texts.items() if said in content.replace(b"\n", b" ")}
    wanted = {"export.json", "report.html", "report.pdf"}
    assert wanted <= with_answers, with_answers
    assert any(n.startswith("export.csv.zip/") for n in with_answers)
    assert any(n.startswith("export.xlsx/") for n in with_answers)
    figures(
        "PRIVACY",
        phones=len(phones_ctx),
        kinds_answered=len(activities),
        requests=len(requests),
        other_hosts=len(foreign),
        keyed_urls=len(keyed),
        cookies=sorted({c["name"].replace(code, "<CODE>") for c in every_cookie}),
        exports=len(files),
        files_checked=len(texts),
        answers=sum(answered.values()),
        files_with_answers=len(with_answers),
        leaks=len(leaks),
    )
