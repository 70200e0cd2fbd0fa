"""Callback benchmark: schedule 10,000 due callbacks, claim and dispatch them through the real
`twilio` client to the local stand-in, and check the dial-rate cap.

Prints how long claiming and dispatching took, and the highest number of calls placed in any
one-second window against the cap (exits non-zero if the cap was ever exceeded).

Usage: python bench/callbacks.py [--callbacks 10000] [--cap 200] [--database-url URL]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/callbacks.py`, this folder comes first on sys.path and its
# casework.py would hide the `casework` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

import argparse
import bisect
import contextlib
import datetime as dt
import tempfile
import time
from dataclasses import replace

from sqlalchemy import insert

from callbacks.dialer import Dialer
from callbacks.service import Callbacks
from casework import migrate
from casework.config import REPO_ROOT
from casework.db import Database
from casework.models import Callback
from casework.policy import Policy
from casework.service import Casework
from casework.workdays import WorkCalendar
from ivr.app import create_app
from ivr.config import load_voice_settings
from ivr.local_server import serving
from standin import TwilioStandin


def service_on(url: str | None, folder: Path) -> Casework:
    database = Database(url or f"sqlite:///{folder / 'callbacks.db'}")
    if url:
        migrate.downgrade(database.engine, "base")
    migrate.upgrade(database.engine)
    policy = Policy.from_file(REPO_ROOT / "data" / "casework.yaml")
    return Casework(database, _EveryDay(end_of_business=policy.end_of_business), policy)


class _EveryDay(WorkCalendar):
    """The benchmark runs whenever it is started: every day is a calling day."""

    def is_workday(self, day: dt.date) -> bool:
        return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callbacks", type=int, default=10_000)
    parser.add_argument("--cap", type=int, default=200, help="calls per second allowed")
    parser.add_argument("--concurrent", type=int, default=1000, help="concurrent calls allowed")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    voice = load_voice_settings()

    with contextlib.ExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory())
        standin = stack.enter_context(TwilioStandin(voice.account_sid, voice.auth_token))
        service = service_on(args.database_url, Path(folder))
        callbacks = Callbacks.build(service)
        store = callbacks.store
        store.settings = replace(
            store.settings,
            calls_per_second=args.cap,
            max_concurrent_calls=args.concurrent,
            windows=((dt.time(0), dt.time(23, 59, 59)),),
        )
        store.hours = replace(store.hours, windows=store.settings.windows)
        now = dt.datetime.now(dt.UTC)
        rows = [
            dict(
                kind="case",
                to_number=f"+86139{i:08d}",
                matter_date="2026-11-25",
                status="pending",
                attempts=0,
                next_at=now - dt.timedelta(minutes=1),
                answers={},
                created_at=now,
                updated_at=now,
                case_round=0,
            )
            for i in range(args.callbacks)
        ]
        with service.db.transaction() as s:
            s.connection().execute(insert(Callback.__table__), rows)
        for i in range(args.callbacks):  # the stand-in answers nobody: the call ends at once
            standin.answer(f"+86139{i:08d}", "no-answer")

        # The app receives the status callbacks, which free room under the concurrency cap.
        app_url = stack.enter_context(serving(create_app(casework=service)))
        dialer = Dialer(callbacks, standin.client(), app_url, worker="bench")
        started = time.perf_counter()
        budget = started + 3 * args.callbacks / args.cap + 60
        placed = 0
        while placed < args.callbacks and time.perf_counter() < budget:
            round_started = time.perf_counter()
            placed += dialer.dispatch_once()
            time.sleep(max(0.0, 1.0 - (time.perf_counter() - round_started)))
        elapsed = time.perf_counter() - started
        starts = sorted(c.created.timestamp() for c in standin.calls)

    peak = max(bisect.bisect_right(starts, t + 1.0) - i for i, t in enumerate(starts))
    print(f"database: {service.db.dialect}; {args.callbacks} due callbacks, cap {args.cap}/s")
    print(
        f"claimed and dispatched in {elapsed:6.1f} s "
        f"({placed / elapsed:6.1f} calls/s; the cap allows {args.cap}/s, "
        f"so at best {args.callbacks / args.cap:5.1f} s)"
    )
    print(f"highest dial rate in any 1 s window: {peak} (cap {args.cap})")
    if peak > args.cap:
        raise SystemExit("the dial-rate cap was exceeded")
    if placed < args.callbacks:
        raise SystemExit(f"only {placed} of {args.callbacks} callbacks were dispatched")


if __name__ == "__main__":
    main()
