"""Member enterprises' standing (articles 20, 24) on a real database: callback ratings suspend
below the threshold, a violation suspends and goes to the credit system, a supervisor
reinstates, recommendations skip suspended ones."""

from __future__ import annotations

import itertools
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from callbacks.service import Callbacks
from casework.calls import CallLog, read_enterprise_file
from casework.config import REPO_ROOT
from casework.enterprise_standing import Enterprises, StandingRules, read_rules
from casework.lifecycle import Forbidden, InvalidInput, NotFound
from casework.outside_models import OutboxMessage
from casework.users import Users
from ivr.cli import main

CITIZEN = "13812345678"
_calls = itertools.count()


@pytest.fixture
def calllog(casework) -> CallLog:
    log = CallLog(casework.db, casework.clock)
    _, specs = read_enterprise_file(REPO_ROOT / "data" / "enterprises.yaml")
    log.load_enterprises(specs)
    Users(casework.db).create("boss", "boss-pass-2026", "supervisor")
    Users(casework.db).create("clerk", "clerk-pass-2026", "agent")
    return log


@pytest.fixture
def standing(casework, calllog) -> Enterprises:
    return Enterprises(casework.db, StandingRules(2.5, 3, True), casework.clock)


def unlocking(calllog) -> list[str]:
    return [e.code for e in calllog.enterprises_for("unlocking")]


def credit_messages(casework) -> list[dict]:
    with casework.db.transaction() as s:
        rows = s.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.topic == "enterprise_credit")
            .order_by(OutboxMessage.id)
        )
        return [m.payload for m in rows]


def rate(casework, calllog, code: str, ratings: list[int]) -> None:
    """Referrals to ``code`` and their callback surveys answered with ``ratings``."""
    callbacks = Callbacks.build(casework)
    before = {c.id for c in callbacks.store.all()}
    for _ in ratings:
        calllog.refer(f"CA{next(_calls)}", code, "unlocking", CITIZEN)
    callbacks.store.schedule_new()
    new = sorted((c for c in callbacks.store.all() if c.id not in before), key=lambda c: c.id)
    for view, rating in zip(new, ratings, strict=True):
        callbacks.apply_answers(view, {"enterprise_rating": rating})


def test_recommendations_are_best_rated_first(calllog):
    assert unlocking(calllog) == ["sample.lock.jinan", "sample.lock.hexi", "sample.lock.nankai"]


def test_bad_callback_ratings_suspend_below_the_threshold(casework, calllog, standing):
    rate(casework, calllog, "sample.lock.jinan", [3, 3])
    jinan = standing.get("sample.lock.jinan")
    assert jinan.rating < 2.5 and jinan.rating_count == 2 and not jinan.suspended  # too few yet
    rate(casework, calllog, "sample.lock.jinan", [3])
    jinan = standing.get("sample.lock.jinan")
    assert jinan.suspended and jinan.cause == "rating" and "低于2.5分" in jinan.reason
    assert "sample.lock.jinan" not in unlocking(calllog)
    assert unlocking(calllog) == ["sample.lock.hexi", "sample.lock.nankai"]
    [suspension] = credit_messages(casework)
    assert suspension["event"] == "suspension" and suspension["cause"] == "rating"


def test_good_ratings_reorder_and_keep_recommending(casework, calllog, standing):
    rate(casework, calllog, "sample.lock.nankai", [1, 1, 1])
    rate(casework, calllog, "sample.lock.jinan", [2, 2])
    assert unlocking(calllog)[0] == "sample.lock.nankai"
    assert not any(e.suspended for e in standing.list())
    assert credit_messages(casework) == []


def test_a_violation_suspends_and_goes_to_the_credit_system(casework, calllog, standing):
    view = standing.record_violation(
        "sample.lock.hexi", "consumer_rights", "开锁后加价收费", "boss", source="市场监管局"
    )
    assert view.suspended and view.cause == "violation" and view.violations == 1
    assert "sample.lock.hexi" not in unlocking(calllog)
    events = credit_messages(casework)
    assert [e["event"] for e in events] == ["violation", "suspension"]
    assert events[0]["kind"] == "consumer_rights" and events[0]["source"] == "市场监管局"
    again = standing.record_violation("sample.lock.hexi", "violation", "无照经营", "boss")
    assert again.violations == 2
    assert [e["event"] for e in credit_messages(casework)][-1] == "violation"  # no 2nd suspension


def test_only_a_supervisor_reinstates(casework, calllog, standing):
    standing.suspend("sample.lock.nankai", "多次投诉", "boss")
    with pytest.raises(Forbidden, match="supervisor"):
        standing.reinstate("sample.lock.nankai", "整改完成", "clerk")
    with pytest.raises(Forbidden):
        standing.reinstate("sample.lock.nankai", "整改完成", "nobody")
    assert "sample.lock.nankai" not in unlocking(calllog)
    view = standing.reinstate("sample.lock.nankai", "整改完成", "boss")
    assert not view.suspended
    assert "sample.lock.nankai" in unlocking(calllog)
    assert [e["event"] for e in credit_messages(casework)] == ["suspension", "reinstatement"]


