"""Linear classifiers trained on labelled sentences, scored without scikit-learn.

Training uses scikit-learn's linear support-vector machine once, when the
classifier is built (or reads a cached copy of the weights, see
``nlu.cache``). Scoring an utterance is one vectorised look-up of its
character n-gram keys and one sum of weight rows, so the hot path stays close
to the cost of segmentation.

Heads share one weight table: ``labels`` (the 11 taxonomy labels),
``danger`` (emergency or not), ``numbers`` (110/119/120, trained on the
emergencies only) and ``danger_nb`` (emergency or not by naive Bayes, a second
opinion that the classifier mixes in). One look-up and one sum give them all.

The features (``nlu.features``, each distinct n-gram once) are scaled by one
over the square root of their number for the support-vector heads, so that
long and short utterances speak equally loud; the margins, times
``sharpness``, become scores in 0..1 with a softmax. The weights are kept in
half precision (scores move by less than a thousandth).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .features import key_text


class Encoded(NamedTuple):
    """An utterance as rows of the weight table (unknown features dropped)."""

    rows: np.ndarray
    scale: float  # 1 / sqrt(number of features, known or not)
    known: float  # share of the features met in training


class LinearModel:
    """Linear heads as one weight table: a row per n-gram key (sorted)."""

    def __init__(self, keys: np.ndarray, heads: dict[str, tuple[str, ...]],
                 weights: np.ndarray, bias: np.ndarray, size: int,
                 bayes: Sequence[str] = ()) -> None:
        self.keys = keys
        self.heads = heads
        self.bayes = tuple(bayes)  # naive-Bayes heads: features count 1, unscaled
        self.weights = weights  # features x (columns of all heads)
        self.bias = bias
        self.size = size  # training sentences
        self._slices: dict[str, slice] = {}
        start = 0
        for head, classes in heads.items():
            self._slices[head] = slice(start, start + len(classes))
            start += len(classes)
        self._unscaled_columns = [k for head in self.bayes
                                  for k in range(self._slices[head].start,
                                                 self._slices[head].stop)]
        self._bias = [float(b) for b in bias]
        # the keys and one more that no n-gram has: a search never falls off the end
        self._search_keys = np.append(keys, np.iinfo(np.int64).max).astype(np.int64)
        # Single precision holds the half-precision weights exactly; summing it gives
        # the very same sums (same order) without converting on every call.
        self._weights32 = weights.astype(np.float32)

    def __len__(self) -> int:
        return self.size

    # -- training -----------------------------------------------------------------

    @classmethod
    def train(cls, docs: Sequence[np.ndarray],
              targets: dict[str, tuple[tuple[str, ...], list[str | None]]],
              c: float = 3.0, sharpness: float = 3.0, min_count: int = 1,
              bayes: Sequence[str] = ()) -> LinearModel:
        """Fit every head on the features of each sentence.

        ``targets`` maps a head to its classes and one target per sentence (None:
        the sentence does not train that head). The heads named in ``bayes`` are
        multinomial naive Bayes on the n-grams' presence, the others linear
        support-vector machines. N-grams found in fewer than ``min_count``
        sentences are left out (1, keeping them all, measured best).
        """
        from scipy.sparse import csr_matrix

        keys, counts = np.unique(np.concatenate([*docs, np.zeros(0, np.int64)]),
                                 return_counts=True)
        keys = keys[counts >= min_count]
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        for r, found in enumerate(docs):
            at = np.searchsorted(keys, found)
            at[at == len(keys)] = 0
            known = at[keys[at] == found] if len(keys) else at[:0]
            rows.append(np.full(len(known), r))
            cols.append(known)
            vals.append(np.full(len(known), 1.0 / math.sqrt(len(found)) if len(found) else 0.0))
        n_features = len(keys)
        matrix = csr_matrix((np.concatenate(vals or [np.zeros(0)]),
                             (np.concatenate(rows or [np.zeros(0, np.intp)]),
                              np.concatenate(cols or [np.zeros(0, np.intp)]))),
                            shape=(len(docs), n_features))
        width = sum(len(classes) for classes, _ in targets.values())
        weights = np.zeros((n_features, width), np.float32)
        bias = np.zeros(width)
        start = 0
        presence = matrix.copy()
        presence.data[:] = 1.0
        for head, (classes, labels) in targets.items():
            chosen = [k for k, label in enumerate(labels) if label in classes]
            found = [labels[k] for k in chosen]
            if head in bayes:
                w, b = _fit_bayes(presence[chosen], found, classes)
            else:
                w, b = _fit(matrix[chosen], found, classes, c)
                w, b = w * sharpness, b * sharpness
            weights[:, start:start + len(classes)] = w
            bias[start:start + len(classes)] = b
            start += len(classes)
        return cls(keys, {h: classes for h, (classes, _) in targets.items()},
                   weights.astype(np.float16), bias, len(docs), bayes)

    # -- scoring --------------------------------------------------------------------

    def encode(self, keys: np.ndarray) -> Encoded:
        """The weight rows of an utterance's n-gram keys."""
        n = len(keys)
        if not n or not len(self.keys):
            return Encoded(np.zeros(0, np.intp), 1.0 / math.sqrt(n) if n else 0.0, 0.0)
        search = self._search_keys
        at = search.searchsorted(keys)
        rows = at[search[at] == keys]
        return Encoded(rows, 1.0 / math.sqrt(n), len(rows) / n)

    def logits(self, encoded: Encoded) -> list[float]:
        """Raw scores of every column of every head (a plain list: the few numbers
        are cheaper to handle in Python than as a small array)."""
        if not len(encoded.rows):
            return self._bias
        found = self._weights32.take(encoded.rows, axis=0).sum(axis=0).tolist()
        scale = encoded.scale
        out = [b + v * scale for b, v in zip(self._bias, found, strict=True)]
        for k in self._unscaled_columns:
            out[k] = self._bias[k] + found[k]
        return out

    def probabilities(self, logits: Sequence[float], head: str) -> dict[str, float]:
        """Probability of each class of ``head`` from ``logits``."""
        cut = self._slices[head]
        z = logits[cut.start:cut.stop]
        top = max(z)
        odds = [math.exp(v - top) for v in z]
        total = sum(odds)
        return {label: v / total for label, v in zip(self.heads[head], odds, strict=True)}

    def margin(self, logits: Sequence[float], head: str, label: str) -> float:
        """Log-odds of one class of a two-class head."""
        cut = self._slices[head]
        first = self.heads[head].index(label)
        return float(logits[cut.start + first] - logits[cut.start + 1 - first])

    def chance(self, logits: Sequence[float], head: str, label: str) -> float:
        """Probability of one class of a two-class head."""
        cut = self._slices[head]
        first = self.heads[head].index(label)
        other = logits[cut.start + 1 - first]
        return 1.0 / (1.0 + math.exp(min(700.0, float(other - logits[cut.start + first]))))

    def name(self, row: int) -> str:
        """The text of a feature row."""
        return key_text(int(self.keys[row]))

    def evidence(self, encoded: Encoded, head: str, label: str, top: int = 3) -> list[str]:
        """The words and n-grams (2+ characters) that speak most for ``label``."""
        rows = encoded.rows
        if label not in self.heads.get(head, ()) or not len(rows):
            return []
        # how much each n-gram speaks for the class against the average class
        block = self.weights[rows, self._slices[head]].astype(np.float32)
        lift = block[:, self.heads[head].index(label)] - block.mean(axis=1)
        words: list[str] = []
        for i in np.argsort(-lift, kind="stable")[: 6 * top].tolist():
            if lift[i] <= 0 or len(words) >= top:
                break
            word = self.name(int(rows[i]))
            if len(word) < 2 or any(word in w or w in word for w in words):
                continue
            words.append(word)
        return words

    # -- storage ----------------------------------------------------------------------

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The model as plain arrays (for the on-disk cache)."""
        arrays = {
            "keys": self.keys,
            "weights": self.weights,
            "bias": self.bias,
            "size": np.array([self.size]),
            "heads": np.array(list(self.heads), dtype=str),
            "bayes": np.array(list(self.bayes), dtype=str),
        }
        for head, classes in self.heads.items():
            arrays[f"classes_{head}"] = np.array(classes, dtype=str)
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> LinearModel:
        heads = {str(h): tuple(str(c) for c in arrays[f"classes_{h}"].tolist())
                 for h in arrays["heads"].tolist()}
        return cls(arrays["keys"], heads, arrays["weights"], arrays["bias"],
                   int(arrays["size"][0]), [str(h) for h in arrays["bayes"].tolist()])


def _fit(matrix, labels: list[str], classes: tuple[str, ...], c: float,
         ) -> tuple[np.ndarray, np.ndarray]:
    """Weights (features x classes) and biases of one head; classes never seen
    get a bias that keeps them out of reach."""
    weights = np.zeros((matrix.shape[1], len(classes)))
    bias = np.full(len(classes), -30.0)
    present = sorted(set(labels))
    if len(present) == 1:
        bias[classes.index(present[0])] = 0.0
    if len(present) < 2:
        return weights, bias
    from sklearn.svm import LinearSVC

    fit = LinearSVC(C=c)
    fit.fit(matrix, labels)
    coef, intercept = fit.coef_, fit.intercept_
    if len(fit.classes_) == 2:  # binary: one row for the second class
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    for k, label in enumerate(fit.classes_):
        weights[:, classes.index(label)] = coef[k]
        bias[classes.index(label)] = intercept[k]
    return weights, bias


def _fit_bayes(presence, labels: list[str], classes: tuple[str, ...], alpha: float = 0.5,
               ) -> tuple[np.ndarray, np.ndarray]:
    """Log-likelihoods and log-priors of multinomial naive Bayes, as a linear head."""
    weights = np.zeros((presence.shape[1], len(classes)))
    bias = np.full(len(classes), -30.0)
    present = sorted(set(labels))
    if len(present) < 2:
        if present:
            bias[classes.index(present[0])] = 0.0
        return weights, bias
    from sklearn.naive_bayes import MultinomialNB

    fit = MultinomialNB(alpha=alpha).fit(presence, labels)
    for k, label in enumerate(fit.classes_):
        weights[:, classes.index(label)] = fit.feature_log_prob_[k]
        bias[classes.index(label)] = fit.class_log_prior_[k]
    return weights, bias
