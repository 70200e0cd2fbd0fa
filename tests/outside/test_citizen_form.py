"""The citizens' web form over real HTTP (requests), and in headless Debian Chromium."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

CITIZEN = "13812345678"


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} on the page"
    return match.group(1)


@pytest.fixture
def form(app_url):
    """A citizen's browser session: GET the form, then POST what they typed."""
    http = requests.Session()

    def submit(text: str, **fields) -> requests.Response:
        page = http.get(f"{app_url}/report", timeout=10)
        assert page.status_code == 200
        data = {
            "csrf_token": hidden(page.text, "csrf_token"),
            "nonce": hidden(page.text, "nonce"),
            "text": text,
            **fields,
        }
        return http.post(f"{app_url}/report", data=data, timeout=30)

    submit.http = http
    return submit


def test_the_form_is_public_and_in_chinese(app_url):
    page = requests.get(f"{app_url}/report", timeout=10)
    assert page.status_code == 200 and "/login" not in page.url
    assert "网上留言" in page.text and "110" in page.text and 'name="csrf_token"' in page.text
    assert requests.get(f"{app_url}/workbench/", timeout=10).url.endswith(
        "/login?next=/workbench/"
    )  # only the form is public


def test_a_matter_gets_a_reference_and_a_dispatched_web_case(form, casework):
    response = form("小区停水两天了", location="和平区南京路100号", phone=CITIZEN)
    assert response.status_code == 200
    ref = re.search(r'id="case-ref">(TJ\d{8}-\d{6})<', response.text).group(1)
    case = casework.get_case(ref)
    assert case.channel == "web" and case.unit == "utility.water"
    assert case.location == "和平区南京路100号" and case.caller == "138****5678"
    assert case.unit_name in response.text and "3个工作日" in response.text
    assert CITIZEN not in response.text


def test_a_refresh_does_not_register_twice(casework, app_url):
    http = requests.Session()
    page = http.get(f"{app_url}/report", timeout=10).text
    data = {
        "csrf_token": hidden(page, "csrf_token"),
        "nonce": hidden(page, "nonce"),
        "text": "小区停水两天了",
    }
    first = http.post(f"{app_url}/report", data=data, timeout=30)
    ref = re.search(r'id="case-ref">([^<]+)<', first.text).group(1)
    again = http.post(f"{app_url}/report", data=data, timeout=30)  # the browser resends
    assert "已经登记过了" in again.text and ref in again.text
    assert len(casework.list_cases()) == 1


def test_an_emergency_shows_the_number_and_makes_no_case(form, casework):
    response = form("救命 着火了 楼道里全是烟")
    assert 'data-kind="emergency"' in response.text
    assert 'href="tel:119"' in response.text and "没有登记" in response.text
    assert casework.list_cases() == []


def test_an_excluded_matter_is_explained_kindly(form, casework):
    response = form("邻居欠我五万块钱一直不还")
    assert 'data-kind="excluded"' in response.text
    assert "调解" in response.text and "请您谅解" in response.text
    assert casework.list_cases() == []


def test_an_inquiry_is_answered_and_may_still_be_registered(form, casework, app_url):
    response = form("办理居住证需要什么材料")
    assert 'data-kind="answered"' in response.text
    assert casework.list_cases() == []
    register = {
        name: hidden(response.text, name)
        for name in ("csrf_token", "nonce", "text", "location", "phone", "register")
    }
    registered = form.http.post(f"{app_url}/report", data=register, timeout=30)
    ref = re.search(r'id="case-ref">([^<]+)<', registered.text).group(1)
    assert casework.get_case(ref).label == "inquiry"


def test_a_household_service_gets_member_enterprises(form, casework):
    response = form("我把钥匙锁在家里了，想找人开锁")
    assert 'data-kind="enterprises"' in response.text and "tel:" in response.text
    assert casework.list_cases() == []


def test_bad_input_keeps_what_was_typed(form, casework, app_url):
    response = form("小区停水两天了", phone="12345")
    assert response.status_code == 400
    assert "联系电话的格式不对" in response.text and "小区停水两天了" in response.text
    assert form("   ").status_code == 400
    too_long = form("停" * 2001)
    assert too_long.status_code == 400 and "2000字" in too_long.text
    no_csrf = requests.post(f"{app_url}/report", data={"text": "小区停水两天了"}, timeout=10)
    assert no_csrf.status_code == 400
    assert casework.list_cases() == []


