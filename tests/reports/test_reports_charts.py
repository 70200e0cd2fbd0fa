"""The SVG charts: well-formed, every district placed once, values shown, text escaped."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from casework.reports import charts
from casework.reports.figures import TIANJIN_DISTRICTS

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises on anything malformed


def test_district_grid_places_the_16_districts_once():
    assert sorted(charts.DISTRICT_GRID) == sorted(TIANJIN_DISTRICTS)
    assert len(set(charts.DISTRICT_GRID.values())) == 16
    counts = dict.fromkeys(TIANJIN_DISTRICTS, 0) | {"和平区": 12, "滨海新区": 3, "市级部门": 5}
    root = parse(charts.district_grid(counts))
    tiles = root.findall(f"{SVG}g")
    assert len(tiles) == 16
    titles = {t.find(f"{SVG}title").text for t in tiles}
    assert "和平区：12 件" in titles and "蓟州区：0 件" in titles
    fills = {t.find(f"{SVG}title").text: t.find(f"{SVG}rect").get("fill") for t in tiles}
    assert fills["和平区：12 件"] != fills["滨海新区：3 件"] != fills["蓟州区：0 件"]
    assert "市级部门 5 件" in charts.district_grid(counts)


def test_trend_and_bars_are_well_formed_and_escaped():
    days = [(dt.date(2026, 11, 23) + dt.timedelta(days=i), i * 3, i) for i in range(7)]
    root = parse(charts.trend_chart(days))
    assert root.get("role") == "img" and root.find(f"{SVG}title").text == "每日来电与事项趋势"
    assert len(root.findall(f"{SVG}polyline")) == 2
    bars = parse(charts.bar_chart([("<求助>", 3), ("投诉", 1)], "类别", unit="件"))
    texts = [t.text for t in bars.iter(f"{SVG}text")]
    assert "<求助>" in texts and "3件（75%）" in texts
    assert "本期没有数据" in charts.bar_chart([], "空")
    assert 'fill="#c0392b"' in charts.rate_bar(0.9, higher_is_better=False)
    assert 'fill="#3c8d40"' in charts.rate_bar(0.95)
    assert "style=" not in charts.trend_chart(days)  # the pages' CSP allows no inline styles
