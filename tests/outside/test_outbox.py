"""The outbox on a real database, delivering by real HTTP to a local receiver that fails (500),
times out, refuses (400) and succeeds."""

from __future__ import annotations

import datetime as dt
import json
import random
import threading

import pytest
from click.testing import CliRunner
from outbox_receiver import LEASE
from sqlalchemy import func, select

from casework.db import Database
from casework.lifecycle import InvalidInput
from casework.outbox import Outbox, dead_letters, enqueue, status_counts
from casework.outbox_config import read_outbox_file
from casework.outside_models import OutboxMessage
from ivr.cli import main

CITIZEN = "13812345678"


def grievance(casework, text="执法人员在检查时态度粗暴，还扣了我的三轮车"):
    return casework.create_case(
        text=f"{text}，我的电话{CITIZEN}",
        label="enforcement_grievance",
        caller=CITIZEN,
        units=["district.heping"],
    )


def messages(casework) -> list[OutboxMessage]:
    with casework.db.transaction() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# ----------------------------------------------------------------- writing


def test_a_grievance_is_queued_in_the_transaction_that_creates_it(casework):
    case = grievance(casework)
    casework.create_case(text="路灯坏了", label="help_request", units=["district.heping"])
    [message] = messages(casework)
    assert message.topic == "enforcement_grievance"
    assert message.destination == "enforcement_supervision"
    assert message.idempotency_key == f"enforcement_grievance:{case.ref}"
    assert message.status == "pending" and message.attempts == 0
    assert message.payload["ref"] == case.ref
    assert message.payload["unit"] == "district.heping"
    assert message.payload["caller"] == "138****5678"
    assert CITIZEN not in json.dumps(message.payload, ensure_ascii=False)
    assert "138****5678" in message.payload["text"]


def test_a_rolled_back_transaction_leaves_no_message(casework, clock):
    with pytest.raises(RuntimeError), casework.db.transaction() as s:
        enqueue(s.connection(), topic="enterprise_credit", key="k1", payload={}, now=clock())
        raise RuntimeError("the change failed after the message was written")
    assert messages(casework) == []


def test_an_unknown_topic_is_refused(casework, clock):
    with pytest.raises(InvalidInput, match="unknown outbox topic"), casework.db.transaction() as s:
        enqueue(s.connection(), topic="gossip", key="k", payload={}, now=clock())


# ----------------------------------------------------------------- delivery


def test_delivered_after_a_500_and_a_timeout_with_the_same_key_and_body(
    casework, outbox, receiver, clock
):
    case = grievance(casework)
    receiver.answer("500", "timeout", "200")

    first = outbox.deliver_once("w1")
    assert first.failed == 1 and first.delivered == 0
    [message] = messages(casework)
    assert message.status == "pending" and message.attempts == 1
    assert message.last_http_status == 500
    wait = (message.next_at - clock()).total_seconds()
    assert 30 <= wait <= 60  # first backoff 60 s, jitter 0.5

    assert outbox.deliver_once("w1").to_dict() == dict(
        recovered=0, delivered=0, failed=0, dead=0
    )  # not due yet
    assert len(receiver.received) == 1

    clock.advance(seconds=wait + 1)
    second = outbox.deliver_once("w1")
    assert second.failed == 1
    [message] = messages(casework)
    assert "timed out" in message.last_error
    wait = (message.next_at - clock()).total_seconds()
    assert 60 <= wait <= 120  # doubled

    clock.advance(seconds=wait + 1)
    assert outbox.deliver_once("w1").delivered == 1
    [message] = messages(casework)
    assert message.status == "delivered" and message.attempts == 3
    assert message.delivered_at == clock()

    sent = receiver.received
    assert [r.answered for r in sent] == ["500", "timeout", "200"]
    assert {r.key for r in sent} == {f"enforcement_grievance:{case.ref}"}
    assert len({r.body for r in sent}) == 1  # byte-identical on every attempt
    assert [r.headers["X-Hotline-Attempt"] for r in sent] == ["1", "2", "3"]
    assert sent[0].path == "/records/enforcement"
    body = sent[0].json
    assert body["topic"] == "enforcement_grievance" and body["data"]["ref"] == case.ref
    assert CITIZEN not in sent[0].body.decode("utf-8")
    results = [a.result for a in outbox.attempts(message.id)]
    assert results == ["failed", "failed", "delivered"]


