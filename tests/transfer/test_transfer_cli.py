"""`ivr agents` on the configured database."""

from __future__ import annotations

import json

from click.testing import CliRunner

from ivr.cli import main


def run(*args: str, ok: bool = True):
    result = CliRunner().invoke(main, list(args))
    assert (result.exit_code == 0) == ok, result.output
    return result


def test_agents_are_set_listed_and_refused_clearly(users, database_url):
    assert "no agents yet" in run("agents", "list").output
    assert "client:agent1" in run("agents", "set", "agent1").output
    assert "138****5678" in run("agents", "set", "agent2", "--phone", "13812345678").output
    assert "agent2 is available" in run("agents", "status", "agent2", "available").output
    listed = json.loads(run("agents", "list", "--json").output)
    assert [(a["username"], a["status"], a["phone"]) for a in listed] == [
        ("agent1", "away", None),
        ("agent2", "available", "138****5678"),
    ]
    bad = run("agents", "set", "agent1", "--phone", "call me", ok=False)
    assert "invalid_input" in bad.output and "phone number" in bad.output
    missing = run("agents", "status", "nobody", "available", ok=False)
    assert "not_found" in missing.output
    assert "nobody is waiting" in run("agents", "queue").output
