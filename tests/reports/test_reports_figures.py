"""Every dashboard figure on the known week (tests/reports/dataset.py), worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.lifecycle import InvalidInput
from casework.reports import Period, Rate, compute


@pytest.fixture
def figures(casework, week, period):
    return compute(casework.db, period, casework.clock())


def test_calls_by_outcome(figures):
    calls = figures.calls
    # 16 inbound calls from Monday 00:30 to Sunday 23:59; the survey call, the Sunday
    # before and the Monday after do not count.
    assert calls.total == 16
    assert calls.by_ivr == 3 + 3 + 5 + 1 + 1  # emergency, declined, answered, case, referral
    assert calls.by_agents == 1
    assert calls.abandoned == 1
    assert calls.unfinished == 1
    assert calls.emergency == {"110": 2, "119": 1, "120": 0}
    assert calls.emergency_failed == 1
    assert calls.declined == {"excluded_civil": 2, "excluded_legal": 1}
    assert calls.answered == 5


def test_answer_ratings(figures):
    assert figures.ratings == {1: 1, 2: 1, 3: 2}
    assert figures.rating_satisfied == Rate(1, 4)


def test_cases_by_label_status_unit_and_district(figures):
    assert figures.cases == 7  # the Friday before is not in the week
    assert figures.by_label == {"help_request": 4, "complaint": 2, "suggestion": 1}
    assert figures.by_status == {
        "closed": 1,
        "resolved": 1,
        "accepted": 1,
        "assigned": 1,
        "reopened": 1,
        "registered": 1,
        "escalated": 1,
    }
    assert figures.by_unit() == {
        "utility.water": 3,
        "district.hexi": 1,
        "district.heping": 1,
        "district.nankai": 1,
    }
    grid = figures.by_district
    assert len(grid) == 18  # the 16 districts, municipal units, not yet dispatched
    assert (grid["和平区"], grid["河西区"], grid["南开区"], grid["滨海新区"]) == (1, 1, 1, 0)
    assert (grid["市级部门"], grid["未分派"]) == (3, 1)


def test_timeliness_returns_and_reopens(figures):
    # Accepted: A, C (water, on time), B (河西区, late), E (和平区, on time); D still waits past
    # its acceptance deadline.
    assert figures.on_time_accept == Rate(3, 5)
    # Resolved: A and B on time; C (accepted) and D (never accepted) are past their resolve
    # deadlines; E was reopened with a new deadline later today.
    assert figures.on_time_complete == Rate(2, 4)
    assert figures.return_rate == Rate(1, 5)  # one return among 4 acceptances and 1 return
    assert figures.reopen_rate == Rate(1, 3)  # E among A, B, E
    assert figures.overdue_now == 3  # C and D, and F that nobody dispatched in a working day


def test_callbacks(figures):
    # Finished in the week: H (satisfied, Monday), A (satisfied), E (unsolved), B (unreachable)
    assert figures.satisfaction == Rate(2, 3)
    assert figures.callback_reach == Rate(3, 4)
    assert figures.callback_outcomes == {"satisfied": 2, "unsolved": 1, "unreachable": 1}


def test_unit_figures(figures):
    water = figures.units["utility.water"]
    assert (water.cases, water.accepted, water.accepted_on_time, water.waiting_late) == (3, 2, 2, 1)
    assert (water.resolved, water.resolved_on_time, water.handling_late) == (1, 1, 2)
    assert water.satisfaction == Rate(2, 2)  # H's callback counts in the week it was made
    assert water.return_rate == Rate(0, 2)
    power = figures.units["utility.power"]
    assert (power.cases, power.returns, power.return_rate) == (0, 1, Rate(1, 1))
    hexi = figures.units["district.hexi"]
    assert hexi.on_time_accept == Rate(0, 1) and hexi.on_time_complete == Rate(1, 1)
    assert hexi.satisfaction == Rate(0, 0) and hexi.satisfaction.value is None
    heping = figures.units["district.heping"]
    assert heping.reopen_rate == Rate(1, 1) and heping.satisfaction == Rate(0, 1)


def test_trend_by_beijing_day(figures):
    days = {d.isoformat(): (calls, cases) for d, calls, cases in figures.days}
    assert list(days)[0] == "2026-11-23" and len(days) == 7
    assert days["2026-11-23"] == (5, 3)  # the 00:30 call is Monday in Beijing
    assert days["2026-11-24"] == (7, 2)
    assert days["2026-11-25"] == (3, 2)
    assert days["2026-11-29"] == (1, 0)
    assert days["2026-11-27"] == (0, 0)


def test_an_empty_period_has_no_rates(casework, week):
    figures = compute(casework.db, Period.parse("2026-12-07", "2026-12-13"), casework.clock())
    assert figures.cases == 0 and figures.calls.total == 0
    assert figures.on_time_accept.value is None and figures.on_time_accept.percent() == "—"


def test_period_bounds_and_previous():
    week = Period.parse("2026-11-23", "2026-11-29")
    assert week.lo == dt.datetime(2026, 11, 22, 16, tzinfo=dt.UTC)
    assert week.hi == dt.datetime(2026, 11, 29, 16, tzinfo=dt.UTC)
    assert (week.previous().start, week.previous().end) == (
        dt.date(2026, 11, 16),
        dt.date(2026, 11, 22),
    )
    with pytest.raises(InvalidInput):
        Period.parse("2026-11-29", "2026-11-23")
    with pytest.raises(InvalidInput):
        Period.parse("2026-11-31", "2026-12-01")


def test_work_lists_mask_numbers_and_give_reasons(casework, week, period):
    from casework.reports import (
        escalated_cases,
        load_report_settings,
        low_rated_answers,
        overdue_cases,
        reopened_cases,
    )

    now = casework.clock()
    overdue = overdue_cases(casework.db, now)
    # H (before the week, closed) is not there; C and D are, oldest deadline first, then F,
    # registered without a unit and not dispatched within its working day.
    assert [line.ref for line in overdue.lines] == [week.d, week.c, week.f]
    assert overdue.total == 3
    assert overdue.lines[0].caller == "138****5678"
    assert overdue.lines[0].due_kind == "accept" and overdue.lines[2].due_kind == "dispatch"
    escalated = escalated_cases(casework.db)
    [line] = escalated.lines
    assert line.ref == week.g and line.reason == "涉及三个单位，请指定主办单位"
    assert line.unit == "district.nankai" and line.co_handlers == ["district.hebei", "utility.gas"]
    [line] = reopened_cases(casework.db).lines
    assert line.ref == week.e and line.reason == "回访：问题未解决" and line.reopen_count == 1
    [low] = low_rated_answers(casework.db, period, load_report_settings())
    assert (low.kb_id, low.ratings, low.dissatisfied, low.satisfied) == ("kb-heating", 3, 2, 0)
