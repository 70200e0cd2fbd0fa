"""`ivr calendar`: working days and the holiday data behind them."""

import datetime as dt

import click

from ivr.cli.common import casework


@click.group("calendar")
def command() -> None:
    """Working-day calendar (chinesecalendar plus the operator holiday file)."""


@command.command("check")
@click.option("--years", default=1, show_default=True, help="How many years ahead to check.")
def check(years: int) -> None:
    """Say where each year's holidays come from; exit 1 if a year has none."""
    calendar = casework().calendar
    this_year = dt.date.today().year
    span = range(this_year, this_year + years + 1)
    for year in span:
        click.echo(f"{year}: {calendar.source_of(year)}")
    missing = calendar.missing_years(span)
    if missing:
        raise click.ClickException(
            "no holiday schedule for "
            + ", ".join(map(str, missing))
            + ": Monday to Friday are counted as working days. Add the official schedule "
            "to the operator holiday file (data/holidays.yaml)."
        )


@command.command("add")
@click.argument("start", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%d %H:%M"]))
@click.argument("days", type=int)
def add(start: dt.datetime, days: int) -> None:
    """Deadline of DAYS working days from START (Beijing time)."""
    service = casework()
    start = start.replace(tzinfo=service.calendar.tz)
    click.echo(service.local(service.calendar.add_working_days(start, days)))
