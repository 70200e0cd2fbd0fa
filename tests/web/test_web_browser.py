"""The workbench in a real browser: headless Chromium driven by Playwright, the app under a
real threaded WSGI server, a real database behind it."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from casework.service import Who

WATER = Who.unit_user("utility.water")


@pytest.fixture
def page(open_page, base_url):
    return open_page(base_url, 1366, 768, 10_000)


def log_in(page, username: str, password: str, path: str = "/workbench/") -> None:
    page.goto(path)
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


@pytest.fixture
def cases(casework, clock):
    """Water's cases: one overdue, two just dispatched (due within a working day), one accepted
    complaint with days to go; and one of the power company's."""
    clock.set("2026-11-20 10:00")  # the Friday before: accept by Monday 17:30
    overdue = casework.create_case(
        text="自来水管道破裂，路面积水", label="help_request", units=["utility.water"]
    ).ref
    clock.set("2026-11-25 10:00")
    soon = casework.create_case(
        text="小区停水一天了", label="help_request", caller="13812345678", units=["utility.water"]
    ).ref
    not_ours = casework.create_case(
        text="这个不归自来水管", label="help_request", units=["utility.water"]
    ).ref
    calm = casework.create_case(
        text="水费账单有误，多收了钱", label="complaint", units=["utility.water"]
    ).ref
    casework.accept(calm, WATER)
    power = casework.create_case(text="整栋楼停电", label="help_request", units=["utility.power"])
    return {
        "overdue": overdue,
        "soon": soon,
        "not_ours": not_ours,
        "calm": calm,
        "power": power.ref,
    }


def row(page, ref: str):
    return page.locator(f'tr[data-ref="{ref}"]')


def test_a_unit_user_handles_cases_from_the_list_to_the_reply(page, cases, casework, tmp_path):
    log_in(page, "water", "water-pass-2026")
    expect(page).to_have_url(re.compile(r"/workbench/$"))
    expect(page.get_by_role("heading", name="本单位事项")).to_be_visible()
    expect(page.locator(".account .unit")).to_have_text("天津水务集团有限公司")

    # Only water's cases, each deadline in its colour, numbers masked.
    refs = page.locator("tr.case-row").evaluate_all("rows => rows.map(r => r.dataset.ref)")
    assert sorted(refs) == sorted(
        [cases["overdue"], cases["soon"], cases["not_ours"], cases["calm"]]
    )
    assert cases["power"] not in page.content()
    expect(row(page, cases["overdue"])).to_have_attribute("data-deadline", "overdue")
    expect(row(page, cases["overdue"]).locator(".deadline")).to_contain_text("已超期")
    expect(row(page, cases["soon"])).to_have_attribute("data-deadline", "soon")
    expect(row(page, cases["calm"])).to_have_attribute("data-deadline", "ok")
    colour = (
        row(page, cases["overdue"])
        .locator(".deadline")
        .evaluate("el => getComputedStyle(el).backgroundColor")
    )
    assert colour == "rgb(180, 35, 24)"  # red
    amber = (
        row(page, cases["soon"])
        .locator(".deadline")
        .evaluate("el => getComputedStyle(el).backgroundColor")
    )
    assert amber == "rgb(255, 244, 214)"
    expect(row(page, cases["soon"])).to_contain_text("138****5678")
    assert "13812345678" not in page.content()
    _screenshot(page, tmp_path)

    # Accept, ask for an extension, resolve.
    row(page, cases["soon"]).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(cases["soon"])
    expect(page.locator("#deadline")).to_contain_text("签收时限")
    page.get_by_role("button", name="签收").click()
    expect(page.locator(".flash-success")).to_have_text("已签收。")
    expect(page.locator("h1 .status")).to_have_text("办理中")

    page.get_by_label("延长工作日天数").fill("2")
    page.get_by_label("延期理由").fill("需要更换主管道，材料周五到货")
    page.get_by_role("button", name="提交延期申请").click()
    expect(page.locator(".flash-success")).to_contain_text("延期申请已提交")
    expect(page.locator(".details")).to_contain_text("已申请，待热线中心审核")
    expect(page.locator("#form-extension")).to_have_count(0)

    page.get_by_label("给市民的答复").fill("已抢修完毕，今晚 8 点恢复供水。")
    page.get_by_role("button", name="办结").click()
    expect(page.locator(".flash-success")).to_contain_text("已办结")
    expect(page.locator("h1 .status")).to_have_text("已办结")
    expect(page.locator("#deadline")).to_have_count(0)

    # The history shows each step, in order, with who and why.
    steps = page.locator("#history tbody td.action").all_inner_texts()
    assert steps == ["登记", "交办", "签收", "申请延期", "办结"]
    history = page.locator("#history")
    expect(history).to_contain_text("需要更换主管道，材料周五到货")
    expect(history).to_contain_text("答复：已抢修完毕，今晚 8 点恢复供水。")
    expect(history).to_contain_text("天津水务集团")
    expect(history).to_contain_text("办理中 → 已办结")
    assert casework.get_case(cases["soon"]).status == "resolved"

    # Return one that is not ours, with a reason: it leaves the list.
    page.get_by_role("link", name="返回事项列表").click()
    row(page, cases["not_ours"]).get_by_role("link").click()
    page.get_by_label("退回理由").fill("属于燃气公司职责")
    page.get_by_role("button", name="退回热线中心").click()
    expect(page).to_have_url(re.compile(r"/workbench/$"))
    expect(page.locator(".flash-success")).to_contain_text("已退回热线中心")
    expect(row(page, cases["not_ours"])).to_have_count(0)
    returned = casework.history(cases["not_ours"])[-1]
    assert (returned.action, returned.reason) == ("return", "属于燃气公司职责")


