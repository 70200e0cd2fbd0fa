"""`ivr db|units|case|supervise|calendar` as an operator runs them, on a real database."""

import json

import pytest
from click.testing import CliRunner

from casework import migrate
from ivr.cli import main


@pytest.fixture
def ivr(database_url):
    runner = CliRunner()

    def run(*args, ok=True):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    run("units", "load")
    return run


def test_units_load_reports_and_is_idempotent(ivr):
    again = ivr("units", "load")
    assert "0 added, 0 updated" in again.output
    listed = json.loads(ivr("units", "list", "--json").output)
    codes = {u["code"] for u in listed}
    assert {
        "district.heping",
        "district.jizhou",
        "district.binhai",
        "utility.heating",
        "office.approval",
        "center.hotline",
    } <= codes
    assert sum(u["kind"] == "district" for u in listed) == 16


def test_a_case_from_intake_to_archive(ivr):
    created = json.loads(
        ivr(
            "case",
            "create",
            "--text",
            "河西区友谊路的路灯一直不亮",
            "--label",
            "help_request",
            "--caller",
            "13812345678",
            "--location",
            "河西区友谊路",
            "--unit",
            "bureau.urban_management",
            "--json",
        ).output
    )
    ref = created["ref"]
    assert created["status"] == "assigned" and created["caller"] == "138****5678"
    ivr("case", "accept", ref)
    ivr("case", "extend", ref, "--days", "2", "--reason", "需要更换灯杆")
    ivr("case", "extend", ref, "--approve")
    ivr("case", "resolve", ref, "--reply", "已更换灯杆，路灯恢复")
    closed = json.loads(ivr("case", "close", ref, "--json").output)
    assert closed["status"] == "closed"

    shown = ivr("case", "show", ref).output
    for word in (
        "register",
        "assign",
        "accept",
        "request_extension",
        "approve_extension",
        "resolve",
        "close",
        "138****5678",
        "需要更换灯杆",
    ):
        assert word in shown
    assert "13812345678" not in shown
    history = json.loads(ivr("case", "show", ref, "--json").output)["history"]
    assert len(history) == 7


def test_return_reassign_and_escalate_by_sweep(ivr):
    ref = json.loads(
        ivr(
            "case",
            "create",
            "--text",
            "空地堆放垃圾",
            "--label",
            "help_request",
            "--unit",
            "bureau.urban_management",
            "--json",
        ).output
    )["ref"]
    ivr("case", "return", ref, "--reason", "属于物业管理区域")
    ivr("case", "assign", ref, "bureau.housing")
    ivr("case", "return", ref, "--reason", "不属于物业")
    swept = json.loads(ivr("supervise", "sweep", "--json").output)
    assert swept["escalated"] == 1
    ivr("case", "designate", ref, "--lead", "district.hexi", "--co", "bureau.urban_management")
    listed = json.loads(ivr("case", "list", "--unit", "district.hexi", "--json").output)
    assert [c["ref"] for c in listed] == [ref]


def test_errors_are_one_line_with_exit_status_1(ivr):
    ref = json.loads(ivr("case", "create", "--text", "x", "--label", "complaint", "--json").output)[
        "ref"
    ]
    result = ivr("case", "close", ref, ok=False)
    assert result.exit_code == 1
    assert "illegal_transition" in result.output and "Traceback" not in result.output
    as_json = ivr("case", "accept", "TJ20990101-000001", "--json", ok=False)
    assert as_json.exit_code == 1 and json.loads(as_json.output)["error"] == "not_found"
    bad = ivr("case", "create", "--text", "x", "--label", "complaint", "--caller", "abc", ok=False)
    assert bad.exit_code == 1 and "not a phone number" in bad.output


def test_a_unit_acting_on_someone_elses_case_is_refused(ivr):
    ref = json.loads(
        ivr(
            "case",
            "create",
            "--text",
            "x",
            "--label",
            "complaint",
            "--unit",
            "district.hexi",
            "--json",
        ).output
    )["ref"]
    result = ivr("case", "accept", ref, "--unit", "district.nankai", ok=False)
    assert result.exit_code == 1 and "forbidden" in result.output


def test_unit_token_is_printed_once_and_works(ivr, database_url):
    token = ivr("units", "token", "utility.water").output.strip()
    from casework.service import Casework

    assert Casework.from_settings().unit_for_token(token) == "utility.water"
    assert "revoked 1" in ivr("units", "token", "utility.water", "--revoke").output


def test_calendar_check_warns_about_missing_years(ivr, tmp_path, monkeypatch):
    result = ivr("calendar", "check", "--years", "3", ok=False)
    assert result.exit_code == 1 and "no holiday schedule" in result.output
    holidays = tmp_path / "holidays.yaml"
    holidays.write_text(
        "years:\n  2027: {holidays: [2027-01-01]}\n  2028: {}\n  2029: {}\n", encoding="utf-8"
    )
    monkeypatch.setenv("HOTLINE_HOLIDAYS_FILE", str(holidays))
    assert "2027: operator" in ivr("calendar", "check", "--years", "3").output
    assert ivr("calendar", "add", "2026-12-31", "1").output.strip() == "2027-01-04 17:30"


def test_refuses_to_run_on_an_unmigrated_database(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = CliRunner().invoke(main, ["case", "list"])
    assert result.exit_code == 1 and "ivr db upgrade" in result.output
    upgraded = CliRunner().invoke(main, ["db", "upgrade"])
    assert upgraded.exit_code == 0 and migrate.head_revision() in upgraded.output
    assert CliRunner().invoke(main, ["case", "list"]).exit_code == 0


def test_bad_units_file_is_reported_not_a_traceback(ivr, tmp_path):
    bad = tmp_path / "units.yaml"
    bad.write_text("units:\n  - code: x\n    name: 某单位\n    kind: planet\n", encoding="utf-8")
    result = ivr("units", "load", str(bad), ok=False)
    assert result.exit_code == 1 and "kind must be one of" in result.output
