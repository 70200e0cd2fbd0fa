"""Charts as SVG text, for the dashboard page and the HTML brief (no JavaScript, no CDN).

Only presentation attributes are used (no inline ``style``), so the pages keep a
strict Content-Security-Policy. Each chart has a <title> for screen readers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from casework.reports.figures import NO_DISTRICT, NO_UNIT

CALLS_COLOUR = "#2f6db5"
CASES_COLOUR = "#d9822b"
BAR_COLOUR = "#2f6db5"
TEXT_COLOUR = "#333"
GRID_COLOUR = "#ddd"
SHADES = ("#f2f5f9", "#d4e3f5", "#a9c8eb", "#6fa3dc", "#2f6db5", "#1b4a82")
FONT = 'font-family="Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif"'

# Tianjin's 16 districts, placed roughly as on a map (row, column): 蓟州 in the north,
# the six central districts in the middle, 滨海新区 on the coast, 静海 in the south-west.
DISTRICT_GRID = {
    "蓟州区": (0, 2),
    "武清区": (1, 1),
    "宝坻区": (1, 2),
    "宁河区": (1, 3),
    "北辰区": (2, 1),
    "红桥区": (2, 2),
    "河北区": (2, 3),
    "东丽区": (2, 4),
    "西青区": (3, 0),
    "南开区": (3, 1),
    "和平区": (3, 2),
    "河东区": (3, 3),
    "滨海新区": (3, 4),
    "静海区": (4, 0),
    "河西区": (4, 2),
    "津南区": (4, 3),
}


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" {FONT}>'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _text(x: float, y: float, text: str, size: int = 12, anchor: str = "start", **attrs) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(str(v))}"' for k, v in attrs.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{TEXT_COLOUR}" '
        f'text-anchor="{anchor}"{extra}>{escape(text)}</text>'
    )


def _nice_max(value: int) -> int:
    """A round top for the axis; small counts get 4 or 8 so the quarter ticks are whole."""
    if value <= 4:
        return 4
    if value <= 8:
        return 8
    step = 10 ** (len(str(value)) - 1)
    for factor in (1, 2, 2.5, 5, 10):
        top = int(step * factor)
        if top >= value:
            return top
    return value


def trend_chart(
    days: Sequence[tuple[dt.date, int, int]], width: int = 640, height: int = 220
) -> str:
    """Calls and cases per Beijing day: two lines over the period."""
    left, right, top, bottom = 44, 24, 24, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max([max(c, k) for _, c, k in days] or [0]))
    count = max(len(days), 1)
    step = plot_w / max(count - 1, 1)

    def x(i: int) -> float:
        return left + (i * step if count > 1 else plot_w / 2)

    def y(v: int) -> float:
        return top + plot_h - v / peak * plot_h

    body = []
    for tick in range(5):
        value = peak * tick / 4
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="{GRID_COLOUR}"/>'
        )
        body.append(_text(left - 6, y(value) + 4, f"{value:g}", 11, "end"))
    every = max(1, round(count / 8))
    for i, (day, _, _) in enumerate(days):
        if i % every == 0 or i == count - 1:
            body.append(_text(x(i), height - bottom + 16, f"{day.month}/{day.day}", 11, "middle"))
    for index, colour, name in ((1, CALLS_COLOUR, "来电"), (2, CASES_COLOUR, "事项")):
        points = " ".join(f"{x(i):.1f},{y(row[index]):.1f}" for i, row in enumerate(days))
        if points:
            body.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        if count <= 31:
            body.extend(
                f'<circle cx="{x(i):.1f}" cy="{y(row[index]):.1f}" r="3" fill="{colour}"/>'
                for i, row in enumerate(days)
            )
        legend_x = left + (index - 1) * 80
        body.append(
            f'<rect x="{legend_x}" y="6" width="12" height="12" fill="{colour}"/>'
            + _text(legend_x + 16, 16, name, 12)
        )
    return _svg(width, height, "每日来电与事项趋势", body)


def bar_chart(
    items: Sequence[tuple[str, int]], title: str, width: int = 420, unit: str = ""
) -> str:
    """Horizontal bars with the count and share of each item, largest first as given."""
    row_h, label_w, right = 24, 120, 90
    height = max(len(items), 1) * row_h + 8
    total = sum(v for _, v in items) or 1
    peak = max([v for _, v in items] or [1]) or 1
    bar_w = width - label_w - right
    body = []
    for i, (label, value) in enumerate(items):
        top = 4 + i * row_h
        length = value / peak * bar_w
        body.append(_text(label_w - 8, top + 16, label, 12, "end"))
        body.append(
            f'<rect x="{label_w}" y="{top + 4}" width="{length:.1f}" height="{row_h - 8}" '
            f'fill="{BAR_COLOUR}" rx="2"/>'
        )
        share = value / total * 100
        body.append(_text(label_w + length + 6, top + 16, f"{value}{unit}（{share:.0f}%）", 11))
    if not items:
        body.append(_text(width / 2, 20, "本期没有数据", 12, "middle"))
    return _svg(width, height, title, body)


def district_grid(counts: dict[str, int], width: int = 420) -> str:
    """The 16 districts as tiles placed like a map, darker for more cases."""
    cols, rows, gap = 5, 5, 6
    tile = (width - gap * (cols + 1)) / cols
    tile_h = tile * 0.62
    height = int(rows * (tile_h + gap) + gap + 26)
    peak = max([counts.get(d, 0) for d in DISTRICT_GRID] or [0])
    body = []
    for district, (row, col) in DISTRICT_GRID.items():
        value = counts.get(district, 0)
        shade = 0 if not value else 1 + min(len(SHADES) - 2, int(value / peak * (len(SHADES) - 1)))
        x, y = gap + col * (tile + gap), gap + row * (tile_h + gap)
        dark = shade >= 4
        colour = "#fff" if dark else TEXT_COLOUR
        body.append(
            f"<g><title>{escape(district)}：{value} 件</title>"
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{tile:.1f}" height="{tile_h:.1f}" rx="4" '
            f'fill="{SHADES[shade]}" stroke="{GRID_COLOUR}"/>'
            f'<text x="{x + tile / 2:.1f}" y="{y + tile_h / 2 - 3:.1f}" font-size="12" '
            f'fill="{colour}" text-anchor="middle">{escape(district)}</text>'
            f'<text x="{x + tile / 2:.1f}" y="{y + tile_h / 2 + 14:.1f}" font-size="13" '
            f'font-weight="bold" fill="{colour}" text-anchor="middle">{value}</text></g>'
        )
    other = f"{NO_DISTRICT} {counts.get(NO_DISTRICT, 0)} 件 · {NO_UNIT} {counts.get(NO_UNIT, 0)} 件"
    body.append(_text(gap, height - 8, other, 12))
    return _svg(width, height, "各区事项分布", body)


def rate_bar(value: float | None, width: int = 120, higher_is_better: bool = True) -> str:
    """A thin bar for a rate 0-1: green when good, red when poor, grey without data."""
    filled = 0 if value is None else max(0.0, min(1.0, value)) * width
    goodness = None if value is None else (value if higher_is_better else 1 - value)
    colour = BAR_COLOUR
    if goodness is not None and goodness >= 0.9:
        colour = "#3c8d40"
    elif goodness is not None and goodness < 0.6:
        colour = "#c0392b"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="8" '
        f'viewBox="0 0 {width} 8" aria-hidden="true">'
        f'<rect width="{width}" height="8" rx="4" fill="#e6e6e6"/>'
        f'<rect width="{filled:.1f}" height="8" rx="4" fill="{colour}"/></svg>'
    )
