"""Deadlines in Chinese working days, 调休 included, and years the library does not know."""

import datetime as dt
import logging

import pytest

from casework.workdays import HolidayFileError, WorkCalendar, load_holiday_file

BEIJING = dt.timezone(dt.timedelta(hours=8))


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def due(calendar: WorkCalendar, start: str, days: int) -> str:
    return calendar.add_working_days(at(start), days).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def calendar() -> WorkCalendar:
    return WorkCalendar()


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Friday before the 2026 Spring Festival: Saturday 14 February is a make-up workday.
        ("2026-02-13 10:00", 1, "2026-02-14 17:30"),
        # …then 15-23 February are off: the next working day is Tuesday 24 February.
        ("2026-02-13 10:00", 2, "2026-02-24 17:30"),
        ("2026-02-14 09:00", 1, "2026-02-24 17:30"),
        ("2026-02-16 11:00", 3, "2026-02-26 17:30"),
        # Saturday 28 February is the second make-up workday.
        ("2026-02-27 16:00", 1, "2026-02-28 17:30"),
        ("2026-02-27 16:00", 2, "2026-03-02 17:30"),
        # A complaint received before the holiday: 13 working days.
        ("2026-02-10 09:00", 13, "2026-03-05 17:30"),
    ],
)
def test_spring_festival_2026_with_make_up_saturdays(calendar, start, days, expected):
    assert due(calendar, start, days) == expected


def test_the_day_of_receipt_never_counts_whatever_the_hour(calendar):
    assert due(calendar, "2026-11-25 00:01", 1) == "2026-11-26 17:30"
    assert due(calendar, "2026-11-25 23:59", 1) == "2026-11-26 17:30"
    assert due(calendar, "2026-11-27 15:00", 1) == "2026-11-30 17:30"  # Friday → Monday


def test_receipt_day_is_the_beijing_day_not_the_server_day(calendar):
    # 20:00 UTC on Friday is 04:00 on Saturday in Beijing.
    start = dt.datetime(2026, 11, 27, 20, 0, tzinfo=dt.UTC)
    result = calendar.add_working_days(start, 1).astimezone(BEIJING)
    assert result == at("2026-11-30 17:30")


def test_national_day_2026(calendar):
    # 1-7 October off; Sunday 20 September and Saturday 10 October are workdays.
    assert calendar.is_workday(dt.date(2026, 9, 20))
    assert calendar.is_workday(dt.date(2026, 10, 10))
    assert due(calendar, "2026-09-30 10:00", 1) == "2026-10-08 17:30"


def test_new_year_2027_without_holiday_file_falls_back_to_weekdays_and_warns(calendar, caplog):
    with caplog.at_level(logging.WARNING, logger="casework.workdays"):
        result = due(calendar, "2026-12-31 10:00", 1)
    assert result == "2027-01-01 17:30"  # Friday counted as a working day
    assert calendar.missing_years([2026, 2027]) == [2027]
    assert calendar.source_of(2027) == "weekdays"
    assert any("2027" in r.getMessage() for r in caplog.records)
    # Warned once per year, not on every call.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="casework.workdays"):
        due(calendar, "2027-01-04 10:00", 3)
    assert not caplog.records


def test_new_year_2027_with_operator_holiday_file(tmp_path):
    path = tmp_path / "holidays.yaml"
    path.write_text(
        "years:\n"
        "  2027:\n"
        "    holidays: [2027-01-01, 2027-01-02, 2027-01-03]\n"
        "    workdays: [2027-01-09]\n",
        encoding="utf-8",
    )
    calendar = WorkCalendar.from_file(path)
    assert calendar.source_of(2027) == "operator"
    assert calendar.missing_years([2026, 2027]) == []
    assert due(calendar, "2026-12-31 10:00", 1) == "2027-01-04 17:30"
    assert due(calendar, "2027-01-08 10:00", 1) == "2027-01-09 17:30"  # make-up Saturday
    assert not calendar.is_workday(dt.date(2027, 1, 10))  # an ordinary Sunday


def test_operator_file_can_correct_a_year_the_library_knows(tmp_path):
    path = tmp_path / "holidays.yaml"
    path.write_text("years:\n  2026:\n    holidays: [2026-11-26]\n", encoding="utf-8")
    calendar = WorkCalendar.from_file(path)
    assert not calendar.is_workday(dt.date(2026, 11, 26))
    assert due(calendar, "2026-11-25 10:00", 1) == "2026-11-27 17:30"


def test_a_long_deadline_runs_into_an_unknown_year_without_crashing(calendar):
    result = calendar.add_working_days(at("2026-12-20 10:00"), 60)
    assert result.year == 2027


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("years:\n  2027:\n    holidays: [2028-01-01]\n", "listed under year 2027"),
        ("years:\n  2027:\n    holidays: [not-a-date]\n", "not a date"),
        ("years: [1, 2]\n", "must map a year"),
        ("years: {2027: {holidays: [2027-01-01]\n", "not valid YAML"),
    ],
)
def test_a_bad_holiday_file_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "holidays.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(HolidayFileError, match=message):
        load_holiday_file(path)


def test_shipped_holiday_file_loads(tmp_path):
    from casework.config import REPO_ROOT

    assert load_holiday_file(REPO_ROOT / "data" / "holidays.yaml") == {}
    assert load_holiday_file(tmp_path / "absent.yaml") == {}


def test_deadline_needs_aware_start_and_positive_days(calendar):
    with pytest.raises(ValueError):
        calendar.add_working_days(dt.datetime(2026, 11, 25, 10), 1)
    with pytest.raises(ValueError):
        calendar.add_working_days(at("2026-11-25 10:00"), 0)


def test_working_days_between(calendar):
    assert calendar.working_days_between(dt.date(2026, 2, 13), dt.date(2026, 2, 24)) == 2
