"""``ivr classify``: classify a caller's words with the nlu rules."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from nlu import Classifier, Decision, default_classifier

# Fields every JSON line carries; the rest of Decision.to_dict() follows.
_FIELDS = (
    "text",
    "label",
    "emergency",
    "confidence",
    "low_confidence",
    "unit",
    "kb_id",
    "kb_score",
    "matched",
    "cancelled",
)


def _record(decision: Decision) -> dict[str, Any]:
    data = decision.to_dict()
    return {key: data[key] for key in _FIELDS}


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)


@click.command("classify")
@click.argument("text", required=False)
@click.option(
    "--jsonl",
    is_flag=True,
    help="Read JSON objects with a `text` field from stdin, one per line; "
    "write one JSON object per line in the same order.",
)
def command(text: str | None, jsonl: bool) -> None:
    """Classify TEXT (what a caller said or typed) and print the decision as JSON."""
    classifier: Classifier = default_classifier()
    if not jsonl:
        if text is None:
            raise click.UsageError("give TEXT or --jsonl")
        click.echo(_dump(_record(classifier.classify(text))))
        return
    if text is not None:
        raise click.UsageError("TEXT and --jsonl exclude each other")
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            click.echo(f"line {number}: not JSON ({exc.msg})", err=True)
            item = {}
        raw = item.get("text") if isinstance(item, dict) else None
        result = _record(classifier.classify(raw if isinstance(raw, str) else ""))
        if not isinstance(raw, str):
            result["error"] = "missing text"
        click.echo(_dump(result))
    sys.stdout.flush()
