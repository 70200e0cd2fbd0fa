"""`ivr report brief|scores|figures` on the known week, as an operator runs them."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from ivr.cli import main

WEEK = ["--from", "2026-11-23", "--to", "2026-11-29"]


@pytest.fixture
def ivr(database_url, week):
    runner = CliRunner()

    def run(*args, ok=True):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


def test_brief_writes_html_with_charts_and_csv(ivr, tmp_path):
    out = tmp_path / "brief"
    result = json.loads(ivr("report", "brief", *WEEK, "--out", str(out), "--json").output)
    stem = "brief-2026-11-23_2026-11-29"
    assert [p.split("/")[-1] for p in result["files"]] == [
        f"{stem}.html",
        f"{stem}-figures.csv",
        f"{stem}-topics.csv",
        f"{stem}-units.csv",
    ]
    html = (out / f"{stem}.html").read_text(encoding="utf-8")
    assert "工作简报（2026-11-23 至 2026-11-29）" in html
    assert html.count("<svg") >= 4  # trend, calls, labels, districts
    assert "本期共受理来电 16 通" in html and "登记事项 7 件" in html
    assert "待市审批办指定主办单位 1 件" in html
    assert "5678" not in html and "停水三天" not in html  # no numbers, no caller's words
    with open(out / f"{stem}-figures.csv", encoding="utf-8-sig") as handle:
        rows = {(r["section"], r["item"]): r for r in csv.DictReader(handle)}
    assert rows[("calls", "total")]["value"] == "16"
    assert rows[("cases", "total")]["value"] == "7"
    assert rows[("cases_by_district", "和平区")]["value"] == "1"
    assert rows[("emergency", "110")]["value"] == "2"
    ret = rows[("rates", "return_rate")]
    assert (ret["value"], ret["numerator"], ret["denominator"]) == ("0.2000", "1", "5")
    sat = rows[("rates", "satisfaction")]
    assert (sat["numerator"], sat["denominator"]) == ("2", "3")
    with open(out / f"{stem}-units.csv", encoding="utf-8-sig") as handle:
        units = {r["unit"]: r for r in csv.DictReader(handle)}
    assert units["utility.water"]["satisfaction"] == "1.0000"


def test_scores_and_figures_as_json(ivr):
    scores = json.loads(ivr("report", "scores", *WEEK, "--json").output)
    assert scores["weights"]["satisfaction"] == 40
    water = next(u for u in scores["units"] if u["unit"] == "utility.water")
    assert water["cases"] == 3 and water["parts"]["satisfaction"] == 1.0
    assert water["rank"] is None  # fewer than min_cases (5) in the week
    figures = json.loads(ivr("report", "figures", *WEEK, "--json").output)
    assert figures["calls"]["total"] == 16 and figures["cases"] == 7
    assert figures["rates"]["return_rate"]["of"] == [1, 5]
    human = ivr("report", "scores", *WEEK).output
    assert "天津水务集团有限公司" in human


def test_a_bad_date_is_one_line(ivr, tmp_path):
    result = ivr("report", "brief", "--from", "2026-02-30", "--out", str(tmp_path), ok=False)
    assert result.exit_code == 1 and "invalid_input" in result.output
