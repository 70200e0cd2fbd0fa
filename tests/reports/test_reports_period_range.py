"""Dates far outside the hotline's life are refused clearly, never an OverflowError."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from casework.lifecycle import InvalidInput
from casework.reports import Period
from ivr.cli import main


@pytest.mark.parametrize(
    ("start", "end"),
    [("0001-01-01", "0001-01-05"), ("9999-12-30", "9999-12-31"), ("1999-12-31", "2000-01-02")],
)
def test_a_period_outside_2000_to_2099_is_invalid_input(start, end):
    with pytest.raises(InvalidInput, match="2000-01-01 and 2099-12-31"):
        Period.parse(start, end)


def test_the_edges_are_fine_and_their_previous_period_too():
    first = Period.parse("2000-01-01", "2000-01-07")
    assert first.previous().lo < first.lo  # the hot topics' comparison period
    last = Period.parse("2099-12-25", "2099-12-31")
    assert last.hi > last.lo


@pytest.mark.parametrize("dates", [("0001-01-01", "0001-01-05"), ("9999-12-30", "9999-12-31")])
def test_report_brief_says_why_instead_of_a_traceback(database_url, casework, tmp_path, dates):
    args = ["report", "brief", "--from", dates[0], "--to", dates[1], "--out", str(tmp_path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "2000-01-01" in result.output and "Traceback" not in result.output
    assert not isinstance(result.exception, OverflowError)
