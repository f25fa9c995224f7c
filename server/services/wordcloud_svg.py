"""A word cloud drawn on the server as SVG, with the big screen's look.

The same rules as web/static/js/stage-cloud.js: a word's colour comes from a hash of its text, its
size is unit × (1 + ln count) with the unit capped by the frame's height and by the share of the frame
the words' boxes cover (FILL), the font stack and weight are the stage's. The layout is the server's
own (the stage's wordcloud2.js runs only in a browser): words are placed biggest first, each at the
first free spot on an Archimedean spiral out of the centre, stretched like the frame is wide, and the
whole cloud steps back (a smaller unit) when a word finds no room. Text is measured with matplotlib's
TextPath on DejaVu Sans Bold, so the boxes of two words never overlap; ``textLength`` pins each word
to its measured width, so a viewer with another font of the stack still keeps them apart.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font
from matplotlib.textpath import TextPath, TextToPath

FONT_FAMILY = "DejaVu Sans"  # what the words are measured in (the stack's last named font)
# The stage's; the emoji fonts after the text fonts, so an emoji is drawn in colour where a viewer
# (or Chromium printing the PDF) has one, and letters and digits never come from them.
FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", '
    '"Noto Color Emoji", "Apple Color Emoji", "Segoe UI Emoji", sans-serif'
)
PALETTE = ("#0a4f44", "#0f6e5f", "#8a4b00", "#234a6b", "#5a2e7a", "#7a2e3a", "#2f5d1e")
UNIT_MAX = 1 / 13  # a one-vote word, as a fraction of the frame's height, while the cloud is young
BIG_MAX = 1 / 4.2  # the biggest word at most
FILL = 0.3  # the words' boxes (advance × LINE × size) cover at most this much of the frame
LINE = 1.2
ZOOM = 0.85  # one step back when a word finds no room
MAX_WORDS = 80
PADDING = 5.0  # pixels kept free between words and around the edge
MIN_SIZE = 11.0
REFERENCE = 100.0  # words are measured once at this size and scaled
# An emoji as the colour emoji fonts draw it: about 1.25 em wide, from 0.95 em above the baseline
# to 0.25 em below (Noto Color Emoji's advance is 2550 of 2048 units).
EMOJI_ADVANCE, EMOJI_ASCENT, EMOJI_DESCENT = 1.245, 0.95, 0.25
_JOINERS = {0x200D, 0xFE0E, 0xFE0F, 0x20E3}  # zero-width joiner, variation selectors, keycap


def text_hash(text: str) -> int:
    """Java's 32-bit string hash over code points, as stage-cloud.js computes it."""
    h = 0
    for char in text:
        h = (h * 31 + ord(char)) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


def colour_for(text: str) -> str:
    return PALETTE[abs(text_hash(text)) % len(PALETTE)]


def weight(count: int) -> float:
    """A word's size in units: one vote is 1; every doubling adds about 0.7."""
    return 1 + math.log(max(1, count))


@dataclass(frozen=True, slots=True)
class Placed:
    """One word in the cloud: its box (top-left x, y, width, height), font size, baseline and colour."""

    text: str
    count: int
    size: float
    x: float
    y: float
    width: float
    height: float
    baseline_x: float
    baseline_y: float
    advance: float
    colour: str

    def overlaps(self, other: Placed, pad: float = 0.0) -> bool:
        return not (
            self.x + self.width + pad <= other.x
            or other.x + other.width + pad <= self.x
            or self.y + self.height + pad <= other.y
            or other.y + other.height + pad <= self.y
        )


@lru_cache(maxsize=1)
def _dejavu() -> FT2Font:
    return FT2Font(findfont(FontProperties(family=FONT_FAMILY, weight="bold")))


def split_emoji(text: str) -> tuple[str, int]:
    """The text without its emoji, and how many emoji it had: a character DejaVu has no glyph for,
    or one asked in emoji style (U+FE0F), is an emoji; joiners, variation selectors and skin tones
    make one emoji of a sequence (👩‍💻, 👍🏽, ❤️)."""
    font = _dejavu()
    rest: list[str] = []
    emoji = 0
    joined = False
    for index, char in enumerate(text):
        code = ord(char)
        if code in _JOINERS or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:
            joined = code == 0x200D
            continue  # part of the emoji before it
        styled = text[index + 1 : index + 2] == "\ufe0f"
        if styled or code >= 0x1F000 or font.get_char_index(code) == 0:
            if not joined:
                emoji += 1
        else:
            rest.append(char)
        joined = False
    return "".join(rest), emoji


@lru_cache(maxsize=4096)
def _extents(text: str) -> tuple[float, float, float, float, float]:
    """Ink extents (x0, y0, x1, y1), y up from the baseline, and the advance, at the reference size.

    The letters are measured in DejaVu Sans Bold; each emoji as the colour emoji fonts draw it
    (DejaVu has none: its missing-glyph box is narrower than the emoji the viewer sees)."""
    letters, emoji = split_emoji(text)
    prop = FontProperties(family=FONT_FAMILY, weight="bold", size=REFERENCE)
    with warnings.catch_warnings():
        # Rare scripts have no glyph in DejaVu either: measured as its fallback box, which is
        # close enough for placement (the viewer's own fonts draw them).
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        box = TextPath((0, 0), letters, size=REFERENCE, prop=prop).get_extents() if letters else None
        advance = float(TextToPath().get_text_width_height_descent(letters, prop, ismath=False)[0])
    advance += emoji * EMOJI_ADVANCE * REFERENCE
    if emoji:
        x0 = 0.0 if box is None or box.width <= 0 else min(0.0, float(box.x0))
        y0 = -EMOJI_DESCENT * REFERENCE if box is None else min(-EMOJI_DESCENT * REFERENCE, float(box.y0))
        y1 = EMOJI_ASCENT * REFERENCE if box is None else max(EMOJI_ASCENT * REFERENCE, float(box.y1))
        return x0, y0, advance, y1, advance
    if box is None or box.width <= 0 or box.height <= 0:  # nothing visible: an empty box of sensible size
        return 0.0, 0.0, REFERENCE * 0.3 * max(len(text), 1), REFERENCE * 0.7, advance
    return float(box.x0), float(box.y0), float(box.x1), float(box.y1), advance