def test_backoff_grows_exponentially_up_to_the_maximum(outbox_settings):
    s = outbox_settings
    ceilings = [s.backoff(n, 0.0) for n in range(1, 7)]
    assert ceilings == [60, 120, 240, 480, 600, 600]
    assert s.backoff(3, 0.999) == pytest.approx(240 * 0.5005)
    draws = {round(s.backoff(2, random.random()), 3) for _ in range(50)}
    assert len(draws) > 10 and all(60 <= d <= 120 for d in draws)  # jitter spreads retries


def test_a_dead_letter_after_the_last_attempt_then_listed_and_retried(
    casework, outbox, receiver, clock
):
    receiver.default = "500"
    case = grievance(casework)
    for _ in range(4):
        outbox.deliver_once("w1")
        clock.advance(hours=1)
    [message] = messages(casework)
    assert message.status == "dead" and message.attempts == 4
    assert len(receiver.received) == 4
    assert outbox.deliver_once("w1").to_dict() == dict(recovered=0, delivered=0, failed=0, dead=0)

    [dead] = dead_letters(casework.db)
    assert dead.case_ref == case.ref and dead.last_http_status == 500
    assert status_counts(casework.db) == dict(pending=0, delivering=0, delivered=0, dead=1)

    receiver.default = "200"
    assert outbox.retry([dead.id]) == 1
    assert outbox.deliver_once("w1").delivered == 1
    assert dead_letters(casework.db) == []
    assert len(set(receiver.keys())) == 1


def test_a_refusal_4xx_is_a_dead_letter_at_once(casework, outbox, receiver):
    receiver.answer("400")
    grievance(casework)
    assert outbox.deliver_once("w1").dead == 1
    [message] = messages(casework)
    assert message.status == "dead" and message.attempts == 1
    assert "HTTP 400" in message.last_error


def test_retry_refuses_what_is_not_dead(casework, outbox):
    grievance(casework)
    [message] = messages(casework)
    with pytest.raises(InvalidInput, match="only dead letters"):
        outbox.retry([message.id])
    with pytest.raises(InvalidInput):
        outbox.retry([])


def test_nothing_is_claimed_for_a_destination_without_url(casework, outbox_settings, clock):
    from dataclasses import replace

    from casework.outbox_config import ENFORCEMENT, Destination

    unset = replace(
        outbox_settings,
        destinations={
            **outbox_settings.destinations,
            ENFORCEMENT: Destination(ENFORCEMENT, "x", ""),
        },
    )
    grievance(casework)
    report = Outbox(casework.db, unset, clock=clock).deliver_once("w1")
    assert report.delivered == 0
    assert messages(casework)[0].status == "pending"


# ----------------------------------------------------------------- restarts and two workers


def test_a_worker_that_died_mid_delivery_loses_nothing(
    casework, outbox_settings, receiver, clock, database_url
):
    grievance(casework)
    dying = Outbox(Database(database_url), outbox_settings, clock=clock)
    [claimed] = dying.claim("dying-worker")  # then the process is killed: no result recorded
    dying.db.dispose()

    restarted = Outbox(Database(database_url), outbox_settings, clock=clock)
    assert restarted.deliver_once("w2").to_dict() == dict(
        recovered=0, delivered=0, failed=0, dead=0
    )  # the lease still runs: nobody else takes it
    clock.advance(seconds=LEASE + 1)
    report = restarted.deliver_once("w2")
    assert report.recovered == 1 and report.delivered == 1
    [message] = messages(casework)
    assert message.status == "delivered" and message.attempts == 2
    assert [a.result for a in restarted.attempts(message.id)] == ["lost", "delivered"]
    assert receiver.keys() == [claimed.key]
    restarted.db.dispose()


def test_a_late_result_from_a_worker_whose_lease_ended_changes_nothing(
    casework, outbox, receiver, clock
):
    from casework.outbox_http import Sent

    grievance(casework)
    [slow] = outbox.claim("slow")
    clock.advance(seconds=LEASE + 1)
    assert outbox.deliver_once("fast").delivered == 1
    assert outbox.finish(slow, Sent("failed", 500, "HTTP 500"), clock()) == "failed"
    [message] = messages(casework)
    assert message.status == "delivered"


