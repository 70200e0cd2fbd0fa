"""The periodic brief (工作简报, article 18): one HTML file with inline SVG charts, and CSV
files of the same figures, topics and unit scores, for a period.

Nothing personal goes in: no phone numbers, no caller's words, only counts,
rates, keywords and unit names.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

from casework.privacy import mask_phones_in
from casework.reports import charts, names
from casework.reports.figures import Figures, Rate
from casework.reports.period import Period
from casework.reports.scores import PART_NAMES, UnitScore
from casework.reports.settings import SCORE_PARTS
from casework.reports.topics import TopicReport


@dataclass(frozen=True)
class Brief:
    period: Period
    figures: Figures
    topics: TopicReport
    scores: list[UnitScore]
    escalated: int
    overdue: int
    reopened: int
    min_cases: int = 0  # units with fewer cases are not ranked


@dataclass(frozen=True)
class BriefFiles:
    html: Path
    figures_csv: Path
    topics_csv: Path
    units_csv: Path

    def all(self) -> list[Path]:
        return [self.html, self.figures_csv, self.topics_csv, self.units_csv]


def write_brief(brief: Brief, out: Path) -> BriefFiles:
    """Write the brief's files into ``out`` (created if missing); returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    stem = f"brief-{brief.period.start.isoformat()}_{brief.period.end.isoformat()}"
    files = BriefFiles(
        out / f"{stem}.html",
        out / f"{stem}-figures.csv",
        out / f"{stem}-topics.csv",
        out / f"{stem}-units.csv",
    )
    files.html.write_text(render_html(brief), encoding="utf-8")
    _write_csv(files.figures_csv, ["section", "item", "value", "numerator", "denominator"],
               figure_rows(brief))  # fmt: skip
    _write_csv(
        files.topics_csv,
        ["kind", "rank", "word", "cases", "previous_cases", "weight", "districts"],
        topic_rows(brief.topics),
    )
    _write_csv(
        files.units_csv,
        ["rank", "unit", "name", "cases", *SCORE_PARTS, "score"],
        unit_rows(brief.scores),
    )
    return files


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    # UTF-8 with a BOM, so spreadsheet programs open the Chinese text correctly.
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _rate_cells(rate: Rate) -> list:
    value = "" if rate.value is None else f"{rate.value:.4f}"
    return [value, rate.numerator, rate.denominator]


def figure_rows(brief: Brief) -> list[list]:
    f, calls = brief.figures, brief.figures.calls
    rows: list[list] = [
        ["calls", "total", calls.total, "", ""],
        ["calls", "by_ivr", calls.by_ivr, "", ""],
        ["calls", "by_agents", calls.by_agents, "", ""],
        ["calls", "abandoned", calls.abandoned, "", ""],
    ]
    rows += [["calls_outcome", k, v, "", ""] for k, v in calls.outcomes.items()]
    rows += [["emergency", k, v, "", ""] for k, v in calls.emergency.items()]
    rows.append(["emergency", "failed", calls.emergency_failed, "", ""])
    rows += [["declined", k, v, "", ""] for k, v in calls.declined.items()]
    rows.append(["inquiries", "answered", calls.answered, "", ""])
    rows += [["answer_ratings", str(k), v, "", ""] for k, v in sorted(f.ratings.items())]
    rows.append(["cases", "total", f.cases, "", ""])
    rows += [["cases_by_label", k, v, "", ""] for k, v in f.by_label.items()]
    rows += [["cases_by_status", k, v, "", ""] for k, v in f.by_status.items()]
    rows += [["cases_by_district", k, v, "", ""] for k, v in f.by_district.items()]
    rows += [["cases_by_unit", k, v, "", ""] for k, v in f.by_unit().items()]
    for key in (
        "on_time_accept",
        "on_time_complete",
        "return_rate",
        "reopen_rate",
        "satisfaction",
        "callback_reach",
    ):
        rows.append(["rates", key, *_rate_cells(getattr(f, key))])
    rows += [["by_day", d.isoformat(), "", calls_, cases] for d, calls_, cases in f.days]
    rows += [
        ["attention", "escalated", brief.escalated, "", ""],
        ["attention", "overdue", brief.overdue, "", ""],
        ["attention", "reopened", brief.reopened, "", ""],
    ]
    return rows


def topic_rows(report: TopicReport) -> list[list]:
    rows = []
    for kind, topics in (("top", report.top), ("rising", report.rising)):
        for rank, t in enumerate(topics, 1):
            where = "; ".join(f"{d} {n}" for d, n in t.districts.items())
            rows.append([kind, rank, mask_phones_in(t.word), t.cases, t.previous, t.weight, where])
    return rows


def unit_rows(scores: list[UnitScore]) -> list[list]:
    def cell(value: float | None) -> str:
        return "" if value is None else f"{value:.4f}"

    return [
        [
            "" if s.rank is None else s.rank,
            s.code,
            s.name,
            s.cases,
            *[cell(s.parts[p]) for p in SCORE_PARTS],
            "" if s.score is None else s.score,
        ]
        for s in scores
    ]


# ----------------------------------------------------------------- HTML

_STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
  color: #1f2933; max-width: 1100px; margin: 24px auto; padding: 0 24px; line-height: 1.6; }
