"""`ivr report`: the periodic brief, unit scores and the dashboard's figures on the terminal."""

from __future__ import annotations

import json
from pathlib import Path

import click

from casework.reports.names import label_name
from casework.reports.period import Period
from casework.reports.scores import PART_NAMES
from casework.reports.service import Reports
from casework.reports.settings import SCORE_PARTS
from ivr.cli.common import case_errors, casework


def _reports() -> Reports:
    return Reports(casework())


def _period(reports: Reports, start: str | None, end: str | None) -> Period:
    return reports.period(start, end)


_from = click.option("--from", "start", metavar="YYYY-MM-DD", help="First Beijing day.")
_to = click.option("--to", "end", metavar="YYYY-MM-DD", help="Last Beijing day (included).")


@click.group("report")
def command() -> None:
    """Supervisors' reports: briefs (简报), unit scores (考评), figures.

    Without --from/--to a report covers the last seven days up to today (Beijing).
    """


@command.command("brief")
@_from
@_to
@click.option(
    "--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
    help="Folder for the HTML brief and its CSV files.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the files written as JSON.")
@case_errors
def brief(start: str | None, end: str | None, out: Path, as_json: bool) -> None:
    """Write the brief for a period: HTML with charts, and CSV of figures, topics and units."""
    from casework.reports.brief import write_brief

    reports = _reports()
    period = _period(reports, start, end)
    files = write_brief(reports.brief(period), out)
    if as_json:
        click.echo(json.dumps({"period": str(period), "files": [str(p) for p in files.all()]}))
        return
    click.echo(f"brief for {period}:")
    for path in files.all():
        click.echo(f"  {path}")


@command.command("scores")
@_from
@_to
@click.option("--json", "as_json", is_flag=True)
@case_errors
def scores(start: str | None, end: str | None, as_json: bool) -> None:
    """Each unit's score for the period (article 22), ranked; weights in data/reports.yaml."""
    reports = _reports()
    period = _period(reports, start, end)
    rows = reports.scores(period)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
                    "weights": reports.settings.weights,
                    "units": [
                        {
                            "rank": s.rank,
                            "unit": s.code,
                            "name": s.name,
                            "cases": s.cases,
                            "parts": s.parts,
                            "score": s.score,
                        }
                        for s in rows
                    ],
                },
                ensure_ascii=False,
            )
        )
        return
    click.echo(f"unit scores for {period}")
    header = ["rank", "unit", "cases", *[PART_NAMES[p] for p in SCORE_PARTS], "score"]
    click.echo("\t".join(header))
    for s in rows:
        cells = [
            "-" if s.rank is None else str(s.rank),
            s.name,
            str(s.cases),
            *["-" if s.parts[p] is None else f"{s.parts[p] * 100:.1f}%" for p in SCORE_PARTS],
            "-" if s.score is None else f"{s.score:.1f}",
        ]
        click.echo("\t".join(cells))


@command.command("figures")
@_from
@_to
@click.option("--json", "as_json", is_flag=True)
@case_errors
def figures(start: str | None, end: str | None, as_json: bool) -> None:
    """The dashboard's main figures for a period."""
    reports = _reports()
    period = _period(reports, start, end)
    f = reports.figures(period)
    rates = {
        key: {"value": getattr(f, key).value, "of": [getattr(f, key).numerator,
                                                       getattr(f, key).denominator]}
        for key in ("on_time_accept", "on_time_complete", "return_rate", "reopen_rate",
                    "satisfaction", "callback_reach")
    }  # fmt: skip
    value = {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "calls": {
            "total": f.calls.total,
            "by_ivr": f.calls.by_ivr,
            "by_agents": f.calls.by_agents,
            "abandoned": f.calls.abandoned,
            "emergency": f.calls.emergency,
            "declined": f.calls.declined,
            "answered": f.calls.answered,
        },
        "ratings": {str(k): v for k, v in sorted(f.ratings.items())},
        "cases": f.cases,
        "by_label": f.by_label,
        "by_district": f.by_district,
        "by_unit": f.by_unit(),
        "rates": rates,
        "by_day": [[d.isoformat(), calls, cases] for d, calls, cases in f.days],
    }
    if as_json:
        click.echo(json.dumps(value, ensure_ascii=False))
        return
    click.echo(f"figures for {period}")
    click.echo(f"calls {f.calls.total} (IVR {f.calls.by_ivr}, agents {f.calls.by_agents})")
    click.echo(
        f"cases {f.cases}: " + ", ".join(f"{label_name(k)} {v}" for k, v in f.by_label.items())
    )
    for key, rate in rates.items():
        shown = "-" if rate["value"] is None else f"{rate['value'] * 100:.1f}%"
        click.echo(f"{key} {shown} ({rate['of'][0]}/{rate['of'][1]})")
