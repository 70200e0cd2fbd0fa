"""`Reports`: the reports' functions bound to one casework service (its database, clock,
time zone and unit names), with the report settings and the topic extractor loaded once."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

from casework.reports import lists
from casework.reports.brief import Brief
from casework.reports.figures import Figures, compute
from casework.reports.period import Period
from casework.reports.scores import UnitScore, unit_scores
from casework.reports.settings import ReportSettings, default_userdict, load_report_settings
from casework.reports.topics import TopicExtractor, TopicReport, hot_topics
from casework.service import Casework


class Reports:
    def __init__(
        self,
        casework: Casework,
        settings_file: Path | None = None,
        userdict: Path | None = None,
    ) -> None:
        self.casework = casework
        self.settings_file = settings_file
        self.userdict = userdict or default_userdict()
        self._lock = threading.Lock()
        self._extractor: tuple[tuple, TopicExtractor] | None = None

    @property
    def settings(self) -> ReportSettings:
        """Read on every report, so an operator's edit counts at once (the file is small)."""
        return load_report_settings(self.settings_file)

    @property
    def timezone(self) -> str:
        return self.casework.calendar.timezone

    def now(self) -> dt.datetime:
        return self.casework.clock()

    def today(self) -> dt.date:
        """Today in Beijing."""
        return self.now().astimezone(ZoneInfo(self.timezone)).date()

    def period(self, start: str | None, end: str | None) -> Period:
        """The period asked for, or the last seven days up to today (Beijing)."""
        if not start and not end:
            return Period.week_before(self.today(), self.timezone)
        today = self.today().isoformat()
        return Period.parse(start or end or today, end or start or today, self.timezone)

    def figures(self, period: Period) -> Figures:
        return compute(self.casework.db, period, self.now())

    def overdue(self, limit: int = 50) -> lists.CaseList:
        return lists.overdue_cases(self.casework.db, self.now(), limit)

    def escalated(self, limit: int = 50) -> lists.CaseList:
        return lists.escalated_cases(self.casework.db, limit)

    def reopened(self, limit: int = 50) -> lists.CaseList:
        return lists.reopened_cases(self.casework.db, limit)

    def low_rated(self, period: Period, limit: int = 20) -> list[lists.LowRated]:
        return lists.low_rated_answers(self.casework.db, period, self.settings, limit)

    def scores(self, period: Period, figures: Figures | None = None) -> list[UnitScore]:
        return unit_scores(figures or self.figures(period), self.settings)

    def extractor(self, settings: ReportSettings) -> TopicExtractor:
        """The jieba extractor, built once and again only when the stop words change."""
        key = (settings.stop_words, settings.allow_pos, settings.words)
        with self._lock:
            if self._extractor is None or self._extractor[0] != key:
                made = TopicExtractor(
                    self.userdict, settings.stop_words, settings.allow_pos, settings.words
                )
                self._extractor = (key, made)
            return self._extractor[1]

    def topics(self, period: Period) -> TopicReport:
        settings = self.settings
        return hot_topics(self.casework.db, period, self.extractor(settings), settings)

    def brief(self, period: Period) -> Brief:
        """Everything the periodic brief shows (no personal data)."""
        figures = self.figures(period)
        settings = self.settings
        return Brief(
            period=period,
            figures=figures,
            topics=self.topics(period),
            scores=self.scores(period, figures),
            escalated=self.escalated(limit=0).total,
            overdue=self.overdue(limit=0).total,
            reopened=self.reopened(limit=0).total,
            min_cases=settings.min_cases,
        )

    def unit_names(self) -> dict[str, str]:
        return self.casework.unit_names()
