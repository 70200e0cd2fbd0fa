"""A character n-gram Naive Bayes model trained at load time on labelled examples.

The rules decide; the model only helps them choose between the non-emergency
labels when the caller's wording is not in the rule file. It is trained from
``data/nlu/examples.jsonl`` (one ``{"text": ..., "label": ...}`` per line) every
time the classifier is built, so the operators improve it by adding examples,
never by shipping a binary. Its evidence is reported in ``Decision.matched``
as the rule ``model.examples`` with the n-grams that spoke most for the label.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterable
from itertools import repeat
from pathlib import Path

import numpy as np

from .rules import LABELS

# Character 1-, 2- and 3-grams: single characters catch homophone noise, bi-
# and trigrams catch words and short phrases without relying on segmentation.


def ngrams(text: str) -> set[str]:
    n = len(text)
    return {text[i:i + k] for k in (1, 2, 3) for i in range(n - k + 1)}


class NaiveBayes:
    """Multinomial Naive Bayes over the set of character n-grams of a text."""

    def __init__(
        self,
        examples: Iterable[tuple[str, str]],
        alpha: float = 0.5,
        min_count: int = 1,
    ) -> None:
        self.labels: tuple[str, ...] = LABELS
        index = {label: k for k, label in enumerate(self.labels)}
        per_label: list[Counter[str]] = [Counter() for _ in self.labels]
        docs = np.zeros(len(self.labels))
        for text, label in examples:
            k = index.get(label)
            if k is None or not text:
                continue
            docs[k] += 1
            per_label[k].update(ngrams(text))
        total: Counter[str] = Counter()
        for counter in per_label:
            total.update(counter)
        # row 0 of the tables stands for every unknown n-gram and adds nothing
        grams = [""] + [g for g, n in total.items() if n >= min_count]
        self.vocab: dict[str, int] = {g: i for i, g in enumerate(grams) if g}
        self._grams = grams
        self.size = int(docs.sum())
        if len(grams) == 1 or not self.size:
            self.size = 0
            return
        table = np.zeros((len(grams), len(self.labels)))
        for k, counter in enumerate(per_label):
            for gram, n in counter.items():
                row = self.vocab.get(gram)
                if row is not None:
                    table[row, k] = n
        totals = table.sum(axis=0)
        self._loglik = np.log((table + alpha) / (totals + alpha * (len(grams) - 1)))
        self._loglik[0] = 0.0
        # labels without examples never win
        self._prior = np.where(docs > 0, np.log(np.maximum(docs, 1) / docs.sum()), -1e9)
        # how much each n-gram speaks for a label against the average label
        self._lift = self._loglik - self._loglik.mean(axis=1, keepdims=True)
        self._shown = np.array([len(g) > 1 for g in grams])

    def __len__(self) -> int:
        return self.size

    def _rows(self, text: str) -> np.ndarray:
        """Table rows of the text's n-grams (0 for the unknown ones)."""
        grams = ngrams(text)
        return np.fromiter(map(self.vocab.get, grams, repeat(0)), np.intp, len(grams))

    def posterior(self, text: str) -> dict[str, float]:
        """Probability of each label given the (normalised) text."""
        if not self.size:
            return {}
        score = (self._prior + np.add.reduce(self._loglik.take(self._rows(text), axis=0))).tolist()
        top = max(score)
        odds = [math.exp(v - top) for v in score]
        total = sum(odds)
        return {label: v / total for label, v in zip(self.labels, odds, strict=True)}

    def evidence(self, text: str, label: str, top: int = 3) -> list[str]:
        """The n-grams of ``text`` that speak most for ``label`` (longest first on ties)."""
        if not self.size or label not in self.labels:
            return []
        rows = self._rows(text)
        rows = rows[self._shown[rows]]  # words and phrases, not single characters
        if not len(rows):
            return []
        lift = self._lift[rows, self.labels.index(label)]
        words: list[str] = []
        for i in np.argsort(-lift, kind="stable")[: 4 * top].tolist():
            if lift[i] <= 0 or len(words) >= top:
                break
            gram = self._grams[int(rows[i])]
            if not any(gram in w or w in gram for w in words):
                words.append(gram)
        return words


def load_examples(path: Path, normalize: Callable[[str], str]) -> list[tuple[str, str]]:
    """(normalised text, label) pairs of a JSON-lines example file; none if it is missing."""
    if not path.exists():
        return []
    out: list[tuple[str, str]] = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line:
                continue
            row = json.loads(line)
            if row.get("label") in LABELS:
                out.append((normalize(str(row.get("text", ""))), str(row["label"])))
    return out