def test_two_workers_deliver_each_message_exactly_once(
    casework, outbox_settings, receiver, clock, database_url
):
    for n in range(25):
        grievance(casework, text=f"第{n}件执法投诉")
    workers = [Outbox(Database(database_url), outbox_settings, clock=clock) for _ in range(2)]
    reports = []
    threads = [
        threading.Thread(target=lambda w=w, n=n: reports.append(w.deliver_once(f"w{n}")))
        for n, w in enumerate(workers)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(r.delivered for r in reports) == 25
    assert len(receiver.keys()) == 25 and len(set(receiver.keys())) == 25
    assert status_counts(casework.db)["delivered"] == 25
    for w in workers:
        w.db.dispose()


# ----------------------------------------------------------------- reports of illegal acts


def test_reports_of_illegal_acts_go_in_periodic_batches(casework, outbox, receiver, clock):
    refs = [
        casework.create_case(
            text=f"举报{n}号饭店后厨卫生很差，电话{CITIZEN}",
            label="report_violation",
            caller=CITIZEN,
            units=["bureau.market"],
        ).ref
        for n in range(3)
    ]
    casework.create_case(text="路灯坏了", label="help_request")
    first = outbox.gather_reports()
    assert first is not None
    assert outbox.gather_reports() is None  # nothing new
    later = casework.create_case(text="举报有人倾倒建筑垃圾", label="report_violation").ref
    second = outbox.gather_reports()

    assert outbox.deliver_once("w1").delivered == 2
    batches = [r.json for r in receiver.received]
    assert [b["topic"] for b in batches] == ["violation_reports", "violation_reports"]
    assert [r["ref"] for r in batches[0]["data"]["records"]] == refs
    assert batches[0]["data"]["count"] == 3
    assert batches[0]["data"]["records"][0]["unit"] == "bureau.market"
    assert [r["ref"] for r in batches[1]["data"]["records"]] == [later]
    assert CITIZEN not in receiver.received[0].body.decode("utf-8")
    assert first != second


# ----------------------------------------------------------------- configuration and CLI


def test_the_shipped_outbox_file_reads(tmp_path):
    from casework.config import REPO_ROOT

    settings = read_outbox_file(REPO_ROOT / "data" / "outbox.yaml")
    assert settings.max_attempts >= 3 and settings.lease_seconds > settings.timeout_seconds
    assert set(settings.destinations) == {"enforcement_supervision", "credit_information"}

    bad = tmp_path / "outbox.yaml"
    bad.write_text("delivery:\n  jitter: 3\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="jitter"):
        read_outbox_file(bad)


def test_cli_lists_dead_letters_and_retries_them(
    casework, receiver, clock, tmp_path, monkeypatch, outbox
):
    config = tmp_path / "outbox.yaml"
    config.write_text(
        "destinations:\n"
        f"  enforcement_supervision: {{url: '{receiver.url}'}}\n"
        f"  credit_information: {{url: '{receiver.url}'}}\n"
        "delivery: {max_attempts: 1, timeout_seconds: 0.5, batch: 5, lease_seconds: 5}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOTLINE_OUTBOX_FILE", str(config))
    case = grievance(casework)
    receiver.default = "503"
    runner = CliRunner()

    def ivr(*args, code=0):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    assert json.loads(ivr("outbox", "deliver", "--json"))["dead"] == 1
    listed = ivr("outbox", "list", "--dead")
    assert case.ref in listed and "HTTP 503" in listed
    [row] = json.loads(ivr("outbox", "list", "--dead", "--json"))
    shown = json.loads(ivr("outbox", "show", str(row["id"]), "--json"))
    assert shown["attempt_log"][0]["http_status"] == 503
    assert CITIZEN not in listed + json.dumps(shown, ensure_ascii=False)

    assert "not_found" in ivr("outbox", "retry", "999", code=1)
    receiver.default = "200"
    assert "1 messages" in ivr("outbox", "retry", str(row["id"]))
    assert json.loads(ivr("outbox", "deliver", "--json"))["delivered"] == 1
    assert ivr("outbox", "list", "--dead").strip() == "no messages"
    with casework.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_deliver_job_is_added_to_a_scheduler_once(casework, outbox):
    from casework import outbox_jobs, scheduler

    sched = scheduler.build_scheduler(casework)
    sched.start(paused=True)
    try:
        outbox_jobs.ensure_jobs(sched, outbox)
        outbox_jobs.ensure_jobs(sched, outbox)
        ids = sorted(j.id for j in sched.get_jobs())
        assert outbox_jobs.DELIVERY_JOB in ids and outbox_jobs.REPORTS_JOB in ids
        assert ids.count(outbox_jobs.DELIVERY_JOB) == 1
        job = sched.get_job(outbox_jobs.DELIVERY_JOB)
        assert job.trigger.interval == dt.timedelta(seconds=outbox.settings.every_seconds)
    finally:
        sched.shutdown(wait=False)