def test_refusals_are_clear_and_change_nothing(casework, calllog, standing):
    with pytest.raises(NotFound):
        standing.suspend("no.such", "x", "boss")
    with pytest.raises(InvalidInput, match="not suspended"):
        standing.reinstate("sample.lock.hexi", "x", "boss")
    with pytest.raises(InvalidInput, match="reason"):
        standing.suspend("sample.lock.hexi", " ", "boss")
    with pytest.raises(InvalidInput, match="kind"):
        standing.record_violation("sample.lock.hexi", "gossip", "x", "boss")
    standing.suspend("sample.lock.hexi", "调查中", "boss")
    with pytest.raises(InvalidInput, match="already"):
        standing.suspend("sample.lock.hexi", "调查中", "boss")
    assert len(credit_messages(casework)) == 1


def test_reloading_the_enterprise_file_keeps_a_suspension(casework, calllog, standing):
    standing.suspend("sample.lock.jinan", "调查中", "boss")
    _, specs = read_enterprise_file(REPO_ROOT / "data" / "enterprises.yaml")
    calllog.load_enterprises(specs)
    assert standing.get("sample.lock.jinan").suspended
    assert "sample.lock.jinan" not in unlocking(calllog)


def test_the_shipped_rules_file_reads(tmp_path):
    rules = read_rules(REPO_ROOT / "data" / "enterprise_rules.yaml")
    assert 0 < rules.suspend_below < 5 and rules.min_ratings >= 1
    bad = tmp_path / "rules.yaml"
    bad.write_text("suspend_below: 9\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="suspend_below"):
        read_rules(bad)


def test_cli_suspend_violation_reinstate_list(casework, calllog, database_url):
    runner = CliRunner()

    def ivr(*args, code=0):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    out = ivr("enterprises", "suspend", "sample.lock.jinan", "--reason", "调查中", "--by", "boss")
    assert "SUSPENDED" in out
    assert "not an active supervisor" in ivr(
        "enterprises", "reinstate", "sample.lock.jinan", "--reason", "好了", "--by", "clerk", code=1
    )
    ivr(
        "enterprises",
        "violation",
        "sample.move.shunda",
        "--kind",
        "violation",
        "--description",
        "无证经营",
        "--by",
        "boss",
    )
    listed = {e["code"]: e for e in json.loads(ivr("enterprises", "list", "--json"))}
    assert listed["sample.lock.jinan"]["suspended"] and listed["sample.move.shunda"]["suspended"]
    assert not listed["sample.lock.hexi"]["suspended"]
    ivr("enterprises", "reinstate", "sample.lock.jinan", "--reason", "整改完成", "--by", "boss")
    assert "sample.lock.jinan" in unlocking(calllog)
    assert "outbox" not in ivr("enterprises", "list")  # plain lines, one per enterprise


def test_credit_records_are_delivered_with_the_systems_token(
    casework, calllog, standing, outbox, receiver
):
    standing.record_violation("sample.clean.jiajie", "violation", "无证经营", "boss")
    assert outbox.deliver_once("w1").delivered == 2
    assert {r.path for r in receiver.received} == {"/records/credit"}
    assert all(r.headers["Authorization"] == "Bearer t0k" for r in receiver.received)
    assert [r.json["data"]["event"] for r in receiver.received] == ["violation", "suspension"]
    assert receiver.received[0].key.startswith("enterprise_credit:violation:")


def test_a_reinstated_enterprise_is_judged_on_the_answers_since(casework, calllog, standing, clock):
    rate(casework, calllog, "sample.lock.jinan", [3, 3, 3])
    assert standing.get("sample.lock.jinan").suspended
    clock.advance(hours=1)
    standing.reinstate("sample.lock.jinan", "整改完成", "boss")
    clock.advance(hours=1)
    # The running average is still far below 2.5, but one answer since is not enough ...
    rate(casework, calllog, "sample.lock.jinan", [3])
    jinan = standing.get("sample.lock.jinan")
    assert jinan.rating < 2.5 and not jinan.suspended
    assert "sample.lock.jinan" in unlocking(calllog)
    # ... and good answers since the reinstatement keep it, whatever the old average says.
    rate(casework, calllog, "sample.lock.jinan", [1, 1])
    assert not standing.get("sample.lock.jinan").suspended  # since: (1 + 5 + 5) / 3 = 3.67
    events = [e["event"] for e in credit_messages(casework)]
    assert events == ["suspension", "reinstatement"]


def test_bad_answers_since_a_reinstatement_suspend_it_again(casework, calllog, standing, clock):
    rate(casework, calllog, "sample.lock.hexi", [3, 3, 3])
    clock.advance(hours=1)
    standing.reinstate("sample.lock.hexi", "整改完成", "boss")
    clock.advance(hours=1)
    rate(casework, calllog, "sample.lock.hexi", [3, 2])
    assert not standing.get("sample.lock.hexi").suspended  # two since: too few
    rate(casework, calllog, "sample.lock.hexi", [3])
    hexi = standing.get("sample.lock.hexi")
    assert hexi.suspended and hexi.cause == "rating"
    assert "恢复推荐后" in hexi.reason and "共3次评价" in hexi.reason  # (1 + 3.5 + 1) / 3
    events = [e["event"] for e in credit_messages(casework)]
    assert events == ["suspension", "reinstatement", "suspension"]


def test_a_manual_suspension_lifted_starts_the_count_afresh(casework, calllog, standing, clock):
    standing.suspend("sample.lock.nankai", "多次投诉", "boss")
    rate(casework, calllog, "sample.lock.nankai", [3, 3])  # answers during the suspension
    clock.advance(hours=1)
    standing.reinstate("sample.lock.nankai", "整改完成", "boss")
    clock.advance(minutes=5)
    rate(casework, calllog, "sample.lock.nankai", [3])
    assert not standing.get("sample.lock.nankai").suspended  # only one answer since
