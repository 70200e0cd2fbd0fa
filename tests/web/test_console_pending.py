"""待分派 over HTTP: the agents' console lists the cases no unit has yet and dispatches them
through casework; the supervisors' dashboard lists them too and links to the console."""

from __future__ import annotations

import re

import pytest

CHIEF = ("chief", "chief-pass-2026")


@pytest.fixture
def waiting(casework, clock):
    """Two cases waiting for the center: a web request routed nowhere, and one returned."""
    clock.set("2026-11-25 10:00")
    web = casework.create_case(
        text="小区里有人私搭乱建，电话13812345678",
        label="complaint",
        channel="web",
        caller="13812345678",
        remark="网上受理：分类不确定，请人工分派",
    )
    returned = casework.create_case(text="停水", label="help_request", units=["utility.water"])
    casework.return_case(returned.ref, "小区内部管道", casework_who("utility.water"))
    casework.create_case(text="已交办的", label="help_request", units=["utility.power"])
    return web, returned


def casework_who(unit):
    from casework.service import Who

    return Who.unit_user(unit)


def pending_rows(html: str) -> list[str]:
    section = html.split('id="pending"', 1)[1]
    return re.findall(r'<tr data-ref="([^"]+)" id="pending-', section)


def test_agents_see_the_cases_awaiting_dispatch_numbers_masked(waiting, sign_in, base_url):
    web, returned = waiting
    html = sign_in("agent").get(f"{base_url}/console/", timeout=10).text
    assert "待分派" in html and "2 件" in html
    assert pending_rows(html) == [web.ref, returned.ref]  # the soonest deadline first
    assert "138****5678" in html and "13812345678" not in html
    assert "2026-11-26 17:30" in html  # the web case's dispatch deadline
    assert "退回 1 次" in html
    assert "office.approval" not in html.split('id="pending-unit"', 1)[1].split("</select>")[0]


def test_an_agent_picks_a_case_and_dispatches_it_with_fresh_deadlines(
    waiting, sign_in, base_url, csrf_of, casework, clock
):
    web, _ = waiting
    http = sign_in("agent")
    token = csrf_of(http.get(f"{base_url}/console/", timeout=10).text)
    clock.set("2026-11-27 09:00")  # a day late: the case is overdue for dispatch
    page = http.post(
        f"{base_url}/console/pending/dispatch",
        data={"ref": web.ref, "unit": "district.hexi", "reason": "属河西区", "csrf_token": token},
        timeout=10,
    )
    assert f"事项 {web.ref} 已交办给" in page.text
    case = casework.get_case(web.ref)
    assert case.status == "assigned" and case.unit == "district.hexi"
    assert case.due_kind == "accept" and case.due_at == case.accept_due and not case.overdue
    last = casework.history(web.ref)[-1]
    assert (last.action, last.actor, last.reason) == ("assign", "center:agent", "属河西区")
    assert web.ref not in pending_rows(page.text)

    again = http.post(
        f"{base_url}/console/pending/dispatch",
        data={"ref": web.ref, "unit": "district.hexi", "csrf_token": token},
        timeout=10,
    )
    assert "已不在待分派状态" in again.text


def test_dispatch_refusals_are_messages_and_change_nothing(
    waiting, sign_in, base_url, csrf_of, casework
):
    web, returned = waiting
    http = sign_in("agent")
    token = csrf_of(http.get(f"{base_url}/console/", timeout=10).text)

    def post(**data):
        return http.post(
            f"{base_url}/console/pending/dispatch", data={**data, "csrf_token": token}, timeout=10
        ).text

    assert "请先在待分派列表中选择一个事项" in post(unit="district.hexi")
    page = post(ref=web.ref)
    assert "请选择承办单位" in page and f'value="{web.ref}" id="pick-{web.ref}"' in page
    assert re.search(rf'value="{web.ref}" id="pick-{web.ref}"[^>]*checked', page)
    assert "已退回过这个事项" in post(ref=returned.ref, unit="utility.water")
    assert "市审批办不能作为承办单位" in post(ref=web.ref, unit="office.approval")
    refused = http.post(
        f"{base_url}/console/pending/dispatch",
        data={"ref": web.ref, "unit": "district.hexi"},
        timeout=10,
    )
    assert refused.status_code == 400  # no CSRF token
    assert casework.get_case(web.ref).status == "registered"
    assert casework.get_case(returned.ref).status == "returned"


def test_unit_users_cannot_dispatch(waiting, sign_in, base_url, casework):
    web, _ = waiting
    http = sign_in("water")
    assert http.get(f"{base_url}/console/", timeout=10).status_code == 403
    response = http.post(
        f"{base_url}/console/pending/dispatch",
        data={"ref": web.ref, "unit": "utility.water"},
        timeout=10,
    )
    assert response.status_code in (400, 403)
    assert casework.get_case(web.ref).status == "registered"


def test_supervisors_see_the_list_on_the_dashboard_and_dispatch_from_the_console(
    waiting, users, sign_in, base_url, csrf_of, casework
):
    web, returned = waiting
    users.create(CHIEF[0], CHIEF[1], "supervisor")
    http = sign_in(*CHIEF)
    page = http.get(f"{base_url}/dashboard/", timeout=10)
    assert page.status_code == 200
    section = page.text.split('id="awaiting"', 1)[1].split("</section>", 1)[0]
    assert "待分派" in page.text and "2 件" in section
    assert web.ref in section and returned.ref in section
    assert "138****5678" in section and "13812345678" not in page.text
    link = re.search(rf'href="([^"]*pick={web.ref}[^"]*)"', section).group(1)
    console = http.get(base_url + link.replace("&amp;", "&"), timeout=10)
    assert console.status_code == 200
    assert re.search(rf'value="{web.ref}" id="pick-{web.ref}"[^>]*checked', console.text)
    done = http.post(
        f"{base_url}/console/pending/dispatch",
        data={"ref": web.ref, "unit": "district.hexi", "csrf_token": csrf_of(console.text)},
        timeout=10,
    )
    assert "已交办给" in done.text
    assert casework.history(web.ref)[-1].actor == "center:chief"


def test_a_web_request_of_uncertain_category_waits_on_the_list_with_a_deadline(app, casework):
    from ivr import text_intake
    from nlu import Decision

    unsure = Decision(
        text="我想反映一下那个事情",
        label="complaint",
        emergency=None,
        confidence=0.2,
        low_confidence=True,
    )
    with app.app_context():
        case = text_intake.register(unsure.text, unsure, channel="web")
    assert case.unit is None and case.due_kind == "dispatch"
    assert case.due_at == casework.dispatch_due(case.created_at)
    assert casework.history(case.ref)[0].reason == text_intake.UNCERTAIN_REMARK
    assert [c.ref for c in casework.awaiting_dispatch()[1]] == [case.ref]
