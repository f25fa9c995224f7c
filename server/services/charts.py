"""Charts for the wrap-up report, drawn with matplotlib (Agg, no pyplot state) as inline SVG.

Every function returns one ``<svg>`` element without the XML prolog or metadata, its text kept as
text (``svg.fonttype = none``) so a PDF made from it stays searchable. User text never goes through
mathtext: a ``$`` in a statement is just a dollar sign.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib import rc_context  # the backend is chosen first
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse

from server import i18n
from server.text import N_

INK = "#17212b"
MUTED = "#4a5866"
LINE = "#d9d4c7"
TRACK = "#ece8df"
BRAND = "#0f6e5f"
BRAND_DARK = "#0a4f44"
ACCENT = "#f2a541"
# The big screen's scale colours (kring.css .v0 … .v9), low to high.
SCALE = ("#7a4e00", "#8a6100", "#4d6b2a", "#0f6e5f", "#0a4f44", "#234a6b", "#3b3f8f", "#5a2e7a", "#7a2e5a")
FONT = ["DejaVu Sans"]
# The leerscan's colours, for a numeric scale whose statements are colour names.
COLOURS: dict[str, str] = {
    "blauw": "#2f6db5",
    "blue": "#2f6db5",
    "geel": "#e0b000",
    "yellow": "#e0b000",
    "groen": "#3a8f3a",
    "green": "#3a8f3a",
    "rood": "#c8372d",
    "red": "#c8372d",
    "wit": "#b8b2a4",
    "white": "#b8b2a4",
    "oranje": "#e07b1f",
    "orange": "#e07b1f",
    "paars": "#7a3f9d",
    "purple": "#7a3f9d",
}
_PROLOG = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)


def number(value: float, language: str, digits: int = 1) -> str:
    """1.25 -> '1,2' in Dutch, '1.2' in English (Babel, in the meeting's language)."""
    return i18n.number(value, language, digits)


def _plain(text: str) -> str:
    """Text for a tick label (ticks parse mathtext): dollars escaped."""
    return text.replace("$", r"\$")


def _svg(figure: Figure, salt: str) -> str:
    buffer = io.StringIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": salt, "font.family": FONT}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, transparent=True)
    text = _METADATA.sub("", _PROLOG.sub("", buffer.getvalue(), count=1))
    return text.strip()


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    with rc_context({"font.family": FONT, "font.size": 9}):
        figure = Figure(figsize=(width, height))
        axes = figure.add_subplot()
    return figure, axes


def _quiet(axes: Axes) -> None:
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(LINE)
    axes.tick_params(colors=MUTED, labelsize=9, length=0)


def distribution(counts: Sequence[int], low: int, mean: float | None, *, salt: str = "kring") -> str:
    """A star scale's answers: one column per value (low … low+n-1), the counts on top, the mean marked."""
    values = list(range(low, low + len(counts)))
    with rc_context({"font.family": FONT, "font.size": 9}):
        figure, axes = _figure(4.2, 1.45)
        colours = [SCALE[min(i, len(SCALE) - 1)] for i in range(len(counts))]  # as the big screen
        top = max([*counts, 1])
        axes.bar(values, [top] * len(values), width=0.78, color=TRACK, zorder=1)
        bars = axes.bar(values, counts, width=0.78, color=colours, zorder=2)
        for bar, count in zip(bars, counts, strict=True):
            axes.text(
                bar.get_x() + bar.get_width() / 2,
                top * 1.06,
                str(count),
                ha="center",
                va="bottom",
                fontsize=9,
                fontweight="bold",
                color=INK if count else "#8a8f94",
                parse_math=False,
            )
        if mean is not None:  # the figure itself is written next to the chart
            axes.plot([mean, mean], [0, top], color=ACCENT, linewidth=2.6, zorder=3, solid_capstyle="butt")
        axes.set_xticks(values, [f"{v} ★" for v in values])
        axes.set_yticks([])
        axes.set_ylim(0, top * 1.3)
        axes.set_xlim(low - 0.6, values[-1] + 0.6)
        _quiet(axes)
        figure.subplots_adjust(left=0.02, right=0.98, top=0.98, bottom=0.2)
        return _svg(figure, salt)


def strips(
    rows: Sequence[tuple[str, Sequence[int], float | None]],
    low: int,
    high: int,
    language: str,
    *,
    salt: str = "kring",
) -> str:
    """A numeric scale: per statement a line from low to high with a dot for every answer.

    Equal values stack up and down from the line; the mean is a tall mark in the row's colour.
    """
    n = max(len(rows), 1)
    with rc_context({"font.family": FONT, "font.size": 9}):
        figure, axes = _figure(6.6, 0.5 + 0.52 * n)
        span = high - low
        for index, (text, values, mean) in enumerate(rows):
            y = n - 1 - index
            colour = COLOURS.get(text.strip().casefold(), SCALE[(3 + index * 2) % len(SCALE)])
            axes.plot([low, high], [y, y], color=LINE, linewidth=1.2, zorder=1, solid_capstyle="round")
            seen: dict[int, int] = {}
            xs: list[float] = []
            ys: list[float] = []
            for value in values:
                k = seen.get(value, 0)
                seen[value] = k + 1
                offset = ((k + 1) // 2) * 0.13 * (1 if k % 2 else -1)
                xs.append(value)
                ys.append(y + offset)
            edge = INK if colour == COLOURS["wit"] else "white"
            axes.scatter(xs, ys, s=46, color=colour, edgecolors=edge, linewidths=0.8, zorder=3)
            if mean is not None:
                axes.plot([mean, mean], [y - 0.32, y + 0.32], color=INK, linewidth=2, zorder=4)
                axes.text(
                    high + span * 0.03,
                    y,
                    i18n.say(N_("mean {value}", value=number(mean, language)), language),
                    va="center",
                    ha="left",
                    fontsize=9,
                    color=INK,
                    fontweight="bold",
                    parse_math=False,
                )
        axes.set_yticks(list(range(n)), [_plain(r[0]) for r in reversed(rows)])
        ticks = _ticks(low, high)
        axes.set_xticks(ticks, [str(t) for t in ticks])
        axes.set_xlim(low - span * 0.03, high + span * 0.03)
        axes.set_ylim(-0.6, n - 0.4)
        _quiet(axes)
        axes.tick_params(axis="y", labelsize=9.5, colors=INK)
        figure.subplots_adjust(left=0.17, right=0.87, top=0.96, bottom=0.5 / (0.5 + 0.52 * n))
        return _svg(figure, salt)


# bars(): in lines of 9.5 pt text (0.19 in each): an option's text, then its bar, then the gap.
_LINE = 0.19
_BAR = 0.65
_GAP = 0.75
_WRAP = 64  # characters on a line: room on the right for the figure


def bars(rows: Sequence[tuple[str, float, str]], *, salt: str = "kring") -> str:
    """Choice and groups: per option its text and its figure ("2 · 67%") over a bar of its share
    (0 to 1) on a light track: a full track is everyone, as on the big screen, so 50 % is half a
    bar whatever the other options got. Long option texts wrap; the figure stays on the first line,
    right-aligned."""
    lines = [textwrap.wrap(text, _WRAP) or [""] for text, _, _ in rows]
    total = sum(len(wrapped) + 0.3 + _BAR for wrapped in lines) + _GAP * max(len(rows) - 1, 0)
    with rc_context({"font.family": FONT, "font.size": 9.5}):
        figure = Figure(figsize=(6.6, max(total, 1) * _LINE))
        axes = figure.add_axes((0, 0, 1, 1))
        axes.set_xlim(0, 1)
        axes.set_ylim(max(total, 1), 0)  # top down, in lines
        axes.axis("off")
        y = 0.0
        for (_text, share, figure_text), wrapped in zip(rows, lines, strict=True):
            for k, line in enumerate(wrapped):
                axes.text(
                    0,
                    y + k + 0.8,
                    line,
                    ha="left",
                    va="baseline",
                    fontweight="bold",
                    color=INK,
                    parse_math=False,
                )
            axes.text(
                1,
                y + 0.8,
                figure_text,
                ha="right",
                va="baseline",
                fontweight="bold",
                color=BRAND_DARK,
                parse_math=False,
            )
            middle = y + len(wrapped) + 0.3 + _BAR / 2
            axes.barh([middle], [1], height=_BAR, left=0, color=TRACK, zorder=1)
            if share > 0:
                axes.barh([middle], [min(share, 1.0)], height=_BAR, left=0, color=BRAND, zorder=2)
            y += len(wrapped) + 0.3 + _BAR + _GAP
        return _svg(figure, salt)


def _ticks(low: int, high: int) -> list[int]:
    span = high - low
    step = next((s for s in (1, 2, 5, 10, 20, 25, 50, 100, 250, 500, 1000) if span / s <= 8), span)
    first = low + (-low) % step if low % step else low
    ticks = list(range(first, high + 1, step))
    return sorted({low, *ticks, high}) if len(ticks) < 3 else ticks


def plane(
    dots: Sequence[tuple[int, float, float, float | None, float | None]],
    x: tuple[str, int, int],
    y: tuple[str, int, int],
    quadrants: Sequence[str],
    *,
    ellipse: bool = False,
    salt: str = "kring",
) -> str:
    """A 2×2 grid: each item's mean (number, x, y) a numbered dot on the plane, its spread (one
    standard deviation per axis) a cross or an ellipse where given; the quadrants' labels in their
    corners (top left, top right, bottom left, bottom right), the axes' labels along them."""
    (x_label, x_low, x_high), (y_label, y_low, y_high) = x, y
    x_pad, y_pad = (x_high - x_low) * 0.04, (y_high - y_low) * 0.04
    with rc_context({"font.family": FONT, "font.size": 9}):
        figure, axes = _figure(6.6, 5.2)
        axes.set_xlim(x_low - x_pad, x_high + x_pad)
        axes.set_ylim(y_low - y_pad, y_high + y_pad)
        x_mid, y_mid = (x_low + x_high) / 2, (y_low + y_high) / 2
        axes.axvline(x_mid, color=LINE, linewidth=1.4, zorder=1)
        axes.axhline(y_mid, color=LINE, linewidth=1.4, zorder=1)
        corners = [
            (x_low, y_high, "left", "top"),
            (x_high, y_high, "right", "top"),
            (x_low, y_low, "left", "bottom"),
            (x_high, y_low, "right", "bottom"),
        ]
        for text, (cx, cy, ha, va) in zip(quadrants, corners, strict=False):
            axes.text(
                cx, cy, text, ha=ha, va=va, color=MUTED, fontweight="bold", fontsize=10, parse_math=False
            )
        for number_, mx, my, sx, sy in dots:
            if sx is not None and sy is not None:
                if ellipse:
                    axes.add_patch(
                        Ellipse(
                            (mx, my), 2 * sx, 2 * sy, facecolor=BRAND, alpha=0.14, edgecolor=BRAND, zorder=2
                        )
                    )
                else:
                    axes.plot([mx - sx, mx + sx], [my, my], color=BRAND, linewidth=1.6, alpha=0.6, zorder=2)
                    axes.plot([mx, mx], [my - sy, my + sy], color=BRAND, linewidth=1.6, alpha=0.6, zorder=2)
            axes.scatter([mx], [my], s=290, color=BRAND_DARK, edgecolors="white", linewidths=1.2, zorder=3)
            axes.text(
                mx, my, str(number_), ha="center", va="center", color="white", fontweight="bold", zorder=4
            )
        x_ticks, y_ticks = _ticks(x_low, x_high), _ticks(y_low, y_high)
        axes.set_xticks(x_ticks, [str(t) for t in x_ticks])
        axes.set_yticks(y_ticks, [str(t) for t in y_ticks])
        axes.set_xlabel(_plain(x_label), color=INK, fontweight="bold", fontsize=10)
        axes.set_ylabel(_plain(y_label), color=INK, fontweight="bold", fontsize=10)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        for side in ("bottom", "left"):
            axes.spines[side].set_color(LINE)
        axes.tick_params(colors=MUTED, labelsize=9, length=0)
        figure.subplots_adjust(left=0.1, right=0.98, top=0.98, bottom=0.1)
        return _svg(figure, salt)
