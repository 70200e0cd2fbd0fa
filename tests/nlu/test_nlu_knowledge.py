"""Knowledge-base retrieval with BM25 and the answer threshold."""

from pathlib import Path

import pytest
import yaml

from nlu import Classifier, KnowledgeBase
from nlu.knowledge import load_entries
from nlu.paths import nlu_file

ENTRIES = [
    {"id": "kb-test-juzhuzheng", "question": "外地人怎么办理居住证？",
     "answer": "带身份证和住所证明到派出所办理。", "keywords": ["居住证", "暂住证"],
     "source": "市公安局", "reviewed": "2026-01-05", "aliases": ["居住证要什么材料"]},
    {"id": "kb-test-gongjijin", "question": "租房可以提取公积金吗？",
     "answer": "可以，在津心办申请租房提取。", "keywords": ["公积金", "租房提取"],
     "source": "市住房公积金管理中心", "reviewed": "2026-01-05"},
    {"id": "kb-test-gongnuan", "question": "天津什么时候开始供暖？",
     "answer": "每年十一月十五日开始供暖。", "keywords": ["供暖", "暖气", "供热"],
     "source": "市城市管理委", "reviewed": "2026-01-05", "aliases": ["暖气哪天来"]},
]


@pytest.fixture()
def kb_file(tmp_path: Path) -> Path:
    path = tmp_path / "kb.yaml"
    path.write_text(yaml.safe_dump({"entries": ENTRIES}, allow_unicode=True), "utf-8")
    return path


def test_search_finds_the_right_entry(kb_file: Path):
    kb = KnowledgeBase.load(kb_file)
    assert len(kb) == 3
    best, score = kb.search("嗯 我想问问 那个暖气哪天开始来啊", 3)[0]
    assert best.id == "kb-test-gongnuan"
    assert 0.0 < score <= 1.0
    assert kb.search("租房能不能提公积金", 1)[0][0].id == "kb-test-gongjijin"
    assert kb.search("暂住证咋办", 1)[0][0].id == "kb-test-juzhuzheng"


def test_results_are_sorted_and_limited(kb_file: Path):
    results = KnowledgeBase.load(kb_file).search("居住证 公积金 供暖", 2)
    assert len(results) == 2
    assert results[0][1] >= results[1][1]


def test_unrelated_question_scores_low_or_nothing(kb_file: Path):
    kb = KnowledgeBase.load(kb_file)
    results = kb.search("结婚登记需要带什么材料", 1)
    assert not results or results[0][1] < 0.18
    assert kb.search("", 3) == []
    assert kb.search("😀", 3) == []


def test_classifier_answers_only_above_the_threshold(kb_file: Path):
    classifier = Classifier(kb_path=kb_file)
    hit = classifier.classify("嗯 请问一下 天津什么时候开始供暖")
    assert hit.label == "inquiry"
    assert hit.kb_id == "kb-test-gongnuan"
    assert hit.kb_score is not None and hit.kb_score >= classifier.rules.kb_threshold
    miss = classifier.classify("请问一下 结婚登记需要带什么材料")
    assert miss.label == "inquiry"
    assert miss.kb_id is None  # goes to an agent instead of a wrong answer
    other = classifier.classify("那个 我们楼停电了")
    assert other.kb_id is None  # only inquiries are answered from the KB


def test_missing_or_empty_file_gives_an_empty_base(tmp_path: Path):
    assert load_entries(tmp_path / "none.yaml") == []
    empty = tmp_path / "empty.yaml"
    empty.write_text("entries:\n", "utf-8")
    assert len(KnowledgeBase.load(empty)) == 0
    assert KnowledgeBase.load(empty).search("居住证", 3) == []


def test_entries_without_id_or_question_are_skipped(tmp_path: Path):
    path = tmp_path / "kb.yaml"
    path.write_text(yaml.safe_dump({"entries": [{"id": "x"}, {"question": "q"}, "junk",
                                                ENTRIES[0]]}, allow_unicode=True), "utf-8")
    assert [e.id for e in load_entries(path)] == ["kb-test-juzhuzheng"]


@pytest.mark.skipif(not nlu_file("knowledge_base.yaml").exists(), reason="no KB file yet")
def test_shipped_knowledge_base_loads_with_unique_ids():
    entries = load_entries(nlu_file("knowledge_base.yaml"))
    ids = [e.id for e in entries]
    assert len(ids) == len(set(ids))
