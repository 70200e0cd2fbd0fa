"""Warm transfer through the stand-in: agent answers, first agent does not answer, no agent at
all, caller hangs up while waiting, agent transfers the caller to 120."""

from __future__ import annotations

import time

from ivr.flows.onward import transfer_to_number
from standin import HoldOn, Press, Say

ASKS_FOR_HEATING = [Say("供暖期是从几月几号到几月几号"), Press("0")]  # answered, then 0


def eventually(check, timeout: float = 10.0, every: float = 0.05, message=None):
    """Wait until ``check()`` is truthy; returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            detail = message() if message else check
            raise AssertionError(f"not within {timeout} s: {detail}")
        time.sleep(every)


def legs_to(standin, address):
    return [c for c in standin.calls if c.to == address]


def test_agent_answers_hears_the_whisper_and_the_case_is_theirs(
    standin, desk, available, dial_in, record_of, casework, events_of
):
    available("agent1")
    agent = HoldOn()
    standin.answer("client:agent1", agent)
    caller = HoldOn(ASKS_FOR_HEATING)
    call = dial_in(caller)

    eventually(agent.joined.is_set)
    whisper = " ".join(agent.texts)
    assert "系统建议分类：咨询" in whisper and "此前没有工单记录" in whisper
    entry = eventually(
        lambda: (
            desk.entry_for_call(call.sid).status == "connected" and desk.entry_for_call(call.sid)
        )
    )
    assert desk.agent("agent1").status == "busy"
    assert desk.in_hand("agent1").call_sid == call.sid
    case = eventually(lambda: casework.case_for_call(call.sid))
    assert case.status == "registered" and "供暖" in case.text
    assert casework.history(case.ref)[0].actor == "center:agent1"

    agent.release()  # the agent hangs up: the caller hears goodbye with the reference
    result = standin.wait(call.sid)
    assert result.application_errors == []
    assert any("您是下一位" in t for t in result.texts)  # the wait URL's first round
    assert entry.answered_at is not None
    assert any("您反映的事项编号是" in t for t in result.texts)
    record = record_of(call.sid)
    assert record.outcome == "agent_transfer" and record.case_ref == case.ref
    eventually(lambda: desk.agent("agent1").status == "available")
    assert desk.entry_for_call(call.sid).status == "ended"


def test_first_agent_does_not_answer_the_next_one_does(standin, desk, available, dial_in, casework):
    casework.create_case(text="上个月反映过小区停水", label="help_request", caller="13812345678")
    available("agent1", "agent2")  # agent1 has been idle longest: rung first
    standin.answer("client:agent1", "no-answer")
    second = HoldOn()
    standin.answer("client:agent2", second)
    call = dial_in(HoldOn(ASKS_FOR_HEATING))

    eventually(second.joined.is_set)
    assert "这位来电人此前有1件工单。" in second.texts
    first_leg = legs_to(standin, "client:agent1")
    assert len(first_leg) == 1 and first_leg[0].result.status == "no-answer"
    assert desk.agent("agent1").status == "away" and desk.agent("agent1").note == "missed"
    entry = eventually(
        lambda: (
            desk.entry_for_call(call.sid).status == "connected" and desk.entry_for_call(call.sid)
        )
    )
    assert entry.agent_id == desk.agent("agent2").id and entry.tried == (desk.agent("agent1").id,)
    assert "center:agent2" in casework.history(casework.case_for_call(call.sid).ref)[0].actor
    second.release()
    assert standin.wait(call.sid).application_errors == []


def test_no_agent_on_duty_the_message_becomes_a_case(standin, dial_in, casework, record_of):
    caller = HoldOn([Press("0"), Say("小区门口的路灯坏了一个星期了")])
    call = dial_in(caller)
    result = standin.wait(call.sid)
    assert result.application_errors == []
    assert any("已经登记，编号是" in t for t in result.texts)
    assert any("现在暂时没有工作人员可以接听" in t for t in result.texts)
    assert not any("久等" in t for t in result.texts)  # the caller did not wait at all
    assert any("已经记录下来" in t for t in result.texts)
    record = record_of(call.sid)
    assert record.outcome == "agent_message"  # taken as a message, not handled by an agent
    assert casework.get_case(record.case_ref).due_kind == "dispatch"  # 待分派, with a deadline
    history = casework.history(record.case_ref)
    assert "no agent on duty" in history[0].reason
    assert history[-1].action == "note" and "路灯坏了" in history[-1].reason


def test_nobody_answers_within_the_wait_the_caller_leaves_a_message(
    standin, desk, available, settings, dial_in, casework, record_of
):
    settings(max_wait_minutes=0)
    available("agent1")
    standin.answer("client:agent1", "no-answer")
    caller = HoldOn([*ASKS_FOR_HEATING, Say("家里只有十六度 请尽快来修")])
    call = dial_in(caller)
    result = standin.wait(call.sid)
    assert result.application_errors == []
    assert len(legs_to(standin, "client:agent1")) == 1
    assert any("让您久等了" in t for t in result.texts)
    record = record_of(call.sid)
    assert record.outcome == "agent_message"
    case = casework.get_case(record.case_ref)
    assert "供暖" in case.text
    assert "nobody answered in time" in casework.history(case.ref)[0].reason
    assert "十六度" in casework.history(case.ref)[-1].reason
    assert desk.entry_for_call(call.sid).status == "message"


def test_caller_hangs_up_while_waiting_the_entry_ends_and_a_case_is_registered(
    standin, desk, available, dial_in, casework, record_of
):
    available("agent1")
    other = desk.enqueue("CA" + "f" * 32, "hotline-other", "test", None, None)
    assert desk.claim_next(other.id).username == "agent1"  # agent1 is busy with another call
    caller = HoldOn([Say("嗯 那个 啊"), Say("啊 就是")])  # twice not understood: to an agent
    # the caller hangs up at the first round of the wait (HoldOn hangs up when released)
    caller.release()
    call = dial_in(caller)
    result = standin.wait(call.sid)
    assert result.application_errors == []
    assert any("您前面还有1位来电者在等候" in t for t in result.texts), result.texts
    entry = eventually(
        lambda: desk.entry_for_call(call.sid).status == "ended" and desk.entry_for_call(call.sid)
    )
    assert entry.end_reason == "caller hung up while waiting" and entry.answered_at is None
    case = eventually(lambda: casework.case_for_call(call.sid))
    assert "那个" in case.text
    assert record_of(call.sid).outcome == "abandoned"
    assert desk.agent("agent1").call_sid == other.call_sid  # untouched


def test_agent_transfers_the_caller_to_120_who_stays_in_the_call(
    standin, desk, available, dial_in, app, app_url, casework
):
    available("agent1")
    agent, ambulance = HoldOn(), HoldOn()
    standin.answer("client:agent1", agent)
    standin.answer("120", ambulance)
    call = dial_in(HoldOn(ASKS_FOR_HEATING))  # the agent learns of an emergency while talking
    eventually(agent.joined.is_set)
    entry = eventually(
        lambda: desk.entry_for_call(call.sid).conference_sid and desk.entry_for_call(call.sid)
    )
    eventually(lambda: casework.case_for_call(call.sid))

    with app.test_request_context(base_url=app_url):
        transfer_to_number(entry, "120", "agent1", app_url)
    eventually(
        ambulance.joined.is_set,
        message=lambda: [
            (
                c.to,
                c.result.status,
                c.result.errors,
                [(r.purpose, r.status) for r in c.result.requests],
            )
            for c in standin.calls
        ],
    )
    agent.release()  # the agent leaves; the caller stays with 120
    eventually(lambda: desk.agent("agent1").status == "available")
    assert not standin.call(call.sid).done.is_set()
    ambulance.release()
    result = standin.wait(call.sid)
    assert result.application_errors == []
    room = [r for r in standin.config.conferences.ended if r.name == entry.conference][0]
    joined = [h["to"] for h in room.history if h["event"] == "join"]
    assert joined[0] == "+862288908890" and "client:agent1" in joined and "120" in joined
    case = casework.case_for_call(call.sid)
    notes = [e.reason for e in casework.history(case.ref) if e.action == "note"]
    assert any("120" in n for n in notes)
    assert desk.entry_for_call(call.sid).transfers[0]["to"] == "120"


def test_120_not_answering_does_not_strand_the_caller_when_the_agent_leaves(
    standin, desk, available, dial_in, app, app_url, casework
):
    available("agent1")
    agent = HoldOn()
    standin.answer("client:agent1", agent)
    standin.answer("120", "no-answer")
    call = dial_in(HoldOn(ASKS_FOR_HEATING))
    eventually(agent.joined.is_set)
    entry = eventually(
        lambda: desk.entry_for_call(call.sid).conference_sid and desk.entry_for_call(call.sid)
    )
    with app.test_request_context(base_url=app_url):
        leg = transfer_to_number(entry, "120", "agent1", app_url)
    eventually(lambda: standin.call(leg).done.is_set())
    eventually(lambda: leg not in desk.entry_for_call(call.sid).others)
    agent.release()
    result = standin.wait(call.sid)
    assert any("您反映的事项编号是" in t for t in result.texts)