def advance(text: str, size: float) -> float:
    """The width the text advances by at ``size``: what SVG's textLength pins it to."""
    return _extents(text)[4] * size / REFERENCE


def measure(text: str, size: float) -> tuple[float, float, float, float]:
    """Ink extents at ``size`` (x0, y0, x1, y1), y up from the baseline."""
    x0, y0, x1, y1, _ = _extents(text)
    scale = size / REFERENCE
    return x0 * scale, y0 * scale, x1 * scale, y1 * scale


def layout(words: list[tuple[str, int]], width: int, height: int) -> list[Placed]:
    """Place the words, biggest first; a word that fits nowhere, even at the smallest unit, is left out."""
    cleaned = [(" ".join(text.split()), count) for text, count in words if text.strip() and count > 0]
    ordered = sorted(cleaned, key=lambda w: (-w[1], w[0].casefold(), w[0]))[:MAX_WORDS]
    if not ordered:
        return []
    floor = max(MIN_SIZE, height / 40)
    area = sum(
        advance(text, REFERENCE * weight(count)) * LINE * REFERENCE * weight(count) for text, count in ordered
    )
    unit = min(
        height * min(UNIT_MAX, BIG_MAX / weight(ordered[0][1])),
        REFERENCE * math.sqrt(FILL * width * height / max(area, 1.0)),
    )
    while True:
        placed, missing = _place(ordered, unit, floor, width, height)
        if not missing or unit * weight(1) <= floor:
            return placed
        unit *= ZOOM


def _place(
    ordered: list[tuple[str, int]], unit: float, floor: float, width: int, height: int
) -> tuple[list[Placed], int]:
    placed: list[Placed] = []
    missing = 0
    cx, cy = width / 2, height / 2
    aspect = width / height
    for text, count in ordered:
        size = max(floor, unit * weight(count))
        x0, y0, x1, y1 = measure(text, size)
        size = min(size, size * (width - 2 * PADDING) / max(x1 - x0, 1e-6))  # a long phrase fits the width
        spot = _find_spot(text, size, placed, width, height, cx, cy, aspect)
        if spot is None:
            missing += 1
            continue
        x, y = spot
        x0, y0, x1, y1 = measure(text, size)
        placed.append(
            Placed(
                text=text,
                count=count,
                size=size,
                x=x,
                y=y,
                width=x1 - x0,
                height=y1 - y0,
                baseline_x=x - x0,
                baseline_y=y + y1,
                advance=advance(text, size),
                colour=colour_for(text),
            )
        )
    return placed, missing


def _find_spot(
    text: str,
    size: float,
    placed: list[Placed],
    width: float,
    height: float,
    cx: float,
    cy: float,
    aspect: float,
) -> tuple[float, float] | None:
    x0, y0, x1, y1 = measure(text, size)
    w, h = x1 - x0, y1 - y0
    if w > width - 2 * PADDING or h > height - 2 * PADDING:
        return None
    # Boxes grown by the padding on the right and bottom: two boxes overlap when they intersect.
    boxes = [(p.x, p.y, p.x + p.width + PADDING, p.y + p.height + PADDING) for p in placed]
    spacing = 4.0 / (2 * math.pi)  # the spiral's arms lie 4 px apart (times the aspect horizontally)
    reach = math.hypot(width / aspect, height) / 2  # the spiral is stretched by the aspect in x
    step = max(3.0, min(w, h) / 5)  # pixels along the curve per step: finer for small words
    right, bottom = width - PADDING - w, height - PADDING - h
    t = 0.0
    hit: tuple[float, float, float, float] | None = None
    while spacing * t <= reach:
        r = spacing * t
        t += min(0.35, step / (r * max(aspect, 1.0) + 1.0))
        x = cx + r * math.cos(t) * aspect - w / 2
        y = cy + r * math.sin(t) - h / 2
        if x < PADDING or x > right or y < PADDING or y > bottom:
            continue
        x2, y2 = x + w + PADDING, y + h + PADDING
        if hit is not None and x < hit[2] and hit[0] < x2 and y < hit[3] and hit[1] < y2:
            continue  # still on the word we ran into last: skip the full scan
        hit = next((b for b in boxes if x < b[2] and b[0] < x2 and y < b[3] and b[1] < y2), None)
        if hit is None:
            return x, y
    return None


def render(words: list[tuple[str, int]], width: int = 720, height: int = 360, label: str = "") -> str:
    """The cloud as one inline ``<svg>`` element (no XML prolog, no scripts, no external references)."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="wordcloud" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(label, quote=True)}" '
        f'font-family="{escape(FONT_STACK, quote=True)}" font-weight="700" '
        'text-rendering="geometricPrecision">'
    ]
    if label:
        parts.append(f"<title>{escape(label)}</title>")
    for word in layout(words, width, height):
        parts.append(
            f'<text x="{word.baseline_x:.1f}" y="{word.baseline_y:.1f}" font-size="{word.size:.1f}" '
            f'fill="{word.colour}" textLength="{word.advance:.1f}" lengthAdjust="spacingAndGlyphs">'
            f"{escape(word.text)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
