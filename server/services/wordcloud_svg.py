"""A word cloud drawn on the server as SVG: a deterministic spiral layout, largest word in the centre.

Like wordcloud2.js on a big screen, words are placed largest first, each at the first free spot on an
Archimedean spiral out of the centre. Text is measured with matplotlib's TextPath on DejaVu Sans Bold
(the font the SVG asks for), so the boxes of two words never overlap; ``textLength`` pins each word to
its measured width, so a viewer with another font still keeps them apart.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextPath, TextToPath

FONT_FAMILY = "DejaVu Sans"
FONT_STACK = "'DejaVu Sans', 'Segoe UI', Roboto, sans-serif"
# The big screen's word-cloud colours (web/static/js/stage-cloud.js) and weight (700).
PALETTE = ("#0a4f44", "#0f6e5f", "#8a4b00", "#234a6b", "#5a2e7a", "#7a2e3a", "#2f5d1e")
MAX_WORDS = 80
PADDING = 5.0  # pixels kept free between words and around the edge
MIN_SIZE = 11.0
REFERENCE = 100.0  # words are measured once at this size and scaled


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


@lru_cache(maxsize=4096)
def _extents(text: str) -> tuple[float, float, float, float, float]:
    """Ink extents (x0, y0, x1, y1), y up from the baseline, and the advance, at the reference size."""
    prop = FontProperties(family=FONT_FAMILY, weight="bold", size=REFERENCE)
    with warnings.catch_warnings():
        # Emoji and rare scripts have no glyph in DejaVu: measured as its fallback box, which is
        # close enough for placement (the viewer's own emoji font draws them).
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        box = TextPath((0, 0), text, size=REFERENCE, prop=prop).get_extents()
        advance = float(TextToPath().get_text_width_height_descent(text, prop, ismath=False)[0])
    if box.width <= 0 or box.height <= 0:  # nothing visible: give it an empty box of sensible size
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


def _sizes(counts: list[int], width: float, height: float) -> list[float]:
    low, high = min(counts), max(counts)
    biggest = max(min(height / 4.2, width / 7), MIN_SIZE + 4)
    smallest = max(MIN_SIZE, min(height / 16, biggest / 2.6))
    if high == low:
        middle = smallest + (biggest - smallest) * (0.6 if len(counts) <= 6 else 0.3)
        return [middle for _ in counts]
    return [smallest + (biggest - smallest) * ((c - low) / (high - low)) ** 0.75 for c in counts]


def layout(words: list[tuple[str, int]], width: int, height: int) -> list[Placed]:
    """Place the words, largest first; a word that fits nowhere, even smaller, is left out."""
    cleaned = [(" ".join(text.split()), count) for text, count in words if text.strip() and count > 0]
    ordered = sorted(cleaned, key=lambda w: (-w[1], w[0].casefold(), w[0]))[:MAX_WORDS]
    if not ordered:
        return []
    sizes = _sizes([c for _, c in ordered], width, height)
    placed: list[Placed] = []
    cx, cy = width / 2, height / 2
    aspect = width / height
    for index, ((text, count), size) in enumerate(zip(ordered, sizes, strict=True)):
        x0, y0, x1, y1 = measure(text, size)
        limit = (width - 2 * PADDING) / max(x1 - x0, 1e-6)
        size = min(size, size * limit)  # the widest word still fits the width
        while size >= MIN_SIZE * 0.8:
            spot = _find_spot(text, size, placed, width, height, cx, cy, aspect)
            if spot is not None:
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
                        colour=PALETTE[index % len(PALETTE)],
                    )
                )
                break
            size *= 0.85
    return placed


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
