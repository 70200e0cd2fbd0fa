"""The shortcuts of the classifier's hot path give exactly what the plain
computations give (see also test_nlu_segment for the segmenter's route)."""

import json
import unicodedata
from pathlib import Path

import numpy as np

from nlu import default_classifier
from nlu import segment as segment_module
from nlu.engine import _Context
from nlu.features import char_keys
from nlu.segment import Segmenter
from nlu.text import _fold

TRANSCRIPTS = Path(__file__).with_name("transcripts.jsonl")


def _texts() -> list[str]:
    return [json.loads(line)["text"] for line in TRANSCRIPTS.open(encoding="utf-8")]


def test_folding_full_width_punctuation_first_changes_nothing():
    texts = _texts() + ["，？！：；（）", "Ａ，ｂ？１", "e，\u0301", "＜\u0338", "a（\u0323）"]
    for text in texts:
        assert _fold(text) == unicodedata.normalize("NFKC", text).lower(), text


def test_rule_scan_finds_every_long_rule_word_in_order():
    classifier = default_classifier()
    engine = classifier.engine
    lexicon = classifier.rules.lexicon
    short = classifier.rules.boundary_max_len
    longest = max(map(len, lexicon))
    for text in _texts():
        norm = classifier.normalize(text)
        tokens = classifier.segmenter.cut(norm, hmm=False)
        hits = engine.scan(norm, _Context(norm, tokens, frozenset(), {}).bounds)
        assert [(h.start, h.end) for h in hits] == sorted((h.start, h.end) for h in hits)
        # words longer than the boundary limit count wherever they stand
        expected = [(i, j) for i in range(len(norm))
                    for j in range(i + short + 1, min(len(norm), i + longest) + 1)
                    if norm[i:j] in lexicon]
        assert [(h.start, h.end) for h in hits if h.end - h.start > short] == expected
        assert all(h.word == norm[h.start:h.end] for h in hits)


def test_logits_sum_the_half_precision_weights_exactly():
    classifier = default_classifier()
    model = classifier.model
    assert model is not None
    for text in _texts()[:100]:
        encoded = model.encode(char_keys(classifier.normalize(text)))
        if not len(encoded.rows):
            continue
        found = model.weights.take(encoded.rows, axis=0).sum(axis=0, dtype=np.float32).tolist()
        bias = model.bias.tolist()
        expected = [b + v * encoded.scale for b, v in zip(bias, found, strict=True)]
        for head in model.bayes:  # naive-Bayes columns are not scaled
            start, stop, _ = model._slices[head].indices(len(bias))
            for k in range(start, stop):
                expected[k] = bias[k] + found[k]
        assert model.logits(encoded) == expected


def test_encoding_finds_the_rows_of_the_known_keys():
    classifier = default_classifier()
    model = classifier.model
    assert model is not None
    row_of = {key: row for row, key in enumerate(model.keys.tolist())}
    for text in _texts()[:100] + ["xyz", "a"]:
        keys = char_keys(classifier.normalize(text))
        encoded = model.encode(keys)
        rows = [row_of[k] for k in keys.tolist() if k in row_of]
        assert encoded.rows.tolist() == rows
        assert encoded.known == len(rows) / len(keys)


def test_segmenter_cache_is_bounded_and_cuts_the_same(monkeypatch):
    monkeypatch.setattr(segment_module, "_CACHE_SIZE", 50)
    segmenter = Segmenter()
    for text in _texts()[:60]:
        for hmm in (True, False):
            assert segmenter.cut(text, hmm) == segmenter._tokenizer.lcut(text, HMM=hmm)
        assert len(segmenter._cache) <= 50