h1 { font-size: 22px; border-bottom: 3px solid #0b4f8a; padding-bottom: 8px; }
h2 { font-size: 18px; margin-top: 28px; color: #0b4f8a; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid #d9e2ec; padding: 4px 10px; text-align: left; }
th { background: #eef2f7; }
.kpis td { font-size: 18px; font-weight: 600; }
.charts { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.muted { color: #616e7c; font-size: 13px; }
"""


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(brief: Brief) -> str:
    f, calls, period = brief.figures, brief.figures.calls, brief.period
    title = f"88908890 便民服务专线工作简报（{period.start} 至 {period.end}）"
    summary = (
        f"本期共受理来电 {calls.total} 通，其中语音自助办结 {calls.by_ivr} 通、转人工坐席 "
        f"{calls.by_agents} 通；登记事项 {f.cases} 件。按时签收率 {f.on_time_accept.percent()}，"
        f"按时办结率 {f.on_time_complete.percent()}，回访满意率 {f.satisfaction.percent()}。"
    )
    if brief.topics.top:
        words = "、".join(t.word for t in brief.topics.top[:5])
        summary += f"群众反映较多的是：{escape(words)}。"
    kpis = [
        ("来电", str(calls.total)),
        ("登记事项", str(f.cases)),
        ("按时签收率", f.on_time_accept.percent()),
        ("按时办结率", f.on_time_complete.percent()),
        ("退回率", f.return_rate.percent()),
        ("重办率", f.reopen_rate.percent()),
        ("满意率", f.satisfaction.percent()),
        ("回访接通率", f.callback_reach.percent()),
    ]
    call_items = [(names.CALL_OUTCOMES.get(k, k), v) for k, v in calls.outcomes.items() if v]
    label_items = [(names.label_name(k), v) for k, v in f.by_label.items()]
    emergency = "，".join(f"{n} 转接 {v} 通" for n, v in calls.emergency.items())
    declined = "，".join(f"{names.label_name(k)} {v} 通" for k, v in calls.declined.items())
    ratings = "，".join(
        f"{names.RATING_NAMES.get(k, k)} {f.ratings.get(k, 0)}" for k in sorted(names.RATING_NAMES)
    )
    parts = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="muted">统计口径：来电、咨询评价与回访按发生时间计入本期；事项为本期登记的事项，'
        f"按截至 {escape(_local(f))} 的办理情况统计（北京时间）。</p>",
        "<h2>一、总体情况</h2>",
        f"<p>{summary}</p>",
        '<table class="kpis"><tr>'
        + "".join(f"<th>{escape(k)}</th>" for k, _ in kpis)
        + "</tr><tr>"
        + "".join(f"<td>{escape(v)}</td>" for _, v in kpis)
        + "</tr></table>",
        f'<div class="charts">{charts.trend_chart(f.days)}</div>',
        "<h2>二、来电处理</h2>",
        f'<div class="charts">{charts.bar_chart(call_items, "来电处理方式", 520, "通")}</div>',
        f"<p>紧急警情：{escape(emergency)}"
        + (f"（其中未接通 {calls.emergency_failed} 通）" if calls.emergency_failed else "")
        + f"。不予受理：{escape(declined or '无')}。知识库直接答复咨询 {calls.answered} 通，"
        f"评价 {f.ratings_given} 次（{escape(ratings)}）。</p>",
        "<h2>三、事项分布</h2>",
        '<div class="charts">'
        + charts.bar_chart(label_items, "事项类别", 460, "件")
        + charts.district_grid(f.by_district)
        + "</div>",
        "<h2>四、热点诉求</h2>",
        _topics_html(brief.topics),
        "<h2>五、承办单位考评</h2>",
        _scores_html(brief.scores),
        '<p class="muted">得分为满意率、按时签收率、按时办结率、未退回率、未重办率的加权平均'
        f"（权重见 data/reports.yaml）；本期事项少于 {brief.min_cases} 件的单位不参加排名。</p>",
        "<h2>六、需关注事项</h2>",
        f"<p>截至统计时：待市审批办指定主办单位 {brief.escalated} 件，超期未办 {brief.overdue} 件，"
        f"重办中 {brief.reopened} 件。</p>",
    ]
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        + "\n".join(parts)
        + "</body></html>\n"
    )


def _local(figures: Figures) -> str:
    return figures.now.astimezone(ZoneInfo(figures.period.timezone)).strftime("%Y-%m-%d %H:%M")


def _topics_html(report: TopicReport) -> str:
    if not report.top:
        return "<p>本期事项较少，未形成明显热点。</p>"
    top = [
        [i, mask_phones_in(t.word), t.cases, t.previous, "、".join(list(t.districts)[:3])]
        for i, t in enumerate(report.top, 1)
    ]
    html = _table(["排名", "关键词", "本期事项", "上期事项", "主要区域"], top)
    if report.rising:
        rising = [
            [
                mask_phones_in(t.word),
                t.cases,
                t.previous,
                f"+{t.cases - t.previous}" if t.previous else "新出现",
            ]
            for t in report.rising
        ]
        html += "<p>与上期相比明显上升的诉求：</p>" + _table(
            ["关键词", "本期", "上期", "变化"], rising
        )
    return html


def _scores_html(scores: list[UnitScore]) -> str:
    if not scores:
        return "<p>本期没有承办单位的数据。</p>"

    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value * 100:.1f}%"

    rows = [
        [
            "—" if s.rank is None else s.rank,
            s.name,
            s.cases,
            *[pct(s.parts[p]) for p in SCORE_PARTS],
            "—" if s.score is None else f"{s.score:.1f}",
        ]
        for s in scores
    ]
    return _table(["排名", "承办单位", "事项", *[PART_NAMES[p] for p in SCORE_PARTS], "得分"], rows)
