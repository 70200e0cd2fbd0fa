"""Cross-validation that holds out whole sources of sentences.

Sentences written by the same person share wording, so holding out random
lines flatters a model. Here each source (the dev corpus, each held-out set,
each training file) is held out in turn: the model learns from all the other
sources (minus any sentence of the held-out one) and is measured on it.

    .venv/bin/python -m nlu.crossval [--source NAME ...] [--errors N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .classifier import Classifier
from .evaluate import Report, evaluate
from .paths import nlu_file
from .training import BLIND_PREFIX, read_rows, train_model

_REPO = Path(__file__).resolve().parent.parent

# Never measured or learned from here: the untouched measuring sticks.
_UNTOUCHABLE = ("nlu-heldout-c.jsonl", "nlu-heldout-d.jsonl", "nlu-heldout-e.jsonl")


def default_sources() -> dict[str, Path]:
    """Name -> file of every source that may be used for cross-validation."""
    found = {
        "dev": _REPO.parent / "shared" / "corpus" / "dev-utterances.jsonl",
        "heldout-a": _REPO / "bench" / "data" / "nlu-heldout-a.jsonl",
        "heldout-b": _REPO / "bench" / "data" / "nlu-heldout-b.jsonl",
        "transcripts": _REPO / "tests" / "nlu" / "transcripts.jsonl",
        "examples": nlu_file("examples.jsonl"),
    }
    folder = nlu_file("training")
    if folder.is_dir():
        for path in sorted(folder.glob("*.jsonl")):
            if not path.name.startswith(BLIND_PREFIX):
                found[path.stem] = path
    return {k: v for k, v in found.items() if v.exists() and v.name not in _UNTOUCHABLE}


def load_sources(paths: dict[str, Path]) -> dict[str, list[dict]]:
    """Rows per source; a sentence found in several sources stays in the first only
    (examples.jsonl repeats the dev corpus, so it is listed after it)."""
    seen: set[str] = set()
    out: dict[str, list[dict]] = {}
    for name, path in paths.items():
        rows = [r for r in read_rows([path]) if r["text"] not in seen]
        seen.update(r["text"] for r in rows)
        out[name] = rows
    return out


class _Folds:
    """Features of every sentence computed once; one model trained per fold."""

    def __init__(self, classifier: Classifier, sources: dict[str, list[dict]]) -> None:
        self.classifier = classifier
        self.sources = sources
        self.docs: dict[str, np.ndarray] = {}  # text -> n-gram keys
        for rows in sources.values():
            for row in rows:
                self.docs[row["text"]] = classifier.features(row["text"])

    def train(self, rows: list[dict]) -> None:
        c = self.classifier
        c.model = train_model([self.docs[r["text"]] for r in rows], rows, c.rules.model_c)

    def hold_out(self, name: str, train_on: Iterable[str] | None = None) -> Report:
        names = [n for n in (train_on or self.sources) if n != name]
        rows = [r for n in names for r in self.sources[n]]
        self.train(rows)
        return evaluate(self.sources[name], self.classifier.classify)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", action="append", help="hold out only these sources")
    parser.add_argument("--train-on", action="append", help="train only on these sources")
    parser.add_argument("--errors", type=int, default=0, help="print up to N errors per fold")
    parser.add_argument("--full", action="store_true", help="print whole reports")
    args = parser.parse_args()
    start = time.perf_counter()
    sources = load_sources(default_sources())
    folds = _Folds(Classifier(training=[]), sources)
    print(f"sources: {', '.join(f'{k} ({len(v)})' for k, v in sources.items())}; "
          f"features in {time.perf_counter() - start:.1f} s")
    for name in args.source or [n for n, rows in sources.items() if rows]:
        started = time.perf_counter()
        report = folds.hold_out(name, args.train_on)
        took = time.perf_counter() - started
        print(f"\n== held out: {name} ({took:.1f} s)")
        text = report.format()
        print(text if args.full else "\n".join(text.split("\n")[:2]))
        for error in report.errors[: args.errors]:
            print("   ", error)


if __name__ == "__main__":
    main()