def test_a_report_needs_its_decision_and_a_refusal_its_reason(page, casework, users):
    ref = casework.create_case(
        text="有人在河道里偷排污水", label="report_violation", units=["utility.water"]
    ).ref
    casework.accept(ref, WATER)
    log_in(page, "water", "water-pass-2026", path=f"/workbench/cases/{ref}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(ref)  # back where we were
    expect(page.locator("#form-resolve")).to_have_count(0)  # decide first
    page.get_by_role("radio", name="不予受理").check()
    page.get_by_role("button", name="提交决定").click()
    expect(page.locator(".flash-error")).to_have_text("请填写理由。")
    expect(page.get_by_role("radio", name="不予受理")).to_be_checked()
    page.get_by_label("理由（不予受理时必填").fill("不属于本单位管辖，已告知向生态环境局举报")
    page.get_by_role("button", name="提交决定").click()
    expect(page.locator(".flash-success")).to_contain_text("不予受理")
    expect(page.locator("h1 .status")).to_have_text("已办结")
    assert casework.get_case(ref).decision == "refused"


def test_a_stale_page_gets_a_clear_message_not_an_error(page, cases, casework):
    log_in(page, "water", "water-pass-2026", path=f"/workbench/cases/{cases['overdue']}")
    expect(page.locator("#deadline")).to_contain_text("已超期")
    casework.accept(cases["overdue"], WATER)  # someone else at the unit, meanwhile
    page.get_by_role("button", name="签收").click()
    expect(page.locator(".flash-error")).to_have_text("该事项当前状态为“办理中”，不能签收。")
    expect(page.locator("h1 .status")).to_have_text("办理中")


def test_a_unit_user_cannot_see_another_units_cases(page, cases):
    log_in(page, "power", "power-pass-2026")
    refs = page.locator("tr.case-row").evaluate_all("rows => rows.map(r => r.dataset.ref)")
    assert refs == [cases["power"]]
    response = page.goto(f"/workbench/cases/{cases['soon']}")
    assert response.status == 403
    expect(page.get_by_role("heading", name="无权访问")).to_be_visible()
    expect(page.locator(".error-card")).to_contain_text("不由本单位承办")
    assert "小区停水" not in page.content()


def test_a_wrong_password_is_refused(page, users):
    log_in(page, "water", "not-the-password")
    expect(page.locator(".flash-error")).to_contain_text("用户名或密码错误")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_label("用户名")).to_have_value("water")
    expect(page.get_by_label("密码")).to_have_value("")


def test_pages_go_to_login_when_logged_out(page, cases):
    for path in ("/workbench/", f"/workbench/cases/{cases['soon']}"):
        page.goto(path)
        expect(page).to_have_url(re.compile(r"/login"))
        expect(page.get_by_role("heading", name="登录")).to_be_visible()
    log_in(page, "water", "water-pass-2026")
    page.get_by_role("button", name="退出登录").click()
    expect(page.locator(".flash-info")).to_have_text("您已安全退出。")
    page.goto("/workbench/")
    expect(page).to_have_url(re.compile(r"/login"))


def _screenshot(page, tmp_path: Path) -> None:
    shot = tmp_path / "workbench.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
    wanted = os.environ.get("WORKBENCH_SCREENSHOT")  # e.g. /tmp/workbench.png, to look at
    if wanted:
        shutil.copy(shot, wanted)
