"""`ivr call`: try a call from the terminal through the local Twilio stand-in.

Interactive without steps: each prompt is printed as it is heard; type words as
speech, digits as keys, an empty line for silence, /hangup to hang up.
Scripted with steps, consumed one per prompt that waits for input, in order:
    ivr call --press 2 --say "小区停水两天了" --press 1 --silence --json
With a Vosk speech mode (HOTLINE_SPEECH_MODE=vosk-stream or vosk-record), speak a WAV file:
    ivr call --say-audio matter.wav --hangup
it goes to the service as 8 kHz mu-law Media Stream frames in real time (or as the
recording of a <Record>).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys

import click

from casework.calls import CallLog
from ivr.cli.common import casework
from ivr.config import load_voice_settings

STEP_FLAGS = {"--say", "--say-audio", "--press", "--silence", "--hangup"}


class _OrderedSteps(click.Command):
    """Keeps the raw arguments so the steps can be taken in the order they were given."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["raw_args"] = list(args)
        return super().parse_args(ctx, args)


def steps_from(args: list[str]):
    from standin import Hangup, Press, Say, SayAudio, Silence

    steps, tokens = [], iter(args)
    for token in tokens:
        flag, _, inline = token.partition("=")
        if flag not in STEP_FLAGS:
            continue
        if flag == "--silence":
            steps.append(Silence())
        elif flag == "--hangup":
            steps.append(Hangup())
        else:
            value = inline or next(tokens, "")
            kinds = {"--say": Say, "--say-audio": SayAudio, "--press": Press}
            steps.append(kinds[flag](value))
    return steps


@click.command("call", cls=_OrderedSteps)
@click.option("--say", multiple=True, help="Say this (speech), when the service waits for input.")
@click.option(
    "--say-audio",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Say this WAV file (Vosk speech modes: streamed or recorded).",
)
@click.option("--press", multiple=True, help="Press these keys.")
@click.option("--silence", multiple=True, is_flag=True, flag_value=True, help="Say nothing.")
@click.option("--hangup", is_flag=True, help="Hang up at this point.")
@click.option("--from", "from_", default="+8613812345678", show_default=True, help="The caller ID.")
@click.option("--url", help="A running service (default: one started in this process).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
def command(say, say_audio, press, silence, hangup, from_, url, as_json) -> None:
    """Place a call into the service through the local Twilio stand-in."""
    from ivr.app import create_app
    from ivr.local_server import serving
    from standin import InteractiveCaller, ScriptedCaller, TwilioStandin

    service = casework()
    voice = load_voice_settings()
    steps = steps_from(click.get_current_context().meta["raw_args"])
    caller = (
        ScriptedCaller(steps)
        if steps
        else InteractiveCaller(output_fn=lambda line: click.echo(line, err=as_json))
    )
    with contextlib.ExitStack() as stack:
        standin = stack.enter_context(TwilioStandin(voice.account_sid, voice.auth_token))
        if not url:
            # The service started here moves calls on (speech) through this stand-in's REST API.
            os.environ["HOTLINE_TWILIO_API_URL"] = standin.base_url
        base = (
            url.rstrip("/") if url else stack.enter_context(serving(create_app(casework=service)))
        )
        result = standin.inbound_call(
            f"{base}/voice/incoming",
            from_=from_,
            to="88908890",
            caller=caller,
            status_callback_url=f"{base}/voice/status",
        )
    record = CallLog(service.db).get(result.call_sid)
    summary = {
        "call_sid": result.call_sid,
        "outcome": record.outcome if record else None,
        "label": record.label if record else None,
        "emergency": record.emergency if record else None,
        "dialed": record.dialed if record else None,
        "case_ref": record.case_ref if record else None,
        "prompts": result.texts,
        "status": result.status,
        "errors": [e.get("detail") for e in result.errors],
    }
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
    else:
        if steps:
            for text in result.texts:
                click.echo(f"  ☎ {text}")
        click.echo(
            f"outcome: {summary['outcome']}  label: {summary['label']}  "
            f"dialed: {summary['dialed']}  case: {summary['case_ref']}"
        )
    if result.errors:
        sys.exit(1)
