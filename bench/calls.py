"""Call benchmark: 200 concurrent scripted calls against the app under a real threaded WSGI
server, through the local Twilio stand-in, next to a bare Flask endpoint returning a fixed
TwiML document driven the same way in the same run.

Prints p50/p99 time per webhook turn for both and their ratio (target: p99 within 2x of the
bare endpoint), and checks that every call that should have made a case did (zero lost).

Usage: python bench/calls.py [--calls 200] [--database-url URL]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/calls.py`, this folder comes first on sys.path and its
# casework.py would hide the `casework` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

import argparse
import statistics
import tempfile
import time

from flask import Flask, Response

from casework import migrate
from casework.calls import CallLog, read_enterprise_file
from casework.config import REPO_ROOT
from casework.db import Database
from casework.policy import Policy
from casework.service import Casework
from casework.units_file import read_units_file
from casework.workdays import WorkCalendar
from ivr.app import create_app
from ivr.config import load_voice_settings
from ivr.local_server import serving
from standin import Hangup, Press, Say, ScriptedCaller, Silence, TwilioStandin

# (script, makes a case)
SCRIPTS = [
    ([Press("2"), Say("我家小区停水两天了 在河西区友谊路"), Press("1"), Say("友谊路十号")], True),
    ([Say("我要投诉区政务服务中心窗口工作人员态度很差"), Press("1"), Press("#")], True),
    ([Say("我家楼下的路灯坏了好几天了"), Hangup()], True),  # hangs up before confirming
    ([Silence(), Silence()], True),  # two silences: agent placeholder registers the call
    ([Say("救命啊 厨房着火了 火很大")], False),
    ([Say("居住证怎么办理"), Press("1")], False),
    ([Say("邻居欠我钱不还"), Press("2")], False),
    ([Say("我钥匙锁家里了 想找个开锁师傅"), Press("1")], False),
]

BARE_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    '<Gather input="dtmf speech" action="/bare" numDigits="1" actionOnEmptyResult="true">'
    '<Say voice="Polly.Zhiyu" language="cmn-CN">您好，请说。</Say></Gather></Response>'
)


def bare_app() -> Flask:
    app = Flask("bare")

    @app.post("/bare")
    def bare() -> Response:
        return Response(BARE_TWIML, mimetype="text/xml")

    @app.post("/status")
    def status() -> Response:
        return Response(status=204)

    return app


def hotline_app(url: str | None, folder: Path) -> tuple[Flask, Casework]:
    database = Database(url or f"sqlite:///{folder / 'calls.db'}")
    if url:
        migrate.downgrade(database.engine, "base")
    migrate.upgrade(database.engine)
    policy = Policy.from_file(REPO_ROOT / "data" / "casework.yaml")
    service = Casework(database, WorkCalendar(end_of_business=policy.end_of_business), policy)
    service.load_units(read_units_file(REPO_ROOT / "data" / "units.yaml"))
    _, enterprises = read_enterprise_file(REPO_ROOT / "data" / "enterprises.yaml")
    CallLog(database).load_enterprises(enterprises)
    return create_app(casework=service), service


def drive(
    standin: TwilioStandin, base: str, entry: str, status: str, count: int
) -> tuple[list, float]:
    """Start ``count`` calls at once; returns (results with their expectation, wall time)."""
    started = time.perf_counter()
    calls = []
    for i in range(count):
        steps, makes_case = SCRIPTS[i % len(SCRIPTS)]
        call = standin.start_inbound_call(
            f"{base}{entry}",
            from_=f"+86138{i:08d}",
            to="+862288908890",
            caller=ScriptedCaller(list(steps)),
            status_callback_url=f"{base}{status}",
        )
        calls.append((call, makes_case))
    results = [(standin.wait(call.sid, timeout=300), makes_case) for call, makes_case in calls]
    return results, time.perf_counter() - started


def turn_times(results) -> list[float]:
    return [
        r.elapsed
        for result, _ in results
        for r in result.requests
        if r.purpose != "status-callback"
    ]


def percentile(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--database-url", help="a PostgreSQL URL (default: SQLite in a temp dir)")
    args = parser.parse_args()
    voice = load_voice_settings()

    with (
        tempfile.TemporaryDirectory() as folder,
        TwilioStandin(voice.account_sid, voice.auth_token) as standin,
    ):
        standin.config.hold_seconds = 0
        with serving(bare_app()) as base:
            bare_results, bare_wall = drive(standin, base, "/bare", "/status", args.calls)
        app, service = hotline_app(args.database_url, Path(folder))
        with serving(app) as base:
            results, wall = drive(standin, base, "/voice/incoming", "/voice/status", args.calls)
        bare, real = turn_times(bare_results), turn_times(results)
        errors = sum(len(r.application_errors) for r, _ in results)
        log = CallLog(service.db)
        expected = [r for r, makes_case in results if makes_case]
        lost = [
            r.call_sid
            for r in expected
            if not (rec := log.get(r.call_sid))
            or not rec.case_ref
            or service.case_for_call(r.call_sid) is None
        ]

    print(f"database: {service.db.dialect}; {args.calls} concurrent calls")
    print(
        f"bare TwiML endpoint: {len(bare)} turns in {bare_wall:5.1f} s   "
        f"p50 {percentile(bare, 50) * 1000:7.1f} ms   p99 {percentile(bare, 99) * 1000:7.1f} ms"
    )
    print(
        f"hotline call flows:  {len(real)} turns in {wall:5.1f} s   "
        f"p50 {percentile(real, 50) * 1000:7.1f} ms   p99 {percentile(real, 99) * 1000:7.1f} ms"
    )
    print(
        f"ratio p50 {percentile(real, 50) / percentile(bare, 50):4.2f}x   "
        f"p99 {percentile(real, 99) / percentile(bare, 99):4.2f}x (target p99 <= 2x)"
    )
    print(f"application errors: {errors}   cases expected: {len(expected)}   lost: {len(lost)}")
    if lost or errors:
        raise SystemExit(f"LOST CASES: {lost}" if lost else "application errors")


if __name__ == "__main__":
    main()
