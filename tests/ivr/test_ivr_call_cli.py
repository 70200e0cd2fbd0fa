"""`ivr call`: scripted and interactive calls from the terminal through the stand-in."""

import json

import pytest
from click.testing import CliRunner

from ivr.cli import main


@pytest.fixture
def ivr(database_url):
    runner = CliRunner()
    assert runner.invoke(main, ["units", "load"]).exit_code == 0
    assert runner.invoke(main, ["enterprises", "load"]).exit_code == 0

    def run(*args, input=None):
        result = runner.invoke(main, list(args), input=input, catch_exceptions=False)
        return result

    return run


def test_scripted_call_prints_a_json_summary(ivr):
    result = ivr(
        "call",
        "--press",
        "2",
        "--say",
        "我家小区停水两天了 在河西区友谊路",
        "--press",
        "1",
        "--say",
        "友谊路十号",
        "--json",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["outcome"] == "case_created" and summary["label"] == "help_request"
    assert summary["case_ref"].startswith("TJ") and summary["dialed"] is None
    assert summary["prompts"][0].startswith("您好") and "再见" in summary["prompts"][-1]


def test_steps_are_taken_in_the_order_given(ivr):
    result = ivr("call", "--silence", "--say", "救命 楼道着火了", "--json")
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["outcome"] == "emergency_transfer" and summary["dialed"] == "119"
    assert any("没有听清楚" in p for p in summary["prompts"])


def test_when_steps_run_out_the_caller_hangs_up(ivr):
    result = ivr("call", "--hangup", "--json")
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["outcome"] == "abandoned" and summary["case_ref"] is None


def test_interactive_call_reads_lines_as_speech_and_keys(ivr):
    result = ivr("call", input="0\n")
    assert result.exit_code == 0, result.output
    assert "您好，这里是天津市88908890" in result.output
    assert "outcome: agent_message" in result.output


def test_url_points_the_call_at_a_running_service(ivr, casework, app_url):
    result = ivr("call", "--url", app_url, "--say", "邻居欠我钱不还", "--press", "2", "--json")
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["outcome"] == "declined" and summary["label"] == "excluded_civil"
