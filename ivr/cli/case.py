"""`ivr case`: cases for operators and tests; every command has ``--json``."""

from __future__ import annotations

import datetime as dt

import click

from casework.lifecycle import Status
from casework.service import CASE_LABELS, CHANNELS, Casework, Who
from casework.views import CaseView, EventView
from ivr.cli.common import case_errors, casework, emit

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
unit_option = click.option(
    "--unit", help="Act as this unit (default: the case's lead unit); it must handle the case."
)


@click.group("case")
def command() -> None:
    """Cases: create, inspect and move them through their lifecycle."""


def _summary(case: CaseView, service: Casework) -> str:
    due = f"  due {service.local(case.due_at)} ({case.due_kind})" if case.due_at else ""
    overdue = "  OVERDUE" if case.overdue else ""
    return (
        f"{case.ref}  {case.status:10} {case.label:22} {case.unit or '-':26} "
        f"{case.caller or '-'}{due}{overdue}"
    )


def _details(case: CaseView, history: list[EventView], service: Casework) -> str:
    lines = [
        f"Case {case.ref}  [{case.status}]",
        f"  label      {case.label}    channel {case.channel}    priority {case.priority}"
        + ("    complex" if case.complex else ""),
        f"  caller     {case.caller or '-'}",
        f"  location   {case.location or '-'}",
        f"  words      {case.text}",
        f"  unit       {case.unit or '-'} {case.unit_name or ''}"
        + (f"  co-handlers: {', '.join(case.co_handlers)}" if case.co_handlers else ""),
        f"  deadlines  accept {service.local(case.accept_due) or '-'}"
        f" | decision {service.local(case.decision_due) or '-'}"
        f" | resolve {service.local(case.resolve_due) or '-'}",
    ]
    if case.due_at:
        lines.append(
            f"  running    {case.due_kind} by {service.local(case.due_at)}"
            + ("  OVERDUE" if case.overdue else "")
        )
    if case.extension_status:
        lines.append(
            f"  extension  {case.extension_status} until {service.local(case.extension_until)}"
        )
    if case.decision:
        lines.append(f"  decision   {case.decision}")
    if case.reply:
        lines.append(f"  reply      {case.reply}")
    lines.append("History:")
    for event in history:
        move = (
            f"{event.from_status or '-'} -> {event.to_status}"
            if event.from_status != event.to_status
            else event.to_status or ""
        )
        why = f"  «{event.reason}»" if event.reason else ""
        lines.append(f"  {service.local(event.at)}  {event.action:18} {move:24} {event.actor}{why}")
    return "\n".join(lines)


def _as_unit(service: Casework, ref: str, unit: str | None) -> Who:
    return Who.unit_user(unit or service.get_case(ref).unit or "")


def _show_result(case: CaseView, as_json: bool, service: Casework) -> None:
    emit(case, as_json, lambda c: _summary(c, service))


@command.command("create")
@click.option("--text", required=True, help="The caller's words.")
@click.option("--label", required=True, type=click.Choice(sorted(CASE_LABELS)))
@click.option("--caller", help="Callback number.")
@click.option("--channel", default="phone", show_default=True, type=click.Choice(sorted(CHANNELS)))
@click.option("--location")
@click.option("--unit", "units", multiple=True, help="Dispatch at once (repeat: first is lead).")
@click.option("--complex", "complex_case", is_flag=True, help="Complex matter: 2 days to return.")
@click.option("--urgent", is_flag=True)
@click.option("--call-sid")
@json_option
@case_errors
def create(text, label, caller, channel, location, units, complex_case, urgent, call_sid, as_json):
    """Register a case (and dispatch it with --unit)."""
    service = casework()
    case = service.create_case(
        text=text,
        label=label,
        caller=caller,
        channel=channel,
        location=location,
        units=list(units),
        complex_case=complex_case,
        call_sid=call_sid,
        priority="urgent" if urgent else "normal",
    )
    _show_result(case, as_json, service)


@command.command("show")
@click.argument("ref")
@json_option
@case_errors
def show(ref: str, as_json: bool) -> None:
    """Show a case with its whole history."""
    service = casework()
    case, history = service.get_case(ref), service.history(ref)
    if as_json:
        emit({**case.to_dict(), "history": [e.to_dict() for e in history]}, True)
    else:
        click.echo(_details(case, history, service))


@command.command("list")
@click.option("--status", type=click.Choice([s.value for s in Status]))
@click.option("--label", type=click.Choice(sorted(CASE_LABELS)))
@click.option("--unit", help="Only the cases this unit handles.")
@click.option("--overdue/--not-overdue", default=None)
@click.option("--limit", default=50, show_default=True)
@json_option
@case_errors
def list_cases(status, label, unit, overdue, limit, as_json):
    """List cases, newest first (caller numbers masked)."""
    service = casework()
    viewer = Who.unit_user(unit) if unit else None
    cases = service.list_cases(
        viewer=viewer, status=status, label=label, overdue=overdue, limit=limit
    )
    emit(cases, as_json, lambda cs: "\n".join(_summary(c, service) for c in cs) or "no cases")


