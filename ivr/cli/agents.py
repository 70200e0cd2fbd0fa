"""`ivr agents`: where agents are rung, their status, and the live transfer queue."""

from __future__ import annotations

import click

from casework.agents import AgentDesk, AgentView, EntryView
from casework.privacy import mask_phone
from ivr.cli.common import case_errors, casework, emit


def _desk() -> AgentDesk:
    service = casework()
    return AgentDesk(service.db, service.clock)


def _agent_line(agent: AgentView) -> str:
    where = mask_phone(agent.phone) if agent.phone else f"client:{agent.client or agent.username}"
    note = " (missed a call)" if agent.note == "missed" else ""
    return f"{agent.username:<16} {agent.status:<10} {where}{note}"


@click.group("agents")
def command() -> None:
    """Agents of the warm transfer: how they are rung, their status, the queue."""


@command.command("set")
@click.argument("username")
@click.option("--phone", help="Ring this phone number (e.g. 13812345678).")
@click.option("--client", help="Ring this browser client identity (default: the username).")
@case_errors
def set_agent(username: str, phone: str | None, client: str | None) -> None:
    """Set where an agent (or supervisor) is rung; without options, their browser client."""
    agent = _desk().configure(username, phone=phone, client=client)
    click.echo(f"{agent.username} is rung at {_agent_line(agent).split()[-1]}")


@command.command("status")
@click.argument("username")
@click.argument("status", type=click.Choice(["available", "away"]))
@click.option("--force", is_flag=True, help="Also for an agent shown busy (a lost call end).")
@case_errors
def set_status(username: str, status: str, force: bool) -> None:
    """Set an agent available or away (agents do this themselves in the console)."""
    agent = _desk().set_status(username, status, force=force)
    click.echo(f"{agent.username} is {agent.status}")


@command.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_agents(as_json: bool) -> None:
    """The agents, their status and where they are rung (phone numbers masked)."""
    agents = _desk().list_agents()
    if as_json:
        emit([{**a.to_dict(), "phone": mask_phone(a.phone) or None} for a in agents], True)
        return
    for agent in agents:
        click.echo(_agent_line(agent))
    if not agents:
        click.echo("no agents yet: `ivr agents set USERNAME` or set available in the console")


def _entry_line(entry: EntryView) -> str:
    caller = mask_phone(entry.caller_number) or "unknown"
    return f"{entry.queued_at:%Y-%m-%d %H:%M:%S}Z  {entry.status:<10} {caller}  {entry.reason}"


@command.command("queue")
@click.option("--json", "as_json", is_flag=True)
def queue(as_json: bool) -> None:
    """Callers waiting for or talking to an agent, first come first."""
    entries = _desk().live_queue()
    if as_json:
        rows = [
            {
                "status": e.status,
                "caller": mask_phone(e.caller_number) or None,
                "queued_at": e.queued_at.isoformat(),
                "reason": e.reason,
            }
            for e in entries
        ]
        emit(rows, True)
        return
    for entry in entries:
        click.echo(_entry_line(entry))
    if not entries:
        click.echo("nobody is waiting")
