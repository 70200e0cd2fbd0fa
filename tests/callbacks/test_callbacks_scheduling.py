"""Calling hours, caps, restarts and two schedulers racing over the same callbacks."""

import datetime as dt
import threading

import pytest

from callbacks.dialer import Dialer
from callbacks.hours import CallingHours
from callbacks.service import Callbacks
from callbacks.settings import CallbackSettings
from casework.db import Database
from casework.service import Casework
from casework.workdays import WorkCalendar
from standin import Press

BEIJING = dt.timezone(dt.timedelta(hours=8))


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def local(moment: dt.datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def hours():
    return CallingHours(CallbackSettings().windows, WorkCalendar())


@pytest.mark.parametrize(
    ("moment", "next_open"),
    [
        ("2026-11-26 10:15", "2026-11-26 10:15"),  # inside the morning window
        ("2026-11-26 12:30", "2026-11-26 14:00"),  # lunch
        ("2026-11-26 21:00", "2026-11-27 09:00"),  # evening, across midnight
        ("2026-11-27 00:30", "2026-11-27 09:00"),  # after midnight
        ("2026-11-27 20:30", "2026-11-30 09:00"),  # Friday night → Monday
        ("2026-11-28 10:00", "2026-11-30 09:00"),  # Saturday
        ("2026-09-30 20:30", "2026-10-08 09:00"),  # National Day holiday, 1-7 October
        ("2026-10-05 10:00", "2026-10-08 09:00"),
        ("2026-10-10 10:00", "2026-10-10 10:00"),  # make-up Saturday is a working day
    ],
)
def test_calling_hours(hours, moment, next_open):
    assert local(hours.next_open(at(moment))) == next_open
    assert hours.is_open(at(moment)) == (moment == next_open)


def test_calling_hours_do_not_depend_on_the_server_time_zone(hours):
    utc = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)  # 09:00 in Beijing
    assert hours.is_open(utc)
    assert not hours.is_open(utc - dt.timedelta(minutes=1))


def test_first_call_is_the_next_working_day(hours):
    assert local(hours.first_call(at("2026-11-27 15:00"), 1)) == "2026-11-30 09:00"
    assert local(hours.first_call(at("2026-09-30 11:00"), 1)) == "2026-10-08 09:00"


def test_nothing_is_claimed_outside_calling_hours(callbacks, resolved_case, clock):
    resolved_case()
    callbacks.store.schedule_new()
    assert callbacks.store.claim("w", at("2026-11-26 08:59")) == []
    assert len(callbacks.store.claim("w", at("2026-11-26 09:00"))) == 1


def test_the_caps_are_never_exceeded(casework, callbacks, resolved_case):
    from dataclasses import replace

    for i in range(12):
        resolved_case(f"139{i:08d}")
    store = callbacks.store
    store.settings = replace(store.settings, calls_per_second=2, max_concurrent_calls=5)
    store.schedule_new()
    start = at("2026-11-26 09:30")
    claimed_at = []
    for tick in range(40):  # every 0.25 s for 10 s
        now = start + dt.timedelta(seconds=tick / 4)
        for claimed in store.claim("w", now):
            claimed_at.append(now)
            if tick % 3 == 0:  # some calls end quickly, freeing room
                store.finish(claimed.id, "completed", "satisfied")
    for moment in claimed_at:
        in_window = [t for t in claimed_at if moment - dt.timedelta(seconds=1) < t <= moment]
        assert len(in_window) <= 2
    calling = [c for c in store.all() if c.status == "calling"]
    assert len(calling) <= 5 and len(claimed_at) >= 5


def test_pending_callbacks_survive_a_restart(
    database_url, casework, resolved_case, standin, app_url, clock
):
    resolved_case()
    Callbacks.build(casework).store.schedule_new()
    # "Restart": new engine, new service objects, same database.
    clock.set("2026-11-26 09:30")
    fresh = Casework(Database(database_url), casework.calendar, casework.policy, clock=clock)
    callbacks = Callbacks.build(fresh)
    standin.answer("13812345678", [Press("1"), Press("1"), Press("#")])
    dialer = Dialer(callbacks, standin.client(), app_url, worker="after-restart")
    assert dialer.dispatch_once() == 1
    standin.wait(standin.calls[-1].sid)
    assert callbacks.store.all()[0].status == "done"


def test_an_attempt_whose_process_died_is_recovered_and_retried(casework, callbacks, resolved_case):
    ref = resolved_case()
    store = callbacks.store
    store.schedule_new()
    [claimed] = store.claim("crashed-worker", at("2026-11-26 09:30"))
    assert callbacks.recover_stale(at("2026-11-26 09:45")) == []  # not stale yet
    assert callbacks.recover_stale(at("2026-11-26 09:51")) == [claimed.id]
    callback = store.get(claimed.id)
    assert callback.status == "pending" and callback.attempts == 1
    assert local(callback.next_at) == "2026-11-26 11:51"
    assert casework.history(ref)[-1].data["result"] == "lost"


def test_two_schedulers_racing_never_dial_twice(
    database_url, casework, resolved_case, standin, app_url, clock
):
    from dataclasses import replace

    numbers = [f"137{i:08d}" for i in range(8)]
    for number in numbers:
        resolved_case(number)
        standin.answer(number, "no-answer")
    clock.set("2026-11-26 09:30")

    def process(name):
        service = Casework(Database(database_url), casework.calendar, casework.policy, clock=clock)
        callbacks = Callbacks.build(service)
        callbacks.store.settings = replace(
            callbacks.store.settings, calls_per_second=100, max_concurrent_calls=100
        )
        return Dialer(callbacks, standin.client(), app_url, worker=name)

    first, second = process("p1"), process("p2")
    first.callbacks.store.schedule_new()
    barrier, placed = threading.Barrier(2), []

    def run(dialer):
        barrier.wait()
        placed.append(dialer.dispatch_once())

    threads = [threading.Thread(target=run, args=(d,)) for d in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(placed) == len(numbers)
    dialed = [c.to for c in standin.calls]
    assert sorted(dialed) == sorted(numbers)  # each exactly once


def test_a_call_that_cannot_be_placed_costs_no_attempt(casework, callbacks, resolved_case,
                                                      standin, clock):
    import twilio.rest

    resolved_case()
    callbacks.store.schedule_new()
    clock.set("2026-11-26 09:30")
    client = twilio.rest.Client(standin.account_sid, "a-wrong-token")  # REST answers 401
    client.api.base_url = standin.base_url
    dialer = Dialer(callbacks, client, "http://127.0.0.1:9", worker="w")
    assert dialer.dispatch_once() == 0
    [callback] = callbacks.store.all()
    assert callback.status == "pending" and callback.attempts == 0
    assert local(callback.next_at) == "2026-11-26 09:35"
    assert standin.calls == []