@command.command("assign")
@click.argument("ref")
@click.argument("units", nargs=-1, required=True)
@click.option("--reason")
@json_option
@case_errors
def assign(ref, units, reason, as_json):
    """Dispatch (or reassign) a case: the first unit leads, the others co-handle."""
    service = casework()
    _show_result(service.assign(ref, list(units), reason=reason), as_json, service)


@command.command("accept")
@click.argument("ref")
@unit_option
@json_option
@case_errors
def accept(ref, unit, as_json):
    """The unit accepts the case (签收)."""
    service = casework()
    _show_result(service.accept(ref, _as_unit(service, ref, unit)), as_json, service)


@command.command("return")
@click.argument("ref")
@click.option("--reason", required=True, help="Why it is not this unit's matter.")
@unit_option
@json_option
@case_errors
def return_case(ref, reason, unit, as_json):
    """The unit returns the case to the center (退办)."""
    service = casework()
    _show_result(service.return_case(ref, reason, _as_unit(service, ref, unit)), as_json, service)


@command.command("decide")
@click.argument("ref")
@click.option("--admit/--refuse", required=True, help="受理 or 不予受理 (reports only).")
@click.option("--reason")
@unit_option
@json_option
@case_errors
def decide(ref, admit, reason, unit, as_json):
    """The unit's acceptance decision on a report of an illegal act; the reporter is told."""
    service = casework()
    who = _as_unit(service, ref, unit)
    _show_result(service.decide(ref, admit, who, reason), as_json, service)


@command.command("extend")
@click.argument("ref")
@click.option("--days", type=int, help="Unit: extra working days asked for.")
@click.option(
    "--until",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%d %H:%M"]),
    help="Unit: new deadline (Beijing time).",
)
@click.option("--reason", help="Why (required to ask and to refuse).")
@click.option("--approve", "decision", flag_value="approve", help="Center: approve the request.")
@click.option("--refuse", "decision", flag_value="refuse", help="Center: refuse the request.")
@unit_option
@json_option
@case_errors
def extend(ref, days, until, reason, decision, unit, as_json):
    """Ask for an extension (unit), or approve/refuse one (center)."""
    service = casework()
    if decision == "approve":
        case = service.approve_extension(ref)
    elif decision == "refuse":
        case = service.refuse_extension(ref, reason or "")
    else:
        if until is not None and until.time() == dt.time(0, 0):
            until = dt.datetime.combine(until.date(), service.calendar.end_of_business)
        case = service.request_extension(
            ref, reason or "", _as_unit(service, ref, unit), until=until, days=days
        )
    _show_result(case, as_json, service)


@command.command("resolve")
@click.argument("ref")
@click.option("--reply", required=True, help="The result, as told to the citizen.")
@unit_option
@json_option
@case_errors
def resolve(ref, reply, unit, as_json):
    """The unit reports the result (办结)."""
    service = casework()
    _show_result(service.resolve(ref, reply, _as_unit(service, ref, unit)), as_json, service)


@command.command("close")
@click.argument("ref")
@click.option("--reason")
@json_option
@case_errors
def close(ref, reason, as_json):
    """Close (archive) a resolved case."""
    service = casework()
    _show_result(service.close(ref, reason=reason), as_json, service)


@command.command("reopen")
@click.argument("ref")
@click.option("--reason", required=True)
@json_option
@case_errors
def reopen(ref, reason, as_json):
    """Reopen a resolved case to the same unit (重办) with a new deadline."""
    service = casework()
    _show_result(service.reopen(ref, reason), as_json, service)


@command.command("escalate")
@click.argument("ref")
@click.option("--reason", required=True)
@json_option
@case_errors
def escalate(ref, reason, as_json):
    """Send a case to the approval office to name a lead unit."""
    service = casework()
    _show_result(service.escalate(ref, reason), as_json, service)


@command.command("designate")
@click.argument("ref")
@click.option("--lead", required=True, help="The lead unit (主办).")
@click.option("--co", "co_handlers", multiple=True, help="A co-handling unit (协办); repeat.")
@click.option("--reason")
@json_option
@case_errors
def designate(ref, lead, co_handlers, reason, as_json):
    """The approval office designates the lead unit of an escalated case."""
    service = casework()
    case = service.designate(ref, lead, list(co_handlers), reason=reason)
    _show_result(case, as_json, service)
