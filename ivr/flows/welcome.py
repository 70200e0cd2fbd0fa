"""Welcome and menu: the emergency reminder, "please say your problem", keypad shortcuts."""

from __future__ import annotations

from ivr.flows import transfer, understand
from ivr.flows.common import MAX_MISSES, ask, heard_something, missed
from ivr.voice.turn import Reply, Turn

SHORTCUTS = {"1", "2", "3", "4"}  # narrow the classification; the caller still describes it


def greet(turn: Turn, state: dict | None = None) -> Reply:
    response, _ = ask(turn, "menu", "welcome", "menu")
    return Reply(response, turn.call.but(step="menu", state=state or turn.call.state))


def menu(turn: Turn) -> Reply:
    if turn.speech:
        return understand.heard(turn)
    key = turn.digits[:1]
    if key == "9":
        return greet(turn)
    if key == "0":
        return transfer.to_agent(turn, "caller pressed 0")
    if key in SHORTCUTS:
        return describe(turn, key)
    misses, state = missed(turn)
    if misses >= MAX_MISSES:
        return transfer.to_agent(turn, "no answer to the menu", state=state)
    response, _ = ask(turn, "menu", "bad_key" if key else "not_heard", "menu")
    return Reply(response, turn.call.but(step="menu", state=state))


def describe(turn: Turn, shortcut: str) -> Reply:
    state = heard_something({**turn.call.state, "shortcut": shortcut})
    response, _ = ask(turn, "heard", f"describe_{shortcut}")
    return Reply(response, turn.call.but(step="describe", state=state))
