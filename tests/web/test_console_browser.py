"""The agents' console in a real browser: headless Chromium (Debian's, via Playwright), the app
under a real threaded server, a caller warm-transferred through the Twilio stand-in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ivr.app import create_app
from standin import HoldOn, Press, Say


@pytest.fixture
def app(casework, users, standin):
    app = create_app(casework=casework)
    app.extensions["twilio_rest"] = standin.client()
    return app


@pytest.fixture
def page(open_page, base_url):
    return open_page(base_url, 1366, 768, 15_000)


def test_agent_takes_a_warm_transferred_call_corrects_the_label_and_dispatches(
    page, base_url, standin, casework
):
    page.goto("/console/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("用户名").fill("agent")
    page.get_by_label("密码").fill("agent-pass-2026")
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/console/$"))
    page.get_by_role("button", name="设为空闲").click()
    expect(page.locator(".flashes")).to_contain_text("状态已设为“空闲”")
    expect(page.locator(".my-status")).to_have_text("空闲")

    phone = HoldOn()  # the agent's browser client identity answers
    standin.answer("client:agent", phone)
    caller = HoldOn([Say("供暖期是从几月几号到几月几号"), Press("0")])
    call = standin.start_inbound_call(
        f"{base_url}/voice/incoming",
        from_="+8613812345678",
        to="+862288908890",
        caller=caller,
        status_callback_url=f"{base_url}/voice/status",
    )

    pop = page.locator("#screen-pop")  # the page polls and shows the call when it connects
    expect(pop).to_contain_text("138****5678")
    expect(pop).not_to_contain_text("13812345678")
    expect(page.locator("#suggested-label")).to_have_text("咨询")
    expect(pop).to_contain_text("供暖期是从几月几号到几月几号")
    expect(pop).to_contain_text("知识库答案")
    expect(page.locator("#case-ref")).to_have_text(re.compile(r"^TJ\d{8}-\d{6}$"))
    ref = page.locator("#case-ref").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366

    page.get_by_label("更正分类").select_option(label="求助")
    page.get_by_label("更正原因").fill("来电人家中暖气不热，实为报修")
    page.get_by_role("button", name="更正", exact=True).click()
    expect(page.locator(".flashes")).to_contain_text("分类已更正为“求助”")
    page.get_by_role("region", name="处理").get_by_label("交办单位").select_option(
        value="utility.heating"
    )
    page.get_by_role("button", name="交办", exact=True).click()
    expect(page.locator(".flashes")).to_contain_text("已交办给")
    expect(page.locator("#case-history")).to_contain_text("更正分类")
    expect(page.locator("#case-status")).to_have_text("待签收")

    events = casework.history(ref)
    assert [e.action for e in events][-2:] == ["relabel", "assign"]
    assert events[-2].data == {"from": "inquiry", "to": "help_request"}
    assert events[-2].reason == "来电人家中暖气不热，实为报修"
    assert events[-1].actor == "center:agent" and events[-1].data["units"] == ["utility.heating"]
    case = casework.get_case(ref)
    assert case.label == "help_request" and case.unit == "utility.heating"
    assert case.status == "assigned"

    phone.release()  # the agent hangs up; the caller hears the reference and goodbye
    result = standin.wait(call.sid)
    assert result.application_errors == []
    assert any("您反映的事项编号是" in t for t in result.texts)
