"""Trust suite XSS: hostile text as answers, words, nicknames and cards; the phone, big screen,
remote and report show every one literally and run none of it (Playwright + Debian's Chromium)."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import async_playwright

from server.kinds.bounds import WALL_NEWEST
from tests.conftest import migrated_sqlite_url
from tests.support import Phone, create_meeting, host, live_server
from tests.trust.conftest import Figures

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

VECTORS = [
    "<script>window.__xss=1</script>",
    "<img src=x onerror=window.__xss=1>",
    "<svg onload=window.__xss=1>",
    "<iframe src=javascript:window.__xss=1>",
    "<body onload=window.__xss=1>",
    '"><script>window.__xss=1</script>',
    "'><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "<a href=javascript:alert(1)>x</a>",
    "<details open ontoggle=alert(1)>",
    "<math><mi xlink:href=javascript:alert(1)>",
    "{{constructor.constructor('alert(1)')()}}",
    "${alert(1)}",
    "<style>*{display:none}</style>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<marquee onstart=alert(1)>",
]
WRAPPERS = [
    "{}",
    "x{}",
    "{}x",
    " {} ",
    "<b>{}</b>",
    "{}<!--",
    "\U0001f9d1\u200d\U0001f4bb{}",
    "A {} B",
    "{}{}",
    '"{}"',
]


def payloads(limit: int) -> list[str]:
    out = [w.replace("{}", v) for v, w in itertools.product(VECTORS, WRAPPERS)]
    return [p for p in out if len(p) <= limit]


# Short ones, for words and names (at most 40 or 60 characters), unlike the answers' wrappers.
SHORT_WRAPPERS = ["{}", "¤{}", "{}¤", "«{}»", "{}…", "·{}", "{}·", "ü{}", "{}ß", "é{}é"]


def spread(limit: int, count: int, offset: int = 0) -> list[str]:
    """``count`` payloads of at most ``limit`` characters, taking every vector in turn (each in
    another wrapper each round), none the same once trimmed and case-folded (as words are)."""
    columns = []
    for vector in VECTORS:
        short = vector if len(vector) <= limit else vector.replace("alert(1)", "alert()")
        assert len(short) <= limit, short
        fitting = [w.replace("{}", short) for w in SHORT_WRAPPERS if len(w.replace("{}", short)) <= limit]
        columns.append(fitting[offset % len(fitting) :] + fitting[: offset % len(fitting)])
    out: list[str] = []
    seen: set[str] = set()
    for row in itertools.count():
        if len(out) >= count or row > len(SHORT_WRAPPERS):
            break
        for column in columns:
            if row < len(column) and len(out) < count and (key := flat(column[row]).casefold()) not in seen:
                seen.add(key)
                out.append(column[row])
    assert len(out) == count
    return out


def flat(text: str) -> str:
    """Text as a page shows it: trimmed, runs of white space as one space."""
    return " ".join(text.split())


# Markup that would only be there if a payload had been parsed as HTML.
# Elements a payload could have become. The report's charts are matplotlib SVG, which carries its
# own <style> in the chart's <defs>: that one is Kring's.
INJECTED = (
    "[onerror], [onload], [onfocus], [ontoggle], [onstart], iframe, object, embed, marquee, math, "
    "video, input[autofocus], a[href^='javascript'], body body, "
    "style:not(head style):not(svg > defs > style)"
)


async def missing(page: Any, expected: list[str], timeout: float = 15.0) -> list[str]:
    """The expected texts the page does not show literally (once it has had ``timeout`` s)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        shown = flat(await page.evaluate("document.body.innerText"))
        absent = [text for text in expected if flat(text) not in shown]
        if not absent or asyncio.get_running_loop().time() > deadline:
            return absent
        await asyncio.sleep(0.25)


async def on_the_wall(presenter: Any, texts: list[str], timeout: float = 15.0) -> list[str]:
    """The texts the big screen's wall shows of ``texts`` (in the wall's order): as many as fit, the
    rest counted in "en nog N antwoorden", once the wall counts every one of them."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        shown, left, said = await presenter.evaluate(WALL_COUNTS)
        if shown + left == len(texts) or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.25)
    assert shown + left == len(texts) and shown > 0, (shown, left, len(texts))
    assert left == 0 or said == f"en nog {left} antwoorden", said
    return texts[:shown]


# The wall's cards and, when not all fit, the line that counts the others.
WALL_COUNTS = """() => {
  const more = document.querySelector('.stage-wall .wall-more');
  const cards = document.querySelectorAll('.stage-wall .wall-card').length;
  return more ? [Number(more.dataset.shown), Number(more.dataset.left), more.innerText] : [cards, 0, null];
}"""


async def placed(presenter: Any, timeout: float = 15.0) -> list[str]:
    """The words the big screen's cloud shows, once it has stopped placing new ones."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: list[str] = []
    while asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.5)
        now = await presenter.eval_on_selector_all(".cloud-word", "nodes => nodes.map(n => n.innerText)")
        if now and now == last:
            break
        last = now
    return last


