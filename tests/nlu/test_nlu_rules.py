"""Loading of the operator's rule files and the data-folder resolver."""

from pathlib import Path

import pytest
import yaml

from nlu import Classifier
from nlu.paths import data_dir
from nlu.rules import RulesError, load_rules
from nlu.text import Normalizer


def test_data_dir_follows_hotline_data(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("HOTLINE_DATA", str(tmp_path))
    assert data_dir() == tmp_path
    monkeypatch.delenv("HOTLINE_DATA")
    assert data_dir().name == "data"
    assert (data_dir() / "nlu" / "rules.yaml").exists()


def test_shipped_rules_load():
    rules = load_rules(data_dir() / "nlu" / "rules.yaml")
    assert rules.emergency_threshold > 0
    assert 0 < rules.low_confidence < 1
    assert len(rules.lexicon) > 500


def test_duplicate_keys_are_rejected(tmp_path: Path):
    path = tmp_path / "rules.yaml"
    path.write_text(
        "labels:\n  complaint:\n    words:\n      3: [态度]\n      3: [推诿]\n", "utf-8"
    )
    with pytest.raises(RulesError, match="duplicate"):
        load_rules(path)


def test_unknown_label_is_rejected(tmp_path: Path):
    path = tmp_path / "rules.yaml"
    path.write_text("labels:\n  gossip:\n    words: {八卦: 3}\n", "utf-8")
    with pytest.raises(RulesError):
        load_rules(path)


def test_a_rule_file_of_my_own_drives_the_classifier(tmp_path: Path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "decision: {fallback_label: inquiry, low_confidence: 0.3}\n"
        "cues: {negation: [不是]}\n"
        "emergency:\n  threshold: 2\n  words:\n    '119': {冒烟: 3}\n"
        "labels:\n  complaint:\n    words: {磨蹭: 3}\n",
        "utf-8",
    )
    classifier = Classifier(rules_path=rules, corrections_path=tmp_path / "none.yaml",
                            kb_path=tmp_path / "none.yaml")
    assert classifier.classify("窗口的人太磨蹭").label == "complaint"
    assert classifier.classify("机房冒烟").emergency == "119"
    assert classifier.classify("不是冒烟").label == "inquiry"


def test_normalizer_folds_width_drops_punctuation_and_fixes_words():
    normalize = Normalizer({"然气": "燃气", "嘛时候": "什么时候"}, ["嗯"])
    assert normalize("嗯，然气费　嘛时候交？ＡＢ１２") == "燃气费什么时候交ab12"
    assert normalize("") == ""


def test_each_word_appears_once_per_label_in_shipped_rules():
    data = yaml.safe_load((data_dir() / "nlu" / "rules.yaml").read_text("utf-8"))
    sections = [data["emergency"]["words"][n] for n in data["emergency"]["words"]]
    for label in data["labels"].values():
        merged: dict = {}
        for kind in ("words", "negatable", "intents", "morphemes"):
            for weight, words in (label.get(kind) or {}).items():
                merged.setdefault(weight, []).extend(words)
        sections.append(merged)
    for section in sections:
        words = [str(w) for group in section.values() for w in group]
        assert len(words) == len(set(words)), sorted(w for w in set(words) if words.count(w) > 1)
