"""The supervisors' dashboard in a real browser (headless Debian Chromium, Playwright), the
app under a real threaded WSGI server, the known week of tests/reports/dataset.py behind it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.reports.dataset import make_week

CHIEF = ("chief", "chief-pass-2026")


@pytest.fixture
def page(open_page, base_url):
    return open_page(base_url, 1366, 768, 10_000)


@pytest.fixture
def week(casework, clock, users):
    users.create(CHIEF[0], CHIEF[1], "supervisor")
    return make_week(casework, clock)


def log_in(page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def kpi(page, name: str):
    return page.locator(f'[data-figure="{name}"] .kpi-value')


def test_a_supervisor_reads_the_week_and_designates_a_lead_unit(page, week, casework, tmp_path):
    log_in(page, *CHIEF)
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.locator(".brand-name")).to_contain_text("督办监控")
    # The default is the last seven days up to today (Monday 30 November).
    expect(page.get_by_label("统计期间")).to_have_value("2026-11-24")

    page.get_by_label("统计期间").fill("2026-11-23")
    page.get_by_label("结束日期").fill("2026-11-29")
    page.get_by_role("button", name="查询").click()
    expect(page).to_have_url(re.compile(r"from=2026-11-23&to=2026-11-29"))
    expect(kpi(page, "calls")).to_have_text("16")
    expect(kpi(page, "cases")).to_have_text("7")
    expect(kpi(page, "on_time_accept")).to_have_text("60.0%")
    expect(kpi(page, "satisfaction")).to_have_text("66.7%")
    expect(page.locator('svg[aria-label="各区事项分布"]')).to_be_visible()
    expect(page.locator('svg[aria-label="每日来电与事项趋势"]')).to_be_visible()
    expect(page.locator("#low-rated")).to_contain_text("kb-heating")
    expect(page.locator("#overdue")).to_contain_text(week.d)
    expect(page.locator("#reopened")).to_contain_text("回访：问题未解决")
    assert "13812345678" not in page.content()
    # Everything fits the width of a 1366x768 screen: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    _screenshot(page, tmp_path)

    # Article 12: the escalated case gets a lead unit and a co-handler.
    row = page.locator(f'#escalated tr[data-ref="{week.g}"]')
    expect(row).to_contain_text("涉及三个单位，请指定主办单位")
    row.get_by_label("主办单位").select_option(label="河北区人民政府")
    row.get_by_label("协办单位（可多选）").select_option(["utility.gas"])
    row.get_by_role("button", name="指定").click()
    expect(page.locator(".flash-success")).to_contain_text("已指定主办单位：河北区人民政府")
    expect(page.locator(f'#escalated tr[data-ref="{week.g}"]')).to_have_count(0)
    expect(page.locator("#escalated .empty")).to_have_text("没有待指定的事项。")
    expect(page.get_by_label("统计期间")).to_have_value("2026-11-23")  # same period still
    case = casework.get_case(week.g)
    assert (case.status, case.unit, case.co_handlers) == (
        "assigned",
        "district.hebei",
        ["utility.gas"],
    )

    page.get_by_role("link", name="单位考评").click()
    expect(page.locator('#scores tr[data-unit="utility.water"]')).to_contain_text("78.3")


def test_a_unit_user_gets_403_on_the_dashboard(page, week):
    log_in(page, "water", "water-pass-2026")
    expect(page).to_have_url(re.compile(r"/workbench/$"))
    expect(page.get_by_role("link", name="督办监控")).to_have_count(0)
    response = page.goto("/dashboard/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="无权访问")).to_be_visible()
    assert "kpi" not in page.content()


def _screenshot(page, tmp_path: Path) -> None:
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
    wanted = os.environ.get("DASHBOARD_SCREENSHOT")  # e.g. /tmp/dashboard.png, to look at
    if wanted:
        page.screenshot(path=wanted, full_page=True)
