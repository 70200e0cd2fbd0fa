"""Call records, answer ratings, member enterprises, and one case per call."""

import threading

import pytest

from casework.calls import CallLog, EnterpriseSpec, read_enterprise_file
from casework.config import REPO_ROOT
from casework.lifecycle import Conflict, InvalidInput

SID = "CA" + "a" * 32


@pytest.fixture
def calllog(casework):
    return CallLog(casework.db, casework.clock)


def test_begin_is_idempotent_and_save_checks_the_version(calllog):
    first = calllog.begin(SID, "+8613812345678", "88908890")
    assert calllog.begin(SID, "+8613812345678", "88908890") == first
    saved = calllog.save(first.but(step="menu", state={"misses": 1}))
    assert saved.version == first.version + 1 and saved.state == {"misses": 1}
    with pytest.raises(Conflict):
        calllog.save(first.but(step="stale"))
    assert calllog.get(SID).step == "menu"


def test_a_finished_call_gets_its_end_time(calllog):
    call = calllog.begin(SID, None, None)
    ended = calllog.save(call.but(status="completed", duration=42, outcome="answered"))
    assert ended.finished and ended.duration == 42


def test_one_rating_per_call(calllog):
    calllog.rate_answer(SID, "kb-juzhuzheng-apply", 1)
    calllog.rate_answer(SID, "kb-juzhuzheng-apply", 3)  # the same webhook again
    assert calllog.ratings() == [("kb-juzhuzheng-apply", 1)]
    with pytest.raises(InvalidInput):
        calllog.rate_answer("CA" + "b" * 32, "kb-x", 7)


def test_enterprises_best_rated_first_and_inactive_never(calllog):
    _, specs = read_enterprise_file(REPO_ROOT / "data" / "enterprises.yaml")
    assert all(s.sample for s in specs)
    calllog.load_enterprises(specs)
    offered = calllog.enterprises_for("unlocking")
    assert [e.code for e in offered] == [
        "sample.lock.jinan",
        "sample.lock.hexi",
        "sample.lock.nankai",
    ]
    assert "sample.lock.old" not in {e.code for e in calllog.enterprises_for("unlocking", 10)}
    calllog.load_enterprises(
        [
            EnterpriseSpec(
                "sample.lock.jinan", "津安开锁", "+8622000001", ("unlocking",), active=False
            )
        ]
    )
    assert calllog.enterprises_for("unlocking")[0].code == "sample.lock.hexi"
    assert calllog.enterprises_for("nothing") == []


def test_service_catalog_finds_the_service_in_what_was_said():
    catalog, _ = read_enterprise_file(REPO_ROOT / "data" / "enterprises.yaml")
    assert catalog.service_in("我钥匙锁在家里了进不去门") == "unlocking"
    assert catalog.service_in("家里洗衣机坏了想找人修理") == "appliance_repair"
    assert catalog.service_in("路灯不亮") is None


def test_bad_enterprise_file_is_a_clear_error(tmp_path):
    path = tmp_path / "enterprises.yaml"
    path.write_text(
        "services: {a: {name: A}}\nenterprises:\n"
        "  - {code: x, name: X, phone: '1', services: [b]}\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput, match="not listed"):
        read_enterprise_file(path)


def test_a_call_makes_one_case_even_when_asked_twice_at_once(casework):
    results = []

    def make():
        results.append(
            casework.create_case(
                text="路灯不亮",
                label="help_request",
                call_sid=SID,
                units=["bureau.urban_management"],
            ).ref
        )

    threads = [threading.Thread(target=make) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1 and len(results) == 4
    assert len(casework.list_cases()) == 1
    assert casework.case_for_call(SID).ref == results[0]


def test_a_remark_marks_the_registration(casework):
    case = casework.create_case(
        text="停水", label="help_request", call_sid=SID, remark="caller hung up before confirming"
    )
    assert casework.history(case.ref)[0].reason == "caller hung up before confirming"
