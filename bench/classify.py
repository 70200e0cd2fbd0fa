"""Benchmark of the nlu classifier.

Prints the throughput of ``nlu`` classification in utterances per second, the
ratio of its time to ``jieba.lcut`` alone on the same texts in the same run
(the hot path is meant to stay within about 2x of plain segmentation), and the
accuracy report (per-label precision/recall, confusion matrix) on the dev
corpus. It never asserts timings.

    .venv/bin/python bench/classify.py [--corpus PATH] [--rounds N]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

import jieba

_REPO = Path(__file__).resolve().parent.parent
# run from anywhere: the repository's nlu package, not an installed copy
sys.path.insert(0, str(_REPO))

from nlu import Classifier  # noqa: E402
from nlu.evaluate import evaluate, read_corpus  # noqa: E402

DEFAULT_CORPUS = _REPO.parent / "shared" / "corpus" / "dev-utterances.jsonl"


def _timed(function, texts: list[str], rounds: int) -> float:
    """Best processor time of ``rounds`` passes (processor time, not wall time:
    on a shared machine it does not count the time other processes run)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for text in texts:
            function(text)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", type=Path, default=Path(os.environ.get("NLU_BENCH_CORPUS", DEFAULT_CORPUS))
    )
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    rows = read_corpus(args.corpus)
    texts = [row["text"] for row in rows]
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()

    start = time.perf_counter()
    classifier = Classifier()
    load = time.perf_counter() - start
    classifier.classify(texts[0])  # warm caches

    # Alternate the two so that both see the same load on a shared machine.
    seg = nlu = float("inf")
    for _ in range(args.rounds):
        seg = min(seg, _timed(jieba.lcut, texts, 1))
        nlu = min(nlu, _timed(classifier.classify, texts, 1))
    n = len(texts)
    print(f"corpus: {args.corpus} ({n} utterances, best of {args.rounds} rounds)")
    print(f"classifier load:   {load * 1000:8.1f} ms")
    print(f"jieba.lcut:        {n / seg:8.0f} utterances/s  ({seg / n * 1e6:7.1f} us each)")
    print(f"nlu classify:      {n / nlu:8.0f} utterances/s  ({nlu / n * 1e6:7.1f} us each)")
    print(f"ratio to jieba.lcut: {nlu / seg:.2f}x")
    long_text = "那个 嗯 就是 " * 1000
    one = _timed(classifier.classify, [long_text], 1)
    print(f"one {len(long_text)}-character input: {one * 1000:.1f} ms")
    print()
    if all("label" in row for row in rows):
        print(evaluate(rows, classifier.classify).format())


if __name__ == "__main__":
    main()
