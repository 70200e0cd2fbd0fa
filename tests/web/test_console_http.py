"""The agents' console over HTTP (requests, as a browser would): access, CSRF, presence, and
the call-in-hand actions on a call warm-transferred through the Twilio stand-in."""

from __future__ import annotations

import time

import pytest

from ivr.app import create_app
from standin import HoldOn, Press, Say

CALLER = "+8613812345678"


@pytest.fixture
def app(casework, users, standin):
    app = create_app(casework=casework)
    app.extensions["twilio_rest"] = standin.client()
    return app


def eventually(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, f"not within {timeout} s"
        time.sleep(0.05)
    return value


@pytest.fixture
def connected(app, base_url, standin, sign_in, csrf_of):
    """The agent signed in and available, a caller warm-transferred to them and talking."""
    http = sign_in("agent")
    token = csrf_of(http.get(f"{base_url}/console/", timeout=10).text)
    phone = HoldOn()
    standin.answer("client:agent", phone)
    http.post(f"{base_url}/console/status", data={"status": "available", "csrf_token": token})
    caller = HoldOn([Say("供暖期是从几月几号到几月几号"), Press("0")])
    call = standin.start_inbound_call(
        f"{base_url}/voice/incoming",
        from_=CALLER,
        to="+862288908890",
        caller=caller,
        status_callback_url=f"{base_url}/voice/status",
    )
    eventually(phone.joined.is_set)
    desk = app.extensions["agent_desk"]
    eventually(lambda: app.extensions["casework"].case_for_call(call.sid))
    yield http, token, call, phone, desk
    phone.release()
    standin.wait(call.sid)


def test_the_console_needs_an_agent_or_supervisor(base_url, sign_in):
    anonymous = pytest.importorskip("requests").get(f"{base_url}/console/", timeout=10)
    assert "/login" in anonymous.url
    page = sign_in("water").get(f"{base_url}/console/", timeout=10)
    assert page.status_code == 403 and "仅供热线坐席" in page.text


def test_agents_land_on_the_console_and_set_themselves_available(base_url, sign_in, csrf_of, app):
    http = sign_in("agent")
    page = http.get(f"{base_url}/console/", timeout=10)
    assert page.status_code == 200 and "坐席工作台" in page.text and "设为空闲" in page.text
    refused = http.post(f"{base_url}/console/status", data={"status": "available"}, timeout=10)
    assert refused.status_code == 400  # no CSRF token
    assert app.extensions["agent_desk"].agent("agent") is None
    done = http.post(
        f"{base_url}/console/status",
        data={"status": "available", "csrf_token": csrf_of(page.text)},
        timeout=10,
    )
    assert "状态已设为“空闲”" in done.text
    assert app.extensions["agent_desk"].agent("agent").status == "available"
    live = http.get(f"{base_url}/console/live", timeout=10).json()
    assert live["status"] == "available" and live["call"] == ""


def test_screen_pop_and_actions_go_into_the_case_history(base_url, connected, casework, standin):
    http, token, call, phone, desk = connected
    live = http.get(f"{base_url}/console/live", timeout=10).json()
    assert live["call"] == call.sid and live["live"]
    html = live["html"]
    assert "138****5678" in html and "13812345678" not in html
    assert "供暖期" in html and "咨询" in html and "知识库答案" in html

    def post(action, **data):
        return http.post(
            f"{base_url}/console/calls/{call.sid}/{action}",
            data={**data, "csrf_token": token},
            timeout=10,
        )

    page = post("dispatch", unit="")
    assert "请选择承办单位" in page.text
    page = post("label", label="help_request", reason="实为报修")
    assert "分类已更正为“求助”" in page.text or "分类已更正为" in page.text
    page = post("dispatch", unit="utility.heating")
    assert "已交办给" in page.text, page.text
    page = post("note", text="来电人家中暖气不热，已告知供热单位")
    ref = casework.case_for_call(call.sid).ref
    events = casework.history(ref)
    assert [e.action for e in events][-3:] == ["relabel", "assign", "note"]
    assert {e.actor for e in events[-3:]} == {"center:agent"}
    assert events[-3].data == {"from": "inquiry", "to": "help_request"}
    live = http.get(f"{base_url}/console/live", timeout=10).json()["html"]
    assert ">更正分类</span> · 分类：咨询 → 求助" in live and ">relabel<" not in live
    assert 'id="answer-form"' not in page.text  # only a registered case is answered
    page = post("answer", reply="供暖期为每年11月15日至次年3月15日。")
    assert "不能" in page.text  # an assigned case is not answered on the spot
    case = casework.get_case(ref)
    assert case.status == "assigned" and case.label == "help_request"  # not half-changed
    assert [e.action for e in casework.history(ref)][-1] == "note"


def test_an_inquiry_is_answered_and_closed_by_the_agent(base_url, connected, casework):
    http, token, call, phone, desk = connected
    assert 'id="answer-form"' in http.get(f"{base_url}/console/", timeout=10).text
    page = http.post(
        f"{base_url}/console/calls/{call.sid}/answer",
        data={"reply": "供暖期为每年11月15日至次年3月15日。", "csrf_token": token},
        timeout=10,
    )
    assert "已当场答复" in page.text
    case = casework.case_for_call(call.sid)
    assert case.status == "closed" and case.reply.startswith("供暖期")
    assert casework.history(case.ref)[-1].action == "answer"


def test_the_agent_transfers_to_120_and_another_agent_is_refused_when_away(
    base_url, connected, standin, users, casework
):
    http, token, call, phone, desk = connected
    users.create("agent2", "agent2-pass-2026", "agent")
    page = http.post(
        f"{base_url}/console/calls/{call.sid}/transfer",
        data={"target": "agent:agent2", "csrf_token": token},
        timeout=10,
    )
    assert "不是空闲状态" in page.text
    ambulance = HoldOn()
    standin.answer("120", ambulance)
    page = http.post(
        f"{base_url}/console/calls/{call.sid}/transfer",
        data={"target": "120", "csrf_token": token},
        timeout=10,
    )
    assert "正在转接120" in page.text
    eventually(ambulance.joined.is_set)
    ambulance.release()


def test_the_agent_transfers_to_another_agent_who_hears_who_it_is_from(
    base_url, connected, standin, users, app
):
    http, token, call, phone, desk = connected
    users.create("agent2", "agent2-pass-2026", "agent")
    desk.set_status("agent2", "available")
    colleague = HoldOn()
    standin.answer("client:agent2", colleague)
    page = http.post(
        f"{base_url}/console/calls/{call.sid}/transfer",
        data={"target": "agent:agent2", "csrf_token": token},
        timeout=10,
    )
    assert "正在呼叫该坐席" in page.text
    eventually(colleague.joined.is_set)
    heard = " ".join(colleague.texts)
    assert "这是同事转给您的来电" in heard and "agent" not in heard  # no login name read aloud
    page = http.post(
        f"{base_url}/console/calls/{call.sid}/leave", data={"csrf_token": token}, timeout=10
    )
    assert "您已退出通话" in page.text
    eventually(lambda: desk.agent("agent").status == "available")
    assert desk.in_hand("agent2").call_sid == call.sid
    assert not standin.call(call.sid).done.is_set()  # the caller is still with agent2
    colleague.release()


def test_a_case_of_another_label_is_relabelled_and_answered_in_one_step(
    base_url, connected, casework
):
    http, token, call, phone, desk = connected
    ref = casework.case_for_call(call.sid).ref
    casework.relabel(ref, "complaint", casework_who("agent"))
    page = http.post(
        f"{base_url}/console/calls/{call.sid}/answer",
        data={"reply": "供暖期为每年11月15日至次年3月15日。", "csrf_token": token},
        timeout=10,
    )
    assert "已当场答复" in page.text
    case = casework.get_case(ref)
    assert case.status == "closed" and case.label == "inquiry"
    assert [e.action for e in casework.history(ref)][-2:] == ["relabel", "answer"]


def casework_who(name):
    from casework.service import Who

    return Who.center(name)