async def untouched(page: Any) -> bool:
    """No script ran and no payload became an element."""
    ran = await page.evaluate("window.__xss !== undefined")
    injected = await page.evaluate(f"document.querySelectorAll({INJECTED!r}).length")
    return not ran and injected == 0


async def test_xss_payloads_render_as_text_everywhere(tmp_path: Path, figures: Figures) -> None:
    answers = payloads(280)  # every vector in every wrapper
    words = spread(40, 40)  # every vector twice
    nicknames = spread(40, 11, offset=4)
    people = len(nicknames)  # the browser's phone and 10 others
    cards = [
        {"insight": answers[i * 18 + 4], "action": answers[i * 18 + 9], "name": spread(60, people, 7)[i]}
        for i in range(people)
    ]
    texts = {*answers, *words, *nicknames, *(v for c in cards for v in c.values())}
    assert len(answers) == 200 and len(texts) >= 240
    checked: Counter[str] = Counter()  # (category on page) -> payloads found shown literally
    with live_server(
        migrated_sqlite_url(tmp_path), ws_rate_per_minute=100_000, ws_rate_burst=100_000
    ) as live:
        meeting = create_meeting(live.base, title="<script>window.__xss=1</script> titel")
        code = meeting["code"]
        with host(live.base, meeting) as http:
            activities = {}
            for kind, settings in (
                ("open", {"max_answers": 20}),
                ("wordcloud", {"max_entries": 20}),
                ("groups", {"options": ["Groep A", "Groep B"]}),
                ("cards", {}),
            ):
                made = http.post("/activities", json={"kind": kind, "settings": settings})
                made.raise_for_status()
                activities[kind] = made.json()
                http.post(f"/activities/{activities[kind]['id']}/visibility", json={"phones": True})
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                dialogs: list[str] = []
                context = await browser.new_context(viewport={"width": 1920, "height": 1080})
                context.on("page", lambda page: page.on("dialog", lambda d: dialogs.append(d.message)))
                presenter = await context.new_page()
                await presenter.goto(f"{live.base}/m/{code}/present#key={meeting['presenter_key']}")
                remote = await context.new_page()
                await remote.goto(f"{live.base}/m/{code}/remote#key={meeting['host_key']}")
                phone_context = await browser.new_context(viewport={"width": 390, "height": 844})
                phone_context.on("page", lambda page: page.on("dialog", lambda d: dialogs.append(d.message)))
                participant = await phone_context.new_page()
                await participant.goto(f"{live.base}/{code}")
                await participant.fill("#nickname", nicknames[0])  # typed, as a person would
                # The phone joins in its socket's handshake and the cookie comes with the 101: the
                # `joined` frame follows it on that socket, so that is what to wait for (the page
                # shows its waiting screen before the socket is opened at all).
                joined = asyncio.Event()

                def heard(frame: str | bytes) -> None:
                    if '"joined"' in str(frame):
                        joined.set()

                def watch(socket: Any) -> None:  # called as the socket is made, before its frames
                    if "join=1" in socket.url:
                        socket.on("framereceived", heard)

                participant.on("websocket", watch)
                await participant.locator("#join-form button").click()
                await asyncio.wait_for(joined.wait(), 30)
                jar = [c for c in await phone_context.cookies() if c["name"] == f"kring_{code}"]
                assert len(jar) == 1 and jar[0]["httpOnly"], jar
                cookie = jar[0]["value"]
                pages = {"presenter": presenter, "remote": remote, "phone": participant}
                # The browser's phone answers from its other device (its answers show on both).
                phones = [Phone(live.base, code, cookie=cookie)]
                phones += [Phone(live.base, code, nickname=n) for n in nicknames[1:]]
                for phone in phones[1:]:
                    await phone.join()
                for phone in phones:
                    await phone.connect()

                async def send(kind: str, values: list[tuple[int, str, dict[str, Any]]]) -> None:
                    """Open ``kind`` and send (phone, slot, value) answers, each phone in turn."""
                    activity = activities[kind]
                    http.post(f"/activities/{activity['id']}/open").raise_for_status()

                    async def one_phone(index: int) -> None:
                        for n, (_, slot, value) in enumerate(v for v in values if v[0] == index):
                            reply = await phones[index].answer(activity["id"], slot, value, f"{kind}{n}")
                            assert reply["type"] == "ack", reply

                    await asyncio.gather(*(one_phone(i) for i in range(people)))

                def dealt(field: str, items: list[str]) -> list[tuple[int, str, dict[str, Any]]]:
                    """Round the phones: the first item to phone 0, slot 0, and so on."""
                    return [(i % people, str(i // people), {field: item}) for i, item in enumerate(items)]

                async def shown(category: str, expected: dict[str, list[str]]) -> None:
                    for name, want in expected.items():
                        page = pages[name]
                        absent = await missing(page, want)
                        assert absent == [], (category, name, len(absent), absent[:5])
                        assert await untouched(page), (category, name)
                        checked[f"{category} on {name}"] += len(want)

                # Answers: the wall on the big screen, the remote's moderation list, the phones.
                await send("open", dealt("text", answers))
                # A phone gets a bounded wall: the newest answers, as the host's list orders them.
                wall = http.get(f"/activities/{activities['open']['id']}/results").json()["results"]
                newest = [answer["text"] for answer in wall["answers"][:WALL_NEWEST]]
                assert len(newest) == WALL_NEWEST < len(answers)
                # The big screen's wall: the newest that fit, the others counted, never clipped.
                ordered = [answer["text"] for answer in wall["answers"]]
                await shown("answers", {"remote": answers, "phone": newest})
                await shown("answers", {"presenter": await on_the_wall(presenter, ordered)})
                # Words: the remote's list, the phones' results (and the browser phone's own chips);
                # on the big screen every word the cloud placed is shown literally.
                await send("wordcloud", dealt("word", words))
                await shown("words", {"remote": words, "phone": words})
                cloud = await placed(presenter)
                assert cloud, (await presenter.evaluate("document.body.innerText"))[:600]
                assert {flat(w).casefold() for w in cloud} <= {flat(w).casefold() for w in words}
                assert await untouched(presenter)
                checked["words on presenter"] += len(cloud)
                # Nicknames: who is in which group, on the big screen, the remote and the phone.
                await send("groups", [(i, "0", {"option": i % 2}) for i in range(1, people)])
                await participant.locator(".option").first.click()  # the browser's phone picks on the page
                await participant.locator(".my-group-title").wait_for()
                with_me = [n for i, n in enumerate(nicknames) if i % 2 == 0 and i != 0]
                await shown("nicknames", {"presenter": nicknames, "remote": nicknames, "phone": with_me})
                # Insight & action cards, with a hostile name.
                await send("cards", [(i, "0", card) for i, card in enumerate(cards)])
                card_texts = [v for c in cards for v in c.values()]
                await shown("cards", {"remote": card_texts, "phone": card_texts})
                # The big screen's wall: the newest cards that fit, each with all its texts.
                made = http.get(f"/activities/{activities['cards']['id']}/results").json()["results"]
                newest_cards = sorted(made["cards"], key=lambda card: -card["id"])
                fitting = await on_the_wall(presenter, [str(card["id"]) for card in newest_cards])
                on_screen = [c for c in newest_cards if str(c["id"]) in fitting]
                texts_on_screen = [c[field] for c in on_screen for field in ("insight", "action", "name")]
                await shown("cards", {"presenter": texts_on_screen})
                # The wrap-up report with everything in it, loaded without any CSP to hide behind.
                report_html = http.get("/report.html", params={"private": "true"}).text
                report = await context.new_page()
                await report.set_content(report_html)  # about:blank
                pages["report"] = report
                for category, want in (
                    ("answers", answers),
                    ("words", words),
                    ("nicknames", nicknames),
                    ("cards", card_texts),
                ):
                    await shown(category, {"report": want})
                for name, page in pages.items():
                    assert await untouched(page), name
                await browser.close()
            assert dialogs == []
            for phone in phones:
                await phone.disconnect()
    figures(
        "XSS",
        payloads=len(texts),
        pages=len(pages),
        shown_literally=sum(checked.values()),
        scripts_run=0,
        dialogs=len(dialogs),
        **{name.replace(" ", "_"): n for name, n in sorted(checked.items())},
    )
