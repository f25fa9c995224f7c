"""The big screen at 1920×1080 as the back of the room reads it: the open-question wall fits (nothing
clipped, nothing overlapping, no stretched cards) at 8, 50 and 200 answers; the lobby shows the QR
code large; a break closes the activity before it on the screen and the phones; the schedule badge
shows only when the host switches it on; the check-out shows step-ins only where there are some.
With KRING_COMPARE=before or =after the screens go to docs/screenshots/<that>-<item>.png."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.web.browser import axe, phone_context, until, watch
from tests.web.rooms import SCREEN, compare_shot, inside, overlap, room

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.timeout(240)]

READABLE_PX = 24  # the smallest answer text at 1080p that the back row still reads

# Every card of the wall: its box, its text's box and its font size; the results area and the join
# strip; and the "more answers" line, if any.
WALL = """() => {
  const box = (n) => {
    const b = n.getBoundingClientRect();
    return {x: b.x, y: b.y, w: b.width, h: b.height};
  };
  const px = (style, ...names) => names.reduce((sum, name) => sum + parseFloat(style[name]), 0);
  const cards = [...document.querySelectorAll('#results .wall-card')].map((card) => {
    const text = card.querySelector('p');
    const style = getComputedStyle(card);
    return {box: box(card), text: text.textContent, font: parseFloat(getComputedStyle(text).fontSize),
      content: text.getBoundingClientRect().height,
      pad: px(style, 'paddingTop', 'paddingBottom', 'borderTopWidth', 'borderBottomWidth'),
      highlighted: card.classList.contains('wall-card-highlight')};
  });
  const more = document.querySelector('#results .wall-more');
  return {cards, results: box(document.getElementById('results')),
    strip: box(document.getElementById('join-strip')),
    more: more ? {box: box(more), text: more.textContent, shown: Number(more.dataset.shown),
      left: Number(more.dataset.left)} : null};
}"""


# Answers of every length a room writes: a word, a sentence, a paragraph.
ANSWERS = (
    "Vertrouwen",
    "Dat we elkaar echt gaan zien, ook buiten de bijeenkomsten om.",
    "Ik hoop op concrete voorbeelden uit andere organisaties, zodat ik morgen al iets kan "
    "uitproberen in mijn eigen team en daarna kan vertellen wat het opleverde.",
    "Meer tijd voor reflectie",
    "Samen leren van wat misging, zonder oordeel.",
)


@pytest.mark.parametrize("answers", [8, 50, 200])
async def test_stage_open_wall_fits_the_screen(tmp_path: Path, answers: int) -> None:
    async with room(tmp_path) as r:
        activity = await r.call("POST", "/activities", {"kind": "open", "prompt": "Wat hoop je te leren?"})
        await r.call("POST", f"/activities/{activity['id']}/open", {})
        phones = await r.crowd(answers)
        for start in range(0, answers, 50):
            acks = await asyncio.gather(
                *(
                    phone.answer(
                        activity["id"], "0", {"text": f"{ANSWERS[i % len(ANSWERS)]} ({i + 1})"}, f"a{i}"
                    )
                    for i, phone in enumerate(phones[start : start + 50], start)
                )
            )
            assert all(ack["type"] == "ack" for ack in acks), acks
        # Two answers highlighted: they come first, large.
        results = await r.call("GET", f"/activities/{activity['id']}/results")
        for entry in results["results"]["answers"][3:5]:
            await r.call(
                "POST",
                f"/activities/{activity['id']}/moderation",
                {"action": "highlight", "entry_id": entry["id"]},
            )
        screen = await r.screen()
        await until(screen, "document.querySelectorAll('#results .wall-card-highlight').length === 2")
        await until(screen, f"document.getElementById('responses').textContent === '{answers}'")
        await screen.evaluate("document.fonts.ready.then(() => true)")
        await compare_shot(screen, f"wall-{answers}")
        wall = await screen.evaluate(WALL)
        cards = wall["cards"]
        area = wall["results"]
        assert area["y"] + area["h"] <= wall["strip"]["y"] + 0.5, "the results reach under the join strip"
        for card in cards:
            assert inside(card["box"], area), f"clipped: {card['text']!r} {card['box']} outside {area}"
            assert not overlap(card["box"], wall["strip"]), f"under the join strip: {card['text']!r}"
            assert card["font"] >= READABLE_PX, (
                f"too small for the back row: {card['font']}px {card['text']!r}"
            )
            # No stretching: a card is as tall as its text and padding, not as its row's tallest.
            assert card["box"]["h"] <= card["content"] + card["pad"] + 2, f"stretched: {card}"
        for i, a in enumerate(cards):
            for b in cards[i + 1 :]:
                assert not overlap(a["box"], b["box"]), f"overlap: {a['text']!r} and {b['text']!r}"
        assert sum(card["highlighted"] for card in cards) == 2
        shown = len(cards)
        if answers == 8:
            assert shown == 8, "every answer of a small group is on the wall"
            assert wall["more"] is None
        else:
            # What does not fit is counted, not silently cut: the newest fit, the rest is a number.
            assert shown >= 8
            more = wall["more"]
            assert more is not None and inside(more["box"], area)
            assert more["shown"] == shown and more["left"] == answers - shown
            assert str(answers - shown) in more["text"]
        assert await axe(screen, f"wall-{answers}") == []
        assert r.problems == []


async def test_stage_lobby_shows_the_qr_code_large(tmp_path: Path) -> None:
    async with room(tmp_path) as r:
        activity = await r.call("POST", "/activities", {"kind": "wordcloud", "prompt": "Eén woord?"})
        screen = await r.screen()
        await until(screen, "document.getElementById('results').children.length > 0")
        await screen.evaluate("document.fonts.ready.then(() => true)")
        await compare_shot(screen, "lobby")
        lobby_qr = screen.locator("#lobby-qr")
        await expect(lobby_qr).to_be_visible()
        box = await lobby_qr.bounding_box()
        assert box is not None and box["height"] >= 400, box
        code = screen.locator(".stage-lobby .lobby-code")
        await expect(code).to_have_text(r.code)
        code_box = await code.bounding_box()
        assert code_box is not None and code_box["height"] >= 60, code_box
        # Together, the QR code and the code are in the middle of the screen, and on it.
        left = min(box["x"], code_box["x"])
        right = max(box["x"] + box["width"], code_box["x"] + code_box["width"])
        assert abs((left + right) / 2 - SCREEN["width"] / 2) < SCREEN["width"] * 0.05, (box, code_box)
        for part in (box, code_box):
            assert part["x"] >= 0 and part["x"] + part["width"] <= SCREEN["width"]
            assert part["y"] >= 0 and part["y"] + part["height"] <= SCREEN["height"]
        # The small strip's QR would be the same code twice: it steps aside while the lobby shows.
        await expect(screen.locator("#join-strip")).to_be_hidden()
        assert await axe(screen, "lobby") == []
        # Once the first activity opens, the strip is back and the lobby gone.
        await r.call("POST", f"/activities/{activity['id']}/open", {})
        await expect(screen.locator("#join-strip")).to_be_visible()
        await expect(screen.locator("#lobby")).to_be_hidden()
        strip_box = await screen.locator("#qr").bounding_box()
        assert strip_box is not None and strip_box["height"] < 400
        assert r.problems == []


async def test_stage_break_closes_the_activity_before_it(tmp_path: Path) -> None:
    async with room(tmp_path) as r:
        first = await r.call("POST", "/blocks", {"title": "Kennismaken", "duration_minutes": 20})
        pause = await r.call("POST", "/blocks", {"title": "Pauze", "duration_minutes": 15, "is_break": True})
        groups = await r.call(
            "POST",
            "/activities",
            {
                "kind": "groups",
                "prompt": "Kies je groep",
                "block_id": first["id"],
                "settings": {"options": ["Rood", "Blauw"]},
            },
        )
        await r.call("POST", f"/blocks/{first['id']}/enter", {})
        await r.call("POST", f"/activities/{groups['id']}/open", {})
        screen = await r.screen()
        phone_ctx = await phone_context(r.browser)
        phone = await phone_ctx.new_page()
        watch(phone, r.problems, "phone")
        await phone.goto(f"{r.base}/{r.code}")
        await phone.fill("#nickname", "Anna")
        await phone.locator("#join-form button[type=submit]").click()
        await expect(phone.locator("#view .option").first).to_be_visible()
        await expect(screen.locator("#prompt")).to_have_text("Kies je groep")

        await r.call("POST", f"/blocks/{pause['id']}/enter", {})
        await expect(screen.locator("#agenda .agenda-title")).to_have_text("Pauze")
        await compare_shot(screen, "break")
        await compare_shot(phone, "break-phone")
        await expect(screen.locator("#prompt")).to_have_text("Pauze")
        await expect(screen.locator("#results .stage-break")).to_be_visible()
        await expect(phone.locator("#view h1")).to_have_text("Pauze")
        await expect(phone.locator("#view .option")).to_have_count(0)
        meeting = await r.call("GET", "")
        assert meeting["current_activity_id"] is None
        assert next(a for a in meeting["activities"] if a["id"] == groups["id"])["status"] == "closed"
        assert await axe(screen, "break") == []
        assert await axe(phone, "phone-break") == []
        assert r.problems == []


async def test_stage_schedule_badge_only_when_the_host_switches_it_on(tmp_path: Path) -> None:
    async with room(tmp_path) as r:
        block = await r.call("POST", "/blocks", {"title": "Opening", "duration_minutes": 1})
        await r.call("POST", "/blocks", {"title": "Kennismaken", "duration_minutes": 30})
        await r.call("POST", f"/blocks/{block['id']}/enter", {})
        await r.call("POST", "/agenda/next", {})  # a minute early: "1 min voor" would show
        screen = await r.screen()
        remote_ctx = await phone_context(r.browser)
        remote = await remote_ctx.new_page()
        watch(remote, r.problems, "remote")
        await remote.goto(f"{r.base}/m/{r.code}/remote#key={r.meeting['host_key']}")
        await expect(remote.locator("#agenda-clock .agenda-delta")).to_be_visible()
        await expect(screen.locator("#agenda .agenda-now")).to_be_visible()
        await compare_shot(screen, "schedule")
        await expect(screen.locator("#agenda .agenda-delta")).to_have_count(0)
        toggle = remote.locator("#toggle-schedule")
        await expect(toggle).to_have_attribute("aria-pressed", "false")
        await toggle.click()
        await expect(toggle).to_have_attribute("aria-pressed", "true")
        await expect(screen.locator("#agenda .agenda-delta")).to_be_visible()
        await screen.reload()  # kept by the server, not by this screen
        await expect(screen.locator("#agenda .agenda-delta")).to_be_visible()
        assert (await r.call("GET", ""))["show_schedule"] is True
        await toggle.click()
        await expect(screen.locator("#agenda .agenda-delta")).to_have_count(0)
        assert await axe(remote, "remote-schedule") == []
        assert r.problems == []


async def test_stage_checkout_counts_only_real_step_ins(tmp_path: Path) -> None:
    async with room(tmp_path) as r:
        activity = await r.call(
            "POST", "/activities", {"kind": "checkout", "prompt": "Eén woord om af te sluiten"}
        )
        await r.call("POST", f"/activities/{activity['id']}/open", {})
        phones = await r.crowd(5)
        words = ["Verbinding", "Nieuwsgierig", "Moe", "Energie"]
        for i, word in enumerate(words):
            assert (await phones[i].answer(activity["id"], "word", {"word": word}, f"w{i}"))["type"] == "ack"
        results = await r.call("GET", f"/activities/{activity['id']}/results")
        first = next(w for w in results["results"]["words"] if w["text"] == "Verbinding")
        for i in (1, 2, 4):
            ack = await phones[i].answer(activity["id"], f"in:{first['id']}", {}, f"s{i}")
            assert ack["type"] == "ack", ack
        screen = await r.screen()
        await until(screen, "document.querySelectorAll('#results .checkout-result').length === 4")
        await screen.evaluate("document.fonts.ready.then(() => true)")
        await compare_shot(screen, "stage-checkout")
        texts = await screen.locator("#results .checkout-result").all_inner_texts()
        assert not any("+0" in text or text.rstrip().endswith("0") for text in texts), texts
        joined = screen.locator("#results .checkout-result", has_text="Verbinding")
        await expect(joined.locator(".stepins")).to_be_visible()
        await expect(joined.locator(".stepins")).to_have_text("+3")
        said = await joined.text_content() or ""
        assert "3 stapten in" in said, said
        for word in ("Nieuwsgierig", "Moe", "Energie"):
            await expect(
                screen.locator("#results .checkout-result", has_text=word).locator(".stepins")
            ).to_have_count(0)
        assert await axe(screen, "checkout") == []
        assert r.problems == []
