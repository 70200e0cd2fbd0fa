"""Run the stand-in: `python -m standin --port 8899 [--account-sid AC… --auth-token …]`.

With `--call URL` it also places one call into the app at URL, answered by you at this
terminal (type speech, digits for keys, Enter for silence, /hangup to hang up).
"""

from __future__ import annotations

import argparse
import threading

from standin.callers import InteractiveCaller
from standin.server import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, TwilioStandin


def _pairs(values: list[str], flag: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, outcome = value.partition("=")
        if not sep:
            raise SystemExit(f"{flag} expects NUMBER=VALUE, got {value!r}")
        pairs[key] = outcome
    return pairs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m standin", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8899)
    parser.add_argument("--account-sid", default=DEFAULT_ACCOUNT_SID)
    parser.add_argument("--auth-token", default=DEFAULT_AUTH_TOKEN)
    parser.add_argument(
        "--answer",
        action="append",
        default=[],
        metavar="NUMBER=OUTCOME",
        help="how outbound calls to NUMBER are answered: human, machine, busy, no-answer, "
        "failed, or interactive (you answer at this terminal)",
    )
    parser.add_argument(
        "--dial-outcome",
        action="append",
        default=[],
        metavar="NUMBER=STATUS",
        help="DialCallStatus when the app <Dial>s NUMBER (default completed)",
    )
    parser.add_argument("--call", metavar="URL", help="place one call into the app at URL")
    parser.add_argument("--from", dest="from_", default="+8613800000000")
    parser.add_argument("--to", default="88908890")
    parser.add_argument("--status-callback", default=None)
    parser.add_argument("--verbose", action="store_true", help="log every REST request")
    args = parser.parse_args(argv)

    standin = TwilioStandin(
        args.account_sid, args.auth_token, host=args.host, port=args.port, quiet=not args.verbose
    )
    standin.config.dial_outcomes.update(_pairs(args.dial_outcome, "--dial-outcome"))
    for number, outcome in _pairs(args.answer, "--answer").items():
        standin.answer(number, InteractiveCaller if outcome == "interactive" else outcome)
    standin.start()
    print(f"Twilio stand-in on {standin.base_url}")
    print(f"  account sid {standin.account_sid}, auth token {standin.auth_token}")
    print("  client = twilio.rest.Client(sid, token); client.api.base_url = " + standin.base_url)
    try:
        if args.call:
            result = standin.inbound_call(
                args.call, args.from_, args.to, InteractiveCaller(), args.status_callback
            )
            print(f"call {result.call_sid} {result.status} ({result.end_reason})")
            for error in result.errors:
                print(f"  error: {error}")
        else:
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        standin.stop()


if __name__ == "__main__":
    main()
