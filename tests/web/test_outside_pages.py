"""The supervisors' pages for outside systems and member enterprises over real HTTP: the
dead letters and their retry, suspension and reinstatement in the browser (issue 8)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from casework.calls import CallLog, read_enterprise_file
from casework.config import REPO_ROOT
from casework.enterprise_standing import Enterprises
from casework.outbox import Outbox, status_counts
from casework.outbox_config import CREDIT, ENFORCEMENT, Destination, OutboxSettings
from casework.outside_models import OutboxMessage
from tests.outside.outbox_receiver import Receiver

CHIEF = ("chief", "chief-pass-2026")
JINAN = "sample.lock.jinan"


@pytest.fixture
def chief(users):
    users.create(*CHIEF, "supervisor")


@pytest.fixture
def members(casework):
    _, specs = read_enterprise_file(REPO_ROOT / "data" / "enterprises.yaml")
    CallLog(casework.db, casework.clock).load_enterprises(specs)


@pytest.fixture
def dead_letter(casework):
    """An enforcement grievance the platform refused (HTTP 400): a dead letter at once."""
    with Receiver(default="400") as receiver:
        settings = OutboxSettings(
            destinations={
                ENFORCEMENT: Destination(ENFORCEMENT, "执法监督", receiver.url + "/e"),
                CREDIT: Destination(CREDIT, "信用", receiver.url + "/c"),
            },
            timeout_seconds=2,
        )
        case = casework.create_case(
            text="城管执法人员把我的三轮车没收了，电话13812345678",
            label="enforcement_grievance",
            caller="13812345678",
            units=["bureau.urban_management"],
        )
        assert Outbox(casework.db, settings, clock=casework.clock).deliver_once("w").dead == 1
    with casework.db.transaction() as s:
        message = s.scalar(select(OutboxMessage).where(OutboxMessage.status == "dead"))
        return message.id, case.ref


@pytest.mark.parametrize("path", ["/dashboard/outbox", f"/dashboard/enterprises/{JINAN}"])
@pytest.mark.parametrize("username", ["water", "agent"])
def test_only_supervisors_and_admins(sign_in, base_url, members, path, username):
    response = sign_in(username).get(base_url + path, timeout=10)
    assert response.status_code == 403 and "督办监控页面仅供" in response.text


def test_the_dashboard_tabs_lead_to_the_new_pages(chief, sign_in, base_url):
    http = sign_in(*CHIEF)
    html = http.get(f"{base_url}/dashboard/", timeout=10).text
    assert "/dashboard/outbox?" in html and "/dashboard/enterprises/?" in html
    assert "外部报送" in html and "加盟企业" in html


def test_dead_letters_are_listed_and_retried(
    chief, sign_in, base_url, casework, dead_letter, csrf_of, users
):
    message_id, ref = dead_letter
    http = sign_in(*CHIEF)
    page = http.get(f"{base_url}/dashboard/outbox", timeout=10)
    assert page.status_code == 200
    assert f'data-message="{message_id}"' in page.text and ref in page.text
    assert "HTTP 400" in page.text and 'data-status="dead"' in page.text
    assert "13812345678" not in page.text
    url = f"{base_url}/dashboard/outbox/{message_id}/retry"
    # A POST without the session's token changes nothing.
    assert http.post(url, timeout=10).status_code == 400
    assert status_counts(casework.db)["dead"] == 1
    # Nor may an agent retry it, with a token of their own.
    users.create("agent2", "agent2-pass-2026", "agent")
    agent = sign_in("agent2", "agent2-pass-2026")
    token = csrf_of(agent.get(f"{base_url}/console/", timeout=10).text)
    assert agent.post(url, data={"csrf_token": token}, timeout=10).status_code == 403
    assert status_counts(casework.db)["dead"] == 1
    done = http.post(url, data={"csrf_token": csrf_of(page.text)}, timeout=10)
    assert done.status_code == 200 and f"消息 #{message_id} 将重新发送" in done.text
    counts = status_counts(casework.db)
    assert (counts["dead"], counts["pending"]) == (0, 1)
    assert "没有已放弃的消息" in done.text
    # Pressing the button again (another tab) is explained, not an error.
    again = http.post(url, data={"csrf_token": csrf_of(page.text)}, timeout=10)
    assert again.status_code == 200 and "已不在“已放弃”状态" in again.text


def test_retry_all_dead_letters(chief, sign_in, base_url, casework, dead_letter, csrf_of):
    http = sign_in(*CHIEF)
    token = csrf_of(http.get(f"{base_url}/dashboard/outbox", timeout=10).text)
    done = http.post(
        f"{base_url}/dashboard/outbox/retry-all", data={"csrf_token": token}, timeout=10
    )
    assert done.status_code == 200 and "1 条已放弃的消息将重新发送" in done.text
    assert status_counts(casework.db)["dead"] == 0


def test_a_supervisor_suspends_and_reinstates_in_the_browser(
    chief, members, sign_in, base_url, casework, csrf_of
):
    http = sign_in(*CHIEF)
    listing = http.get(f"{base_url}/dashboard/enterprises/", timeout=10)
    assert listing.status_code == 200 and f'data-enterprise="{JINAN}"' in listing.text
    page = http.get(f"{base_url}/dashboard/enterprises/{JINAN}", timeout=10)
    assert page.status_code == 200 and 'id="form-suspend"' in page.text
    assert "正常推荐" in page.text and "次评价" in page.text
    token = csrf_of(page.text)
    url = f"{base_url}/dashboard/enterprises/{JINAN}"
    refused = http.post(f"{url}/suspend", data={"csrf_token": token, "reason": " "}, timeout=10)
    assert "请填写理由" in refused.text
    assert not Enterprises(casework.db).get(JINAN).suspended
    suspended = http.post(
        f"{url}/suspend",
        data={"csrf_token": token, "reason": "多次投诉加价，客户电话13900001111"},
        timeout=10,
    )
    assert suspended.status_code == 200 and "已暂停推荐" in suspended.text
    assert 'id="form-reinstate"' in suspended.text and "督办人员暂停" in suspended.text
    assert "13900001111" not in suspended.text and "139****1111" in suspended.text
    view = Enterprises(casework.db).get(JINAN)
    assert view.suspended and view.cause == "manual"
    assert JINAN not in [e.code for e in CallLog(casework.db).enterprises_for("unlocking")]
    reinstated = http.post(
        f"{url}/reinstate", data={"csrf_token": token, "reason": "整改完成"}, timeout=10
    )
    assert reinstated.status_code == 200 and "已恢复推荐" in reinstated.text
    assert not Enterprises(casework.db).get(JINAN).suspended
    events = re.findall(r'data-event="(\w+)"', reinstated.text)
    assert events == ["reinstatement", "suspension"]  # newest first
    assert "chief" in reinstated.text and "整改完成" in reinstated.text
    # Both changes went to the credit-information system through the outbox.
    with casework.db.transaction() as s:
        credit = s.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.topic == "enterprise_credit")
        ).all()
    assert [(m["event"], m.get("by")) for m in credit] == [
        ("suspension", None),
        ("reinstatement", "supervisor:chief"),
    ]
    # Reinstating again, from a stale tab, is explained.
    stale = http.post(f"{url}/reinstate", data={"csrf_token": token, "reason": "x"}, timeout=10)
    assert stale.status_code == 200 and "目前没有暂停推荐" in stale.text


def test_an_agent_cannot_suspend(members, sign_in, base_url, casework, csrf_of, users):
    http = sign_in("agent")
    token = csrf_of(http.get(f"{base_url}/console/", timeout=10).text)
    response = http.post(
        f"{base_url}/dashboard/enterprises/{JINAN}/suspend",
        data={"csrf_token": token, "reason": "x"},
        timeout=10,
    )
    assert response.status_code == 403
    assert not Enterprises(casework.db).get(JINAN).suspended


def test_an_unknown_enterprise_goes_back_to_the_list(chief, members, sign_in, base_url):
    response = sign_in(*CHIEF).get(f"{base_url}/dashboard/enterprises/no.such", timeout=10)
    assert response.status_code == 200 and "没有加盟企业 no.such" in response.text
    assert f'data-enterprise="{JINAN}"' in response.text


# ----------------------------------------------------------------- in a real browser


def test_browser_a_supervisor_suspends_then_reinstates(
    open_page, base_url, chief, members, dead_letter, casework, tmp_path
):
    from playwright.sync_api import expect

    page = open_page(base_url, 1366, 768, 10_000)
    page.goto("/login")
    page.get_by_label("用户名").fill(CHIEF[0])
    page.get_by_label("密码").fill(CHIEF[1])
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="外部报送").click()
    expect(page.locator("#dead-letters")).to_contain_text("HTTP 400")
    shots = Path(os.environ.get("OUTSIDE_SCREENSHOTS") or tmp_path)  # a folder, to look at
    page.screenshot(path=str(shots / "outbox.png"), full_page=True)
    page.get_by_role("button", name="重新发送").first.click()
    expect(page.locator(".flash-success")).to_contain_text("将重新发送")
    page.get_by_role("link", name="加盟企业").click()
    page.get_by_role("link", name="津安开锁服务部（示例）").click()
    page.get_by_label("暂停理由").fill("多次投诉加价")
    page.get_by_role("button", name="暂停推荐").click()
    expect(page.locator("#standing")).to_contain_text("暂停推荐")
    page.get_by_label("恢复理由（如整改情况）").fill("整改完成")
    page.get_by_role("button", name="恢复推荐").click()
    expect(page.locator("#standing")).to_have_text("正常推荐")
    expect(page.locator("#history tbody tr")).to_have_count(2)
    page.screenshot(path=str(shots / "enterprise.png"), full_page=True)
    assert not Enterprises(casework.db).get(JINAN).suspended
