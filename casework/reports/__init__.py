"""The supervisors' reports: figures, work lists, hot topics, unit scores and briefs.

Plain functions over the database, plain values out; no Flask. The migrations'
env imports this package so that any table it defines is seen by Alembic.
"""

from casework.reports import indexes  # noqa: F401  (tables of the migrations)
from casework.reports.figures import Figures, Rate, UnitStats, compute
from casework.reports.lists import (
    CaseLine,
    CaseList,
    LowRated,
    escalated_cases,
    low_rated_answers,
    overdue_cases,
    reopened_cases,
)
from casework.reports.period import Period
from casework.reports.settings import ReportSettings, load_report_settings

__all__ = [
    "CaseLine",
    "CaseList",
    "Figures",
    "LowRated",
    "Period",
    "Rate",
    "ReportSettings",
    "UnitStats",
    "compute",
    "escalated_cases",
    "load_report_settings",
    "low_rated_answers",
    "overdue_cases",
    "reopened_cases",
]
