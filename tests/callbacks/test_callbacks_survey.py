"""Whole survey calls through the stand-in: every way a citizen (or a machine) answers."""

import pytest

from casework.service import Who
from standin import Hangup, Press, Say, Silence
from tests.callbacks.conftest import CITIZEN


def callback_of(callbacks):
    [callback] = callbacks.store.all()
    return callback


def test_resolving_schedules_the_next_working_day_in_calling_hours(
    casework, callbacks, resolved_case, clock
):
    resolved_case()
    assert callbacks.store.schedule_new() == 1
    assert callbacks.store.schedule_new() == 0  # once
    callback = callback_of(callbacks)
    assert callback.status == "pending" and callback.to_number == CITIZEN
    assert casework.local(callback.next_at) == "2026-11-26 09:00"
    assert callback.matter_date == "2026-11-25"


def test_solved_and_satisfied_closes_the_case(casework, callbacks, resolved_case, standin, survey):
    ref = resolved_case()
    standin.answer(CITIZEN, [Press("1"), Press("1"), Press("#")])
    [result] = survey()
    texts = " ".join(result.texts)
    assert "11月25日" in texts and "88908890" in texts
    assert "停水" not in texts and "5678" not in texts  # no personal detail to whoever answers
    assert casework.get_case(ref).status == "closed"
    callback = callback_of(callbacks)
    assert callback.status == "done" and callback.outcome == "satisfied"
    assert callback.answers == {"solved": "yes", "satisfaction": 1}
    actions = [e.action for e in casework.history(ref)]
    assert actions[-2:] == ["close", "callback"]


@pytest.mark.parametrize(
    ("steps", "outcome"),
    [
        ([Press("2"), Press("2"), Press("#")], "unsolved"),
        ([Press("1"), Press("3"), Say("态度很敷衍")], "dissatisfied"),
        ([Say("没有解决"), Say("不满意"), Press("#")], "unsolved"),
    ],
)
def test_unsolved_or_dissatisfied_reopens_to_the_same_unit(
    casework, callbacks, resolved_case, standin, survey, steps, outcome
):
    ref = resolved_case()
    standin.answer(CITIZEN, steps)
    survey()
    case = casework.get_case(ref)
    assert case.status == "reopened" and case.unit == "utility.water"
    assert case.flagged and case.reopen_count == 1 and case.due_kind == "resolve"
    assert callback_of(callbacks).outcome == outcome


def test_second_reopen_escalates(casework, callbacks, resolved_case, standin, survey, clock):
    ref = resolved_case()
    standin.answer(CITIZEN, [Press("2"), Press("3"), Press("#")])
    survey()
    water = Who.unit_user("utility.water")
    clock.set("2026-11-27 11:00")
    casework.resolve(ref, "再次处理", water)
    survey("2026-11-30 09:30")  # the next working day after Friday
    assert casework.get_case(ref).status == "escalated"
    assert [c.case_id is not None for c in callbacks.store.all()] == [True, True]


def test_a_machine_hears_nothing_and_is_retried_later(
    casework, callbacks, resolved_case, standin, survey
):
    ref = resolved_case()
    standin.answer(CITIZEN, "machine")
    [result] = survey()
    assert result.texts == []
    callback = callback_of(callbacks)
    assert callback.status == "pending" and callback.attempts == 1
    assert casework.local(callback.next_at) == "2026-11-26 11:30"
    assert casework.history(ref)[-1].data["result"] == "machine"


def test_no_answer_then_answered_on_the_retry(casework, callbacks, resolved_case, standin, survey):
    ref = resolved_case()
    standin.answer(CITIZEN, "no-answer")
    assert survey() and callback_of(callbacks).status == "pending"
    standin.answer(CITIZEN, [Press("1"), Press("2"), Press("#")])
    assert survey("2026-11-26 10:00") == []  # not two hours yet
    survey("2026-11-26 11:31")
    callback = callback_of(callbacks)
    assert callback.status == "done" and callback.attempts == 2
    assert casework.get_case(ref).status == "closed"


def test_busy_three_times_gives_up(casework, callbacks, resolved_case, standin, survey):
    ref = resolved_case()
    standin.answer(CITIZEN, "busy")
    for at in ("2026-11-26 09:30", "2026-11-26 11:31", "2026-11-26 14:00"):
        assert len(survey(at)) == 1
    assert survey("2026-11-26 19:00") == []
    callback = callback_of(callbacks)
    assert callback.status == "done" and callback.outcome == "unreachable"
    assert callback.attempts == 3
    results = [e.data["result"] for e in casework.history(ref) if e.action == "callback"]
    assert results == ["busy", "busy", "busy"]
    assert casework.get_case(ref).status == "resolved"


def test_a_hang_up_in_the_middle_is_retried(callbacks, resolved_case, standin, survey):
    resolved_case()
    standin.answer(CITIZEN, [Press("1"), Hangup()])
    survey()
    callback = callback_of(callbacks)
    assert callback.status == "pending" and callback.answers == {"solved": "yes"}


def test_silence_is_asked_once_more_then_no_answer(callbacks, resolved_case, standin, survey):
    resolved_case()
    standin.answer(CITIZEN, [Silence(), Silence()])
    [result] = survey()
    assert sum("解决了吗" in t for t in result.texts) == 2
    assert "没有收到您的回答" in result.texts[-1]
    assert callback_of(callbacks).status == "pending"


def test_opt_out_stops_every_callback_to_that_number(
    casework, callbacks, resolved_case, standin, survey
):
    first = resolved_case()
    standin.answer(CITIZEN, [Press("9")])
    [result] = survey()
    assert "不再给您打回访电话" in result.texts[-1]
    assert callback_of(callbacks).outcome == "opted_out"
    assert casework.get_case(first).status == "resolved"
    resolved_case()  # a later matter from the same number
    assert callbacks.store.schedule_new() == 0


def test_a_closed_case_is_not_called(casework, callbacks, resolved_case, survey):
    ref = resolved_case()
    callbacks.store.schedule_new()
    casework.close(ref)
    assert survey() == []
    assert callback_of(callbacks).status == "cancelled"


def test_referral_callback_rates_the_enterprise(
    app_url, casework, callbacks, standin, survey, clock
):
    from casework.calls import CallLog
    from standin import ScriptedCaller

    clock.set("2026-11-25 10:00")
    standin.inbound_call(
        f"{app_url}/voice/incoming",
        from_="+86" + CITIZEN,
        to="88908890",
        caller=ScriptedCaller([Say("钥匙锁家里了 找个开锁的"), Press("1")]),
        status_callback_url=f"{app_url}/voice/status",
    )
    standin.answer("+86" + CITIZEN, [Press("3")])
    [result] = survey()
    assert "加盟企业" in result.texts[0]
    ranked = CallLog(casework.db).enterprises_for("unlocking")
    jinan = next(e for e in ranked if e.code == "sample.lock.jinan")
    assert jinan.rating == pytest.approx((4.8 + 1.0) / 2)
    assert ranked[0].code == "sample.lock.hexi"  # recommendations follow the ratings


def test_the_queue_is_listed_with_masked_numbers(database_url, resolved_case, callbacks):
    import json

    from click.testing import CliRunner

    from ivr.cli import main

    resolved_case()
    callbacks.store.schedule_new()
    result = CliRunner().invoke(main, ["callbacks", "list", "--json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    assert row["to"] == "138****5678" and row["status"] == "pending"
