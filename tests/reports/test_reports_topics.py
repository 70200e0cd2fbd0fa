"""Hot topics: jieba TF-IDF keywords, rising topics against the week before, districts."""

from __future__ import annotations

import dataclasses

import pytest

from casework.reports import Period, load_report_settings
from casework.reports.settings import default_userdict
from casework.reports.topics import TopicExtractor, hot_topics

WEEK = Period.parse("2026-11-23", "2026-11-29")
CASES = [
    # the week before
    ("2026-11-17 10:00", "小区停水了，什么时候来水", "utility.water"),
    ("2026-11-18 10:00", "小海地路灯不亮了", "district.hexi"),
    ("2026-11-19 10:00", "友谊路路灯坏了", "district.hexi"),
    ("2026-11-20 10:00", "梅江路灯一直不亮", "district.hexi"),
    # the week
    ("2026-11-23 10:00", "河西区小区又停水了，没有提前通知", "district.hexi"),
    ("2026-11-23 11:00", "和平区停水两天了", "district.heping"),
    ("2026-11-24 10:00", "突然停水，家里老人没法做饭", "utility.water"),
    ("2026-11-25 10:00", "停水没有通知，自来水公司电话打不通", "utility.water"),
    ("2026-11-25 11:00", "小海地路灯坏了", "district.hexi"),
    ("2026-11-26 10:00", "梅江路灯坏了", "district.hexi"),
    ("2026-11-26 11:00", "楼下饭店油烟扰民", None),
]


@pytest.fixture
def topics_week(casework, clock):
    for at, text, unit in CASES:
        clock.set(at)
        casework.create_case(text=text, label="help_request", units=[unit] if unit else None)
    clock.set("2026-11-30 10:00")


@pytest.fixture(scope="module")
def settings():
    return load_report_settings()


@pytest.fixture(scope="module")
def extractor(settings):
    return TopicExtractor(
        default_userdict(), settings.stop_words, settings.allow_pos, settings.words
    )


def test_top_and_rising_topics_with_districts(casework, topics_week, extractor, settings):
    report = hot_topics(casework.db, WEEK, extractor, settings)
    assert (report.cases, report.previous_cases) == (7, 4)
    top = {t.word: t for t in report.top}
    assert report.top[0].word == "停水"
    water = top["停水"]
    assert (water.cases, water.previous) == (4, 1)
    assert water.districts == {"市级部门": 2, "河西区": 1, "和平区": 1}
    assert (top["路灯"].cases, top["路灯"].previous) == (2, 3)
    assert [t.word for t in report.rising] == ["停水"]  # 路灯 fell; the rest are below 3 cases
    assert all(t.cases >= settings.topic_min_cases for t in report.top)


def test_stop_words_come_from_the_settings(casework, topics_week, settings):
    quiet = dataclasses.replace(settings, stop_words=settings.stop_words | {"停水"})
    extractor = TopicExtractor(default_userdict(), quiet.stop_words, quiet.allow_pos, quiet.words)
    report = hot_topics(casework.db, WEEK, extractor, quiet)
    assert "停水" not in {t.word for t in report.top}
    assert "路灯" in {t.word for t in report.top}


def test_the_hotline_dictionary_keeps_its_words_whole(extractor):
    words = dict(extractor.keywords("中新生态城的燃气管道泄漏了"))  # districts are stop words
    assert "中新生态城" in words