@pytest.mark.parametrize("junk", ["。。。。", "？？！！……", "a", "- - -", "😀😀😀"])
def test_text_without_words_is_explained_and_gets_no_reference(form, casework, junk):
    response = form(junk, location="和平区")
    assert response.status_code == 400 and "没能看懂您写的内容" in response.text
    assert 'id="case-ref"' not in response.text and "和平区" in response.text
    assert casework.list_cases() == []


def test_too_many_submissions_from_one_address_are_refused(form, casework):
    for n in range(5):
        assert form(f"建议在第{n}号路口增加红绿灯").status_code == 200
    refused = form("建议在路口增加红绿灯")
    assert refused.status_code == 429 and "一分钟" in refused.text
    assert "建议在路口增加红绿灯" in refused.text  # nothing typed is lost
    assert len(casework.list_cases()) == 5


def test_behind_a_proxy_each_citizen_has_their_own_limit(casework, monkeypatch):
    from ivr.app import create_app
    from ivr.local_server import serving

    monkeypatch.setenv("HOTLINE_PROXY_HOPS", "1")
    with serving(create_app(casework=casework)) as url:

        def submit(text: str, client: str) -> int:
            http = requests.Session()
            headers = {"X-Forwarded-For": client}
            page = http.get(f"{url}/report", headers=headers, timeout=10).text
            data = {"csrf_token": hidden(page, "csrf_token"), "nonce": hidden(page, "nonce")}
            response = http.post(
                f"{url}/report", data={**data, "text": text}, headers=headers, timeout=30
            )
            return response.status_code

        assert [submit(f"建议在第{n}号路口增加红绿灯", "203.0.113.7") for n in range(6)] == [
            200
        ] * 5 + [429]
        assert submit("建议在路口增加红绿灯", "198.51.100.9") == 200  # same proxy, another person
    assert len(casework.list_cases()) == 6


# ----------------------------------------------------------------- in a real browser


@pytest.fixture
def page(open_page, app_url):
    return open_page(app_url, 412, 900, 15_000)


def test_browser_a_citizen_registers_a_matter(page, casework):
    page.goto("/report")
    expect(page.get_by_role("heading", name="网上留言")).to_be_visible()
    page.get_by_label("您要反映的问题（必填）").fill("小区停水两天了，一直没有通知")
    page.get_by_label("地址（选填）").fill("河西区友谊路1号")
    page.get_by_label("联系电话（选填，方便有关部门联系您、回访）").fill(CITIZEN)
    page.get_by_role("button", name="提交留言").click()
    expect(page.get_by_role("heading", name="您的留言已登记")).to_be_visible()
    ref = page.locator("#case-ref").inner_text().strip()
    assert casework.get_case(ref).channel == "web"
    page.reload()  # the browser sends the form again: the same reference, no second case
    expect(page.locator("#case-ref")).to_have_text(ref)
    assert len(casework.list_cases()) == 1


def test_browser_an_emergency_shows_the_number_at_once(page, casework):
    page.goto("/report")
    page.get_by_label("您要反映的问题（必填）").fill("救命 着火了 楼道里全是烟")
    page.get_by_role("button", name="提交留言").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("119")
    expect(page.get_by_role("link", name="119")).to_have_attribute("href", "tel:119")
    assert casework.list_cases() == []


def test_browser_an_excluded_matter_and_a_bad_phone(page, casework):
    page.goto("/report")
    page.get_by_label("您要反映的问题（必填）").fill("这个案子已经在法院起诉了")
    page.get_by_role("button", name="提交留言").click()
    expect(page.locator("#result")).to_contain_text("法院")
    page.get_by_role("link", name="再写一条留言").click()
    page.get_by_label("您要反映的问题（必填）").fill("路灯坏了好几天")
    page.get_by_label("联系电话（选填，方便有关部门联系您、回访）").fill("123")
    page.get_by_role("button", name="提交留言").click()
    expect(page.get_by_role("alert")).to_contain_text("联系电话的格式不对")
    expect(page.get_by_label("您要反映的问题（必填）")).to_have_value("路灯坏了好几天")
    assert casework.list_cases() == []
