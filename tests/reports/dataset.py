"""A known week of hotline work, made through the real services, for the reports' tests.

The period is Monday 23 to Sunday 29 November 2026 (Beijing); the figures are
judged on Monday 30 November at 10:00. Every expected figure is worked out by
hand in tests/reports/test_reports_figures.py from what happens here.
"""

from __future__ import annotations

from dataclasses import dataclass

from callbacks.service import Callbacks
from callbacks.settings import CallbackSettings
from casework.calls import CallLog
from casework.service import Casework, Who

WATER = Who.unit_user("utility.water")
POWER = Who.unit_user("utility.power")
HEXI = Who.unit_user("district.hexi")
HEPING = Who.unit_user("district.heping")
CITIZEN = "13812345678"
JUDGED_AT = "2026-11-30 10:00"


@dataclass(frozen=True)
class Week:
    before: str  # H: registered the Friday before, its callback in the week
    a: str  # water: accepted and resolved on time, satisfied → closed
    b: str  # 河西区: accepted late, resolved on time, callback unreachable
    c: str  # power returned it; water accepted on time, still handling past the deadline
    d: str  # water never accepted it
    e: str  # 和平区: accepted, resolved, callback unsolved → reopened
    f: str  # registered only
    g: str  # three units → escalated to the approval office


def make_week(casework: Casework, clock) -> Week:
    calls = CallLog(casework.db, clock)
    callbacks = Callbacks.build(
        casework,
        CallbackSettings(calls_per_second=100, max_concurrent_calls=100, max_attempts=1),
    )

    def case(at: str, text: str, label: str, units: list[str] | None, **kw) -> str:
        clock.set(at)
        made = casework.create_case(text=text, label=label, units=units, caller=CITIZEN, **kw)
        return made.ref

    def at(moment: str, action, *args):
        clock.set(moment)
        return action(*args)

    def call(moment: str, sid: str, outcome: str | None, **fields) -> None:
        clock.set(moment)
        record = calls.begin(
            sid, CITIZEN, "+862288908890", direction=fields.pop("direction", "inbound")
        )
        calls.save(record.but(outcome=outcome, status="completed", **fields))

    def survey(moment: str, answers: dict[str, dict | None]) -> None:
        """Dial the due callbacks at ``moment``; None = nobody answers."""
        clock.set(moment)
        callbacks.store.schedule_new()
        for claimed in callbacks.store.claim("test"):
            view = callbacks.store.get(claimed.id)
            ref = casework.case_ref(view.case_id)
            given = answers[ref]
            if given is None:
                callbacks.finish_attempt(claimed.id, "no-answer")
            else:
                outcome = callbacks.apply_answers(view, given)
                callbacks.finish_attempt(claimed.id, "completed", outcome, given)

    satisfied = {"solved": "yes", "satisfaction": 1}
    unsolved = {"solved": "no", "satisfaction": 2}

    h = case("2026-11-20 09:00", "自来水水压太低，楼上没水", "help_request", ["utility.water"])
    at("2026-11-20 10:00", casework.accept, h, WATER)
    at("2026-11-20 15:00", casework.resolve, h, "已调整水压", WATER)
    call("2026-11-22 23:59", "CA-before", "answered", label="inquiry")  # Sunday: before

    a = case(
        "2026-11-23 09:00", "小区停水三天了，自来水管道破裂", "help_request", ["utility.water"]
    )
    b = case(
        "2026-11-23 09:10", "河西区小海地的路灯坏了，晚上很黑", "help_request", ["district.hexi"]
    )
    c = case("2026-11-23 09:20", "楼道停电，电表箱冒烟", "help_request", ["utility.power"])
    survey("2026-11-23 09:30", {h: satisfied})
    at("2026-11-23 10:00", casework.accept, a, WATER)
    at("2026-11-23 11:00", casework.return_case, c, "供水管线问题，不属于本单位", POWER)
    at("2026-11-23 11:30", casework.assign, c, ["utility.water"])
    at("2026-11-23 14:00", casework.accept, c, WATER)

    call("2026-11-23 00:30", "CA-1", "emergency_transfer", label="emergency", emergency="119",
         dial_status="completed")  # fmt: skip
    call("2026-11-23 10:05", "CA-2", "emergency_transfer", label="emergency", emergency="110",
         dial_status="failed")  # fmt: skip
    call("2026-11-23 10:10", "CA-3", "emergency_transfer", label="emergency", emergency="110",
         dial_status="completed")  # fmt: skip
    call("2026-11-23 10:15", "CA-4", "declined", label="excluded_civil")
    call("2026-11-23 10:20", "CA-5", "declined", label="excluded_legal")
    call("2026-11-24 10:25", "CA-6", "declined", label="excluded_civil")
    for n, (kb, rating) in enumerate(
        [("kb-water-outage", 1), ("kb-heating", 3), ("kb-heating", 3), ("kb-heating", 2)], 7
    ):
        call(f"2026-11-24 11:{n:02d}", f"CA-{n}", "answered", label="inquiry")
        calls.rate_answer(f"CA-{n}", kb, rating)
    call("2026-11-24 11:20", "CA-11", "case_created", label="help_request")
    call("2026-11-24 11:25", "CA-12", "agent_transfer", label="complaint")
    call("2026-11-25 11:30", "CA-13", "abandoned")
    call("2026-11-25 11:35", "CA-14", "enterprise_referral", label="enterprise_service")
    call("2026-11-25 11:40", "CA-15", None)  # no outcome recorded
    call("2026-11-25 11:45", "CA-16", "answered", direction="outbound")  # a survey call

    d = case(
        "2026-11-24 09:00", "路面塌陷了一个大坑，自来水往外冒", "help_request", ["utility.water"]
    )
    e = case(
        "2026-11-24 09:30", "和平区南京路工地夜间施工噪音扰民", "suggestion", ["district.heping"]
    )
    at("2026-11-24 10:00", casework.accept, e, HEPING)
    at("2026-11-24 10:00", casework.resolve, a, "已抢修管道，恢复供水", WATER)
    at("2026-11-24 16:00", casework.resolve, e, "已要求工地夜间停工", HEPING)

    at("2026-11-25 09:00", casework.accept, b, HEXI)
    survey("2026-11-25 09:30", {a: satisfied, e: unsolved})
    f = case("2026-11-25 10:00", "反映办事窗口工作人员态度差", "complaint", None)
    g = case(
        "2026-11-25 10:30",
        "南开区与河北区交界处燃气管道泄漏后无人维修",
        "complaint",
        ["district.nankai", "district.hebei", "utility.gas"],
    )
    at("2026-11-25 11:00", casework.escalate, g, "涉及三个单位，请指定主办单位")
    at("2026-11-25 15:00", casework.resolve, b, "路灯已修复", HEXI)
    survey("2026-11-26 09:30", {b: None})
    call("2026-11-29 23:59", "CA-last", "answered", label="inquiry")  # Sunday: the last minute
    call("2026-11-30 00:00", "CA-after", "answered", label="inquiry")  # Monday: after
    clock.set(JUDGED_AT)
    return Week(h, a, b, c, d, e, f, g)
