"""The labelled sentences the model learns from.

``data/nlu/examples.jsonl`` and every ``data/nlu/training/*.jsonl`` whose name
does not start with ``blind`` (blind sets are kept for measuring, never for
learning). One JSON object per line: ``text``, ``label`` and, for
emergencies, ``emergency`` ("110", "119" or "120").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .linear import LinearModel
from .rules import LABELS, NUMBERS

BLIND_PREFIX = "blind"
# classes of the danger head: is the call an emergency or not
DANGER: tuple[str, ...] = ("no", "emergency")


def training_files(nlu_folder: Path) -> list[Path]:
    """examples.jsonl (if any) and the training folder's non-blind files, sorted."""
    files = [nlu_folder / "examples.jsonl"]
    folder = nlu_folder / "training"
    if folder.is_dir():
        files += sorted(p for p in folder.glob("*.jsonl")
                        if not p.name.startswith(BLIND_PREFIX))
    return [p for p in files if p.exists()]


def read_rows(paths: Iterable[Path]) -> list[dict]:
    """Valid rows of the files, first occurrence of a text only."""
    rows: list[dict] = []
    seen: set[str] = set()
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                line = line.strip()
                if not line:
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if not isinstance(row, dict):
                    continue
                text, label = row.get("text"), row.get("label")
                if not isinstance(text, str) or label not in LABELS or text in seen:
                    continue
                seen.add(text)
                number = row.get("emergency")
                rows.append({"text": text, "label": label,
                             "emergency": number if number in NUMBERS else None})
    return rows


def fingerprint(rows: Iterable[dict], *parts: str) -> str:
    """A hash of the training rows and of other inputs (rule files, settings)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    for row in rows:
        digest.update(f"{row['label']}\t{row.get('emergency')}\t{row['text']}\n".encode())
    return digest.hexdigest()[:24]


def train_model(docs: list[np.ndarray], rows: list[dict],
                c: float) -> LinearModel:
    """The label and danger heads on every sentence, the number head on the
    emergencies."""
    danger: list[str | None] = ["emergency" if row["label"] == "emergency" else "no"
                                for row in rows]
    return LinearModel.train(docs, {
        "labels": (LABELS, [row["label"] for row in rows]),
        "danger": (DANGER, danger),
        "numbers": (NUMBERS, [row.get("emergency") if row["label"] == "emergency" else None
                              for row in rows]),
        "danger_nb": (DANGER, danger),
    }, c=c, bayes=("danger_nb",))
