"""The example-trained n-gram model that helps the rules rank the labels."""

import json
from pathlib import Path

import pytest

from nlu import Classifier, classify
from nlu.model import NaiveBayes, ngrams

EXAMPLES = [
    ("公积金怎么提取", "inquiry"),
    ("社保卡在哪补办", "inquiry"),
    ("医保报销比例是多少", "inquiry"),
    ("楼下烧烤摊天天吵到半夜", "help_request"),
    ("小区路灯坏了没人修", "help_request"),
    ("楼道灯不亮好几天了", "help_request"),
    ("有人拿刀砍人快来", "emergency"),
    ("有人拿刀在楼下追人", "emergency"),
]


def test_ngrams_are_characters_bigrams_and_trigrams():
    assert ngrams("路灯坏") == {"路", "灯", "坏", "路灯", "灯坏", "路灯坏"}
    assert ngrams("") == set()


def test_posterior_is_a_distribution_that_follows_the_examples():
    model = NaiveBayes(EXAMPLES)
    assert len(model) == len(EXAMPLES)
    post = model.posterior("公积金能提取吗")
    assert abs(sum(post.values()) - 1.0) < 1e-9
    assert max(post, key=post.get) == "inquiry"
    assert max(model.posterior("路灯不亮了"), key=model.posterior("路灯不亮了").get) == (
        "help_request"
    )
    words = model.evidence("公积金能提取吗", "inquiry")
    assert words and all(w in "公积金能提取吗" and len(w) > 1 for w in words)


def test_an_empty_model_says_nothing():
    model = NaiveBayes([])
    assert model.posterior("随便说点什么") == {}
    assert model.evidence("随便说点什么", "inquiry") == []


def _classifier(tmp_path: Path, weight: float) -> Classifier:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        f"model: {{weight: {weight}, review: 0.5}}\n"
        "emergency:\n  threshold: 3\n  words:\n    '110': {砍人: 4}\n"
        "labels:\n  complaint:\n    words: {态度: 3}\n",
        "utf-8",
    )
    examples = tmp_path / "examples.jsonl"
    examples.write_text(
        "".join(json.dumps({"text": t, "label": label}, ensure_ascii=False) + "\n"
                for t, label in EXAMPLES),
        "utf-8",
    )
    return Classifier(rules_path=rules, corrections_path=tmp_path / "none.yaml",
                      kb_path=tmp_path / "none.yaml", examples_path=examples)


def test_the_model_fills_a_gap_of_the_rules_but_an_agent_confirms(tmp_path: Path):
    decision = _classifier(tmp_path, 3.0).classify("我想问问公积金提取的事")
    assert decision.label == "inquiry"
    assert decision.low_confidence  # no rule word: the model's guess goes to an agent
    model = [m for m in decision.matched if m.rule == "model.examples"]
    assert model and model[0].words


def test_the_model_never_makes_an_emergency_but_flags_one(tmp_path: Path):
    classifier = _classifier(tmp_path, 3.0)
    decision = classifier.classify("有人拿刀在楼下")  # no danger rule word
    assert decision.label != "emergency"
    assert decision.low_confidence
    assert classifier.classify("有人砍人了").emergency == "110"  # the rules still decide


def test_a_clear_rule_decision_is_not_overturned(tmp_path: Path):
    decision = _classifier(tmp_path, 3.0).classify("窗口的人态度太差 态度 态度")
    assert decision.label == "complaint"


def test_weight_zero_switches_the_model_off(tmp_path: Path):
    classifier = _classifier(tmp_path, 0.0)
    assert classifier.model is None
    decision = classifier.classify("我想问问公积金提取的事")
    assert decision.label == "help_request" and decision.confidence == 0.0


def test_shipped_model_is_trained_and_explains_itself():
    from nlu import default_classifier

    model = default_classifier().model
    assert model is not None and len(model) > 1000


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # label morphemes count inside longer jieba words (武警部队, 住房补贴)
        ("武警部队的车天天从我们村里过 路都压坏了", "excluded_military"),
        ("刚毕业的大学生 天津有没有租房补贴", "inquiry"),
    ],
)
def test_label_morphemes_count_inside_longer_words(text, label):
    assert classify(text).label == label
