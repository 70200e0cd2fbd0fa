"""Unit scores and ranking on the known week, worked out by hand from the weights."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest

from casework.lifecycle import InvalidInput
from casework.reports import UnitStats, compute, load_report_settings
from casework.reports.scores import score_of, unit_scores


@pytest.fixture
def settings():
    # The week is small: rank units with a single case.
    return dataclasses.replace(load_report_settings(), min_cases=1)


@pytest.fixture
def scores(casework, week, period, settings):
    return {
        s.code: s for s in unit_scores(compute(casework.db, period, casework.clock()), settings)
    }


def test_scores_from_the_weighted_rates(scores, settings):
    assert settings.weights == {
        "satisfaction": 40,
        "on_time_accept": 15,
        "on_time_complete": 25,
        "not_returned": 10,
        "not_reopened": 10,
    }
    # water: satisfied 2/2, accepted on time 2/3, resolved on time 1/3, no return, no reopen
    assert scores["utility.water"].score == round((40 + 15 * 2 / 3 + 25 / 3 + 10 + 10), 1) == 78.3
    # 河西区: no callback answered, so satisfaction's 40 is left out: (0 + 25 + 10 + 10) / 60
    assert scores["district.hexi"].parts["satisfaction"] is None
    assert scores["district.hexi"].score == 75.0
    # 和平区: unsatisfied, on time, nothing resolved now (reopened), reopened 1/1
    assert scores["district.heping"].score == round(100 * (0 + 15 + 10 + 0) / 75, 1) == 33.3
    assert scores["district.nankai"].score is None  # escalated: nothing to judge yet


def test_ranking(scores):
    ranks = {code: s.rank for code, s in scores.items()}
    assert ranks == {
        "utility.water": 1,
        "district.hexi": 2,
        "district.heping": 3,
        "district.nankai": None,  # no rate at all
        "utility.power": None,  # it only returned a case: no case of its own in the week
    }


def test_too_few_cases_are_not_ranked(casework, week, period):
    figures = compute(casework.db, period, casework.clock())
    shipped = load_report_settings()  # min_cases 5: nobody in this small week
    assert shipped.min_cases == 5
    assert all(s.rank is None for s in unit_scores(figures, shipped))


def test_equal_scores_share_a_rank(settings):
    def unit(code: str, satisfied: int) -> UnitStats:
        return UnitStats(code, code, None, cases=4, satisfied=satisfied, callbacks_answered=4)

    figures = SimpleNamespace(units={u.code: u for u in [unit("a", 2), unit("b", 4), unit("c", 4)]})
    ranked = [(s.code, s.rank) for s in unit_scores(figures, settings)]
    assert ranked == [("b", 1), ("c", 1), ("a", 3)]
    assert score_of({"satisfaction": 0.5, "not_returned": 1.0}, {"satisfaction": 3}) == 50.0
    assert score_of({"satisfaction": None}, {"satisfaction": 1.0}) is None


def test_broken_weights_are_refused(tmp_path):
    bad = tmp_path / "reports.yaml"
    bad.write_text("scores:\n  weights:\n    speed: 3\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="unknown score parts"):
        load_report_settings(bad)
    bad.write_text("scores:\n  weights:\n    satisfaction: 0\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="positive"):
        load_report_settings(bad)
