"""The supervisors' dashboard over HTTP: roles, figures, masking, designation, CSRF."""

from __future__ import annotations

import re

import pytest

from tests.reports.dataset import make_week

PERIOD = {"from": "2026-11-23", "to": "2026-11-29"}
CHIEF = ("chief", "chief-pass-2026")


@pytest.fixture
def week(casework, clock, users):
    users.create(CHIEF[0], CHIEF[1], "supervisor")
    return make_week(casework, clock)


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}".*?class="kpi-value">([^<]+)<', html, re.S)
    assert match, f"no figure {name}"
    return match.group(1)


@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/topics", "/dashboard/scores"])
@pytest.mark.parametrize("username", ["water", "agent"])
def test_only_supervisors_and_admins(week, sign_in, base_url, path, username):
    response = sign_in(username).get(base_url + path, timeout=10)
    assert response.status_code == 403
    assert "督办监控页面仅供" in response.text


def test_signed_out_goes_to_login(week, base_url):
    import requests

    response = requests.get(base_url + "/dashboard/", timeout=10, allow_redirects=False)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_supervisor_lands_on_the_dashboard_and_sees_the_figures(week, sign_in, base_url):
    http = sign_in(*CHIEF)
    landing = http.get(base_url + "/login", timeout=10)
    assert landing.url.endswith("/dashboard/")
    page = http.get(base_url + "/dashboard/", params=PERIOD, timeout=10)
    assert page.status_code == 200
    html = page.text
    assert figure(html, "calls") == "16" and figure(html, "cases") == "7"
    assert figure(html, "on_time_accept") == "60.0%"
    assert figure(html, "on_time_complete") == "50.0%"
    assert figure(html, "return_rate") == "20.0%"
    assert figure(html, "reopen_rate") == "33.3%"
    assert figure(html, "satisfaction") == "66.7%"
    assert figure(html, "callback_reach") == "75.0%"
    assert "<svg" in html and "各区事项分布" in html and "每日来电与事项趋势" in html
    for ref in (week.g, week.c, week.d, week.e):
        assert f'data-ref="{ref}"' in html
    assert "138****5678" in html and "13812345678" not in html
    assert 'data-kb="kb-heating"' in html


def test_designating_the_lead_unit_of_an_escalated_case(week, sign_in, base_url, csrf_of, casework):
    http = sign_in(*CHIEF)
    page = http.get(base_url + "/dashboard/", params=PERIOD, timeout=10)
    form = {"lead": "district.hebei", "co": ["utility.gas"], **PERIOD}
    url = f"{base_url}/dashboard/cases/{week.g}/designate"
    assert http.post(url, data=form, timeout=10).status_code == 400  # no CSRF token
    assert casework.get_case(week.g).status == "escalated"
    done = http.post(url, data={**form, "csrf_token": csrf_of(page.text)}, timeout=10)
    assert done.status_code == 200 and "已指定主办单位：河北区人民政府" in done.text
    case = casework.get_case(week.g)
    assert (case.status, case.unit, case.co_handlers) == (
        "assigned",
        "district.hebei",
        ["utility.gas"],
    )
    assert case.lead_designated
    assert casework.history(week.g)[-1].actor == "approval_office:chief"
    again = http.post(url, data={**form, "csrf_token": csrf_of(page.text)}, timeout=10)
    assert "已不在“已上报”状态" in again.text


def test_a_unit_cannot_designate(week, sign_in, base_url, csrf_of, casework):
    http = sign_in("water")
    page = http.get(base_url + "/workbench/", timeout=10)
    response = http.post(
        f"{base_url}/dashboard/cases/{week.g}/designate",
        data={"lead": "utility.water", "csrf_token": csrf_of(page.text)},
        timeout=10,
    )
    assert response.status_code == 403
    assert casework.get_case(week.g).status == "escalated"


def test_a_bad_period_falls_back_to_the_last_week(week, sign_in, base_url):
    page = sign_in(*CHIEF).get(
        base_url + "/dashboard/", params={"from": "2026-13-01", "to": "x"}, timeout=10
    )
    assert page.status_code == 200 and "日期格式应为" in page.text
    assert 'value="2026-11-24"' in page.text  # seven days up to Monday 30 November


def test_topics_and_scores_pages(week, sign_in, base_url):
    http = sign_in(*CHIEF)
    topics = http.get(base_url + "/dashboard/topics", params=PERIOD, timeout=10)
    assert topics.status_code == 200 and "本期事项 7 件" in topics.text
    assert "本期事项太少，暂无热点" in topics.text  # no word in two of the week's cases
    scores = http.get(base_url + "/dashboard/scores", params=PERIOD, timeout=10)
    assert scores.status_code == 200 and 'data-unit="utility.water"' in scores.text
    assert "78.3" in scores.text
