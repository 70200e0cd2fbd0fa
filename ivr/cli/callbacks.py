"""`ivr callbacks`: the satisfaction-survey queue."""

import click

from callbacks.dialer import Dialer
from callbacks.jobs import LOCAL_URL, twilio_client
from callbacks.service import Callbacks
from ivr.cli.common import casework, emit
from ivr.config import load_voice_settings


@click.group("callbacks")
def command() -> None:
    """Automated satisfaction callbacks (回访)."""


@command.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_callbacks(as_json: bool) -> None:
    """Every callback with its status (numbers masked)."""
    from casework.privacy import mask_phone

    service = casework()
    rows = [
        {
            "id": c.id,
            "kind": c.kind,
            "to": mask_phone(c.to_number),
            "status": c.status,
            "attempts": c.attempts,
            "next_at": service.local(c.next_at),
            "outcome": c.outcome,
        }
        for c in Callbacks.build(service).store.all()
    ]
    emit(
        rows,
        as_json,
        lambda rs: (
            "\n".join(
                f"#{r['id']:<5} {r['kind']:8} {r['to']:13} {r['status']:9} "
                f"attempts {r['attempts']} next {r['next_at'] or '-':16} {r['outcome'] or ''}"
                for r in rs
            )
            or "no callbacks"
        ),
    )


@command.command("dispatch")
@click.option("--seconds", default=30.0, show_default=True, help="How long to keep dialing.")
def dispatch(seconds: float) -> None:
    """Schedule new callbacks and dial the due ones now (within hours and caps)."""
    voice = load_voice_settings()
    dialer = Dialer(
        Callbacks.build(casework()), twilio_client(voice), voice.public_url or LOCAL_URL
    )
    click.echo(f"{dialer.run(seconds)} survey calls placed")
