"""The segmenter's own cut of one block must give jieba's words exactly."""

import json
from pathlib import Path

from nlu import default_classifier
from nlu.segment import Segmenter

TRANSCRIPTS = Path(__file__).with_name("transcripts.jsonl")


def test_fast_cut_matches_jieba_word_for_word():
    classifier = default_classifier()
    segmenter = classifier.segmenter
    texts = [json.loads(line)["text"] for line in TRANSCRIPTS.open(encoding="utf-8")]
    texts += ["", "a", "110", "abc火锅", "喂喂喂", "㐀㐁着火了", "那个 嗯 就是 " * 50]
    texts += ["abc12火锅a1", "ab 12 c"]
    for text in texts:
        for variant in (text, classifier.normalize(text)):
            for hmm in (True, False):
                expected = segmenter._tokenizer.lcut(variant, HMM=hmm) if variant else []
                assert segmenter.cut(variant, hmm) == expected, (variant, hmm)


def test_fast_cut_follows_words_added_later():
    segmenter = Segmenter()
    text = "他在搞一个新造词语测试"
    assert segmenter.cut(text) == segmenter._tokenizer.lcut(text)
    segmenter._tokenizer.add_word("新造词语", 50000)
    assert "新造词语" in segmenter.cut(text)
    assert segmenter.cut(text) == segmenter._tokenizer.lcut(text)
