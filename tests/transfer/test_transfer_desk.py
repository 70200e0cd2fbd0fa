"""The agents' desk on a real database: longest idle first, atomic claims, presence rules, and
the casework actions the console uses (relabel, answer an inquiry)."""

from __future__ import annotations

import threading

import pytest

from casework.agents import AgentDesk
from casework.lifecycle import Forbidden, IllegalTransition, InvalidInput
from casework.service import Who

AGENT = Who.center("agent1")


@pytest.fixture
def desk(casework, users) -> AgentDesk:
    return AgentDesk(casework.db, casework.clock)


def entry(desk, n: int):
    sid = f"CA{n:032x}"
    return desk.enqueue(sid, f"hotline-{sid}", "caller pressed 0", "13812345678", "88908890")


def test_the_longest_idle_available_agent_is_rung_first(desk, clock, users):
    users.create("agent3", "agent3-pass-2026", "agent")
    for name in ("agent2", "agent3", "agent1"):
        desk.set_status(name, "available")
        clock.advance(minutes=1)
    desk.set_status("agent3", "away")
    first, second = entry(desk, 1), entry(desk, 2)
    assert desk.claim_next(first.id).username == "agent2"
    assert desk.claim_next(first.id) is None  # already ringing for this caller
    assert desk.claim_next(second.id).username == "agent1"
    assert desk.entry(second.id).status == "ringing"
    assert desk.ahead_of(second.id) == 1 and desk.ahead_of(first.id) == 0
    third = entry(desk, 3)
    assert desk.claim_next(third.id) is None and desk.entry(third.id).status == "waiting"


def test_two_callers_never_get_the_same_agent(desk, users):
    names = [f"agent{n}" for n in range(3, 7)]
    for name in names:
        users.create(name, f"{name}-pass-2026", "agent")
    for name in ["agent1", "agent2", *names]:
        desk.set_status(name, "available")
    entries = [entry(desk, n) for n in range(1, 13)]
    got: dict[int, str] = {}
    barrier = threading.Barrier(len(entries))

    def claim(e):
        barrier.wait()
        agent = desk.claim_next(e.id)
        if agent:
            got[e.id] = agent.username

    threads = [threading.Thread(target=claim, args=(e,)) for e in entries]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 6 and len(set(got.values())) == 6
    assert all(a.status == "busy" for a in desk.list_agents())


def test_a_missed_ring_sets_the_agent_away_and_the_caller_waits_for_the_next(desk):
    desk.set_status("agent1", "available")
    desk.set_status("agent2", "available")
    e = entry(desk, 1)
    first = desk.claim_next(e.id)
    desk.leg_started(e.id, first.id, "CA" + "1" * 32)
    after = desk.leg_failed(e.id, first.id, "no-answer")
    assert after.status == "waiting" and after.tried == (first.id,)
    assert desk.agent(first.username).status == "away"
    assert desk.agent(first.username).note == "missed"
    assert desk.claim_next(e.id).username != first.username


def test_presence_rules(desk, users):
    with pytest.raises(InvalidInput, match="available or away"):
        desk.set_status("agent1", "busy")
    users.create("water", "water-pass-2026", "unit", "utility.water")
    with pytest.raises(InvalidInput, match="not an agent"):
        desk.set_status("water", "available")
    desk.set_status("agent1", "available")
    desk.claim_next(entry(desk, 1).id)
    with pytest.raises(InvalidInput, match="on a call"):
        desk.set_status("agent1", "away")
    assert desk.on_duty() == 1
    assert desk.set_status("agent1", "available", force=True).status == "available"
    assert desk.on_duty() == 1


def test_relabel_and_answer_an_inquiry_are_in_the_history(casework):
    case = casework.create_case(text="供暖期是几月到几月", label="help_request")
    with pytest.raises(InvalidInput, match="correct the label first"):
        casework.answer_inquiry(case.ref, "11月15日至次年3月15日", AGENT)
    casework.relabel(case.ref, "inquiry", AGENT, "实为咨询")
    with pytest.raises(InvalidInput, match="already labelled"):
        casework.relabel(case.ref, "inquiry", AGENT)
    with pytest.raises(InvalidInput, match="no case for label"):
        casework.relabel(case.ref, "emergency", AGENT)
    with pytest.raises(Forbidden):
        casework.relabel(case.ref, "complaint", Who.unit_user("utility.water"))
    closed = casework.answer_inquiry(case.ref, "11月15日至次年3月15日", AGENT)
    assert closed.status == "closed" and closed.reply == "11月15日至次年3月15日"
    events = casework.history(case.ref)
    assert [(e.action, e.actor) for e in events[-2:]] == [
        ("relabel", "center:agent1"),
        ("answer", "center:agent1"),
    ]
    with pytest.raises(IllegalTransition):
        casework.relabel(case.ref, "complaint", AGENT)


def test_a_ring_whose_status_never_came_is_given_up_and_the_caller_waits_on(app, clock, available):
    """The wait URL gives up on a ring after 3x the ring time; a failed REST redirect to the
    message keeps the caller waiting instead of stranding them."""
    from twilio.request_validator import RequestValidator

    desk = app.extensions["agent_desk"]
    available("agent1")
    e = entry(desk, 1)
    first = desk.claim_next(e.id)
    clock.advance(minutes=5)
    url = f"http://localhost/voice/agents/wait?q={e.id}"
    form = {"CallSid": e.call_sid, "ConferenceSid": "CF" + "0" * 32}
    token = app.extensions["voice_settings"].auth_token
    signature = RequestValidator(token).compute_signature(url, form)
    reply = app.test_client().post(url, data=form, headers={"X-Twilio-Signature": signature})
    assert reply.status_code == 200
    assert "您是下一位" in reply.get_data(as_text=True)
    after = desk.entry(e.id)
    assert after.status == "waiting" and after.tried == (first.id,)
    assert desk.agent("agent1").status == "away" and desk.agent("agent1").note == "missed"
    unsigned = app.test_client().post(url, data=form)
    assert unsigned.status_code == 403
