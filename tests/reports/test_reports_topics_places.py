"""Place names are not hot topics: the city and its 16 districts are stop words."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.reports import Period, load_report_settings
from casework.reports.settings import default_userdict
from casework.reports.topics import TopicExtractor, hot_topics
from casework.units_file import read_units_file

DATA = Path(__file__).resolve().parents[2] / "data"
DISTRICTS = sorted(
    {u.district for u in read_units_file(DATA / "units.yaml") if u.kind == "district"}
)


@pytest.fixture(scope="module")
def settings():
    return load_report_settings()


@pytest.fixture(scope="module")
def extractor(settings):
    return TopicExtractor(
        default_userdict(), settings.stop_words, settings.allow_pos, settings.words
    )


def test_every_district_and_the_city_are_stop_words(settings):
    assert len(DISTRICTS) == 16
    stop = set(settings.stop_words)
    assert set(DISTRICTS) <= stop
    assert {"天津", "天津市", "市民", "小区"} <= stop


@pytest.mark.parametrize("district", DISTRICTS)
def test_a_district_name_is_never_a_keyword(extractor, district):
    words = [w for w, _ in extractor.keywords(f"天津市{district}小区停水两天了，市民很着急")]
    assert "停水" in words
    short = district.removesuffix("新区").removesuffix("区")
    assert district not in words and short not in words and "天津市" not in words


def test_a_district_in_every_case_is_not_a_hot_topic(casework, clock, extractor, settings):
    texts = [
        "河西区停水了",
        "河西区路灯坏了",
        "河西区小区停水两天",
        "河西区路灯不亮",
        "河西区油烟扰民",
    ]
    for day, text in enumerate(texts, start=23):
        clock.set(f"2026-11-{day} 10:00")
        casework.create_case(text=text, label="help_request", units=["district.hexi"])
    clock.set("2026-11-30 10:00")
    report = hot_topics(casework.db, Period.parse("2026-11-23", "2026-11-29"), extractor, settings)
    words = [t.word for t in report.top]
    assert "停水" in words and "路灯" in words
    assert "河西区" not in words and "河西" not in words


def test_phone_and_house_numbers_are_never_keywords(extractor):
    words = [w for w, _ in extractor.keywords("请回电13900001111，路灯坏了，友谊路10号院路灯不亮")]
    assert "路灯" in words
    assert not any(ch.isdigit() for w in words for ch in w)
