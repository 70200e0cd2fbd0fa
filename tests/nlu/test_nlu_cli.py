"""`ivr classify` through click's CliRunner, both modes."""

import json

from click.testing import CliRunner

from ivr.cli import main

FIELDS = {"text", "label", "emergency", "confidence", "unit", "kb_id", "matched"}


def test_classify_one_text_prints_one_json_object():
    result = CliRunner().invoke(main, ["classify", "嗯 我家楼下着火了 快来人"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= FIELDS
    assert data["label"] == "emergency"
    assert data["emergency"] == "119"
    assert "着火" in result.output  # ensure_ascii=False


def test_classify_jsonl_keeps_order_and_fields():
    lines = [{"text": "我想问一下 居住证怎么办理"}, {"text": ""}, {"text": "停电了好几个小时了"},
             {"text": "有人拿刀砍人", "id": 7}]
    stdin = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n"
    result = CliRunner().invoke(main, ["classify", "--jsonl"], input=stdin)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o["text"] for o in out] == [x["text"] for x in lines]
    assert all(set(o) >= FIELDS for o in out)
    assert [o["label"] for o in out][2:] == ["help_request", "emergency"]
    assert out[3]["emergency"] == "110"
    assert out[1]["confidence"] == 0.0


def test_classify_jsonl_survives_bad_lines():
    stdin = 'not json\n{"no_text": 1}\n["list"]\n{"text": "着火了"}\n'
    result = CliRunner().invoke(main, ["classify", "--jsonl"], input=stdin)
    assert result.exit_code == 0
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 4
    assert out[0]["error"] and out[1]["error"] and out[2]["error"]
    assert out[3]["label"] == "emergency"


def test_classify_without_text_is_a_usage_error():
    result = CliRunner().invoke(main, ["classify"])
    assert result.exit_code == 2
