"""The learned model: features, training, scoring, the cache and how the classifier uses it."""

import json
from pathlib import Path

import numpy as np
import pytest

from nlu import Classifier, classify
from nlu.cache import ModelCache
from nlu.features import char_keys, key_text
from nlu.linear import LinearModel
from nlu.rules import LABELS, NUMBERS
from nlu.training import read_rows, train_model, training_files

EXAMPLES = [
    ("公积金怎么提取", "inquiry", None),
    ("社保卡在哪补办", "inquiry", None),
    ("医保报销比例是多少", "inquiry", None),
    ("公积金贷款能贷多少", "inquiry", None),
    ("楼下烧烤摊天天吵到半夜", "help_request", None),
    ("小区路灯坏了没人修", "help_request", None),
    ("楼道灯不亮好几天了", "help_request", None),
    ("路灯一直不亮", "help_request", None),
    ("有人拿刀砍人快来", "emergency", "110"),
    ("有人拿刀在楼下追人", "emergency", "110"),
    ("楼道里着火了好大的烟", "emergency", "119"),
    ("厨房着火了烟好大", "emergency", "119"),
]


def _rows(examples=EXAMPLES) -> list[dict]:
    return [{"text": t, "label": label, "emergency": n} for t, label, n in examples]


def _model() -> LinearModel:
    rows = _rows()
    return train_model([char_keys(r["text"]) for r in rows], rows, c=3.0)


def test_char_keys_are_exact_and_readable():
    keys = char_keys("路灯坏")
    assert sorted(key_text(int(k)) for k in keys) == sorted(
        ["路", "灯", "坏", "路灯", "灯坏", "路灯坏"])
    assert len(char_keys("")) == 0
    assert sorted(key_text(int(k)) for k in char_keys("ab")) == ["a", "ab", "b"]
    assert len(char_keys("一一一一")) == 3  # each distinct n-gram once


def test_heads_give_distributions_that_follow_the_examples():
    model = _model()
    assert len(model) == len(EXAMPLES)
    logits = model.logits(model.encode(char_keys("公积金能提取吗")))
    labels = model.probabilities(logits, "labels")
    assert set(labels) == set(LABELS)
    assert abs(sum(labels.values()) - 1.0) < 1e-6
    assert max(labels, key=labels.get) == "inquiry"
    assert model.chance(logits, "danger", "emergency") < 0.5
    fire = model.logits(model.encode(char_keys("卧室着火了")))
    assert model.chance(fire, "danger", "emergency") > 0.5
    numbers = model.probabilities(fire, "numbers")
    assert set(numbers) == set(NUMBERS) and max(numbers, key=numbers.get) == "119"
    words = model.evidence(model.encode(char_keys("公积金能提取吗")), "labels", "inquiry")
    assert words and all(w in "公积金能提取吗" and len(w) > 1 for w in words)


def test_unknown_text_is_known_to_be_unknown():
    model = _model()
    encoded = model.encode(char_keys("xyz"))
    assert encoded.known == 0.0 and len(encoded.rows) == 0
    assert model.encode(char_keys("")).known == 0.0


def test_model_survives_the_cache(tmp_path: Path):
    model = _model()
    cache = ModelCache(tmp_path / "cache")
    cache.save("k1", model)
    again = cache.load("k1")
    assert again is not None and cache.load("other") is None
    text = char_keys("小区路灯坏了")
    assert np.allclose(model.logits(model.encode(text)), again.logits(again.encode(text)))
    (tmp_path / "cache" / "k1.npz").write_bytes(b"garbage")
    assert cache.load("k1") is None  # an unreadable cache is ignored


def test_cache_key_changes_with_the_training_data(tmp_path: Path):
    cache = ModelCache(tmp_path)
    rules = tmp_path / "rules.yaml"
    rules.write_text("a: 1\n", "utf-8")
    key = cache.key(_rows(), [rules], 3.0)
    assert key == cache.key(_rows(), [rules], 3.0)
    assert key != cache.key(_rows()[:-1], [rules], 3.0)
    assert key != cache.key(_rows(), [rules], 1.0)
    rules.write_text("a: 2\n", "utf-8")
    assert key != cache.key(_rows(), [rules], 3.0)


def test_training_files_skip_blind_sets(tmp_path: Path):
    folder = tmp_path / "nlu"
    (folder / "training").mkdir(parents=True)
    (folder / "examples.jsonl").write_text(
        json.dumps({"text": "路灯坏了", "label": "help_request"}, ensure_ascii=False) + "\n",
        "utf-8")
    for name in ("extra-a.jsonl", "blind-b.jsonl"):
        (folder / "training" / name).write_text(
            json.dumps({"text": name, "label": "inquiry"}) + "\nnot json\n"
            + json.dumps({"text": "x", "label": "gossip"}) + "\n", "utf-8")
    files = training_files(folder)
    assert [p.name for p in files] == ["examples.jsonl", "extra-a.jsonl"]
    rows = read_rows(files)
    assert [r["text"] for r in rows] == ["路灯坏了", "extra-a.jsonl"]


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
        "".join(json.dumps({"text": t, "label": label, "emergency": n}, ensure_ascii=False)
                + "\n" for t, label, n in EXAMPLES),
        "utf-8",
    )
    return Classifier(rules_path=rules, corrections_path=tmp_path / "none.yaml",
                      kb_path=tmp_path / "none.yaml", examples_path=examples)


def test_the_model_decides_where_no_rule_word_is(tmp_path: Path):
    decision = _classifier(tmp_path, 1.0).classify("公积金提取比例是多少")
    assert decision.label == "inquiry"
    model = [m for m in decision.matched if m.rule == "model.examples"]
    assert model and model[0].words  # explained by the n-grams that spoke for it


def test_the_rules_are_the_emergency_safety_net(tmp_path: Path):
    classifier = _classifier(tmp_path, 1.0)
    # no example speaks of 砍人, but the rule's danger word makes the emergency
    decision = classifier.classify("有人砍人了")
    assert (decision.label, decision.emergency) == ("emergency", "110")
    assert any(m.rule == "emergency.110" for m in decision.matched)


def test_weight_zero_switches_the_model_off(tmp_path: Path):
    classifier = _classifier(tmp_path, 0.0)
    assert classifier.model is None
    decision = classifier.classify("我想问问公积金提取的事")
    assert decision.label == "help_request" and decision.confidence == 0.0


def test_shipped_model_is_trained_on_every_training_file():
    from nlu import default_classifier

    model = default_classifier().model
    assert model is not None and len(model) > 3000


def test_held_out_transcripts_are_never_trained_on():
    from nlu.paths import nlu_file

    trained = {r["text"] for r in read_rows(training_files(nlu_file("")))}
    held_out = Path(__file__).with_name("transcripts.jsonl")
    ours = {json.loads(line)["text"] for line in held_out.open(encoding="utf-8") if line.strip()}
    assert not trained & ours


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


def test_the_default_cache_also_reads_the_checkouts_instance_folder(monkeypatch, tmp_path):
    from nlu.paths import default_instance_dir

    monkeypatch.setenv("HOTLINE_INSTANCE", str(tmp_path / "elsewhere"))
    cache = ModelCache.default()
    assert cache.folder == tmp_path / "elsewhere" / "nlu-model"
    assert cache.also == (default_instance_dir() / "nlu-model",)
    shared = ModelCache(tmp_path / "shared")
    shared.save("k", _model())
    assert ModelCache(tmp_path / "mine", (tmp_path / "shared",)).load("k") is not None
