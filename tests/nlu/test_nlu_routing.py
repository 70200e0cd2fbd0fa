"""Routing of decisions to handling units of data/units.yaml."""

from pathlib import Path

import pytest
import yaml

from nlu import classify
from nlu.paths import data_dir
from nlu.routing import Router

UNITS = {u["code"] for u in yaml.safe_load((data_dir() / "units.yaml").read_text("utf-8"))["units"]}


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("喂 我们这片从早上就停电了 到现在还没来电", "utility.power"),
        ("那个 我们楼暖气不热 屋里才十二度", "utility.heating"),
        ("嗯 我们小区停水了 什么时候能来水", "utility.water"),
        ("老板拖欠工资三个月了 我要举报他欠薪", "bureau.hrss"),
        ("河西区友谊路上的路灯坏了好几天了", "district.hexi"),
        ("我想问一下 居住证怎么办理", "center.hotline"),
    ],
)
def test_routing_examples(text, unit):
    decision = classify(text)
    assert decision.unit == unit, decision.to_dict()


@pytest.mark.parametrize(
    "text",
    [
        "着火了 快来人",  # emergency: transferred to 119, no unit
        "我借给朋友五万块钱他不还",  # excluded civil
        "我的案子法院正在审理",  # excluded legal
        "部队营区的喇叭太吵了",  # excluded military
        "我把钥匙锁家里了 找个开锁师傅",  # member enterprise
    ],
)
def test_declined_transferred_and_enterprise_matters_have_no_unit(text):
    assert classify(text).unit is None


def test_every_routed_unit_exists():
    for text in ["停电了", "暖气不热", "路灯坏了", "南开区有个井盖丢了", "城管把我的摊子收走了"]:
        unit = classify(text).unit
        assert unit is None or unit in UNITS


def test_unroutable_case_gets_no_unit_rather_than_a_guess():
    decision = classify("我觉得应该多举办一些文化活动")
    assert decision.label == "suggestion"
    assert decision.unit is None


def test_router_policy_from_files(tmp_path: Path):
    units = tmp_path / "units.yaml"
    units.write_text(yaml.safe_dump({"units": [
        {"code": "district.a", "kind": "district", "categories": ["help_request"],
         "keywords": ["甲区"]},
        {"code": "bureau.city", "kind": "bureau", "categories": ["help_request"],
         "keywords": ["路灯"]},
        {"code": "utility.x", "kind": "utility", "categories": ["help_request"],
         "keywords": ["停电"], "active": False},
    ]}, allow_unicode=True), "utf-8")
    policy = tmp_path / "routing.yaml"
    policy.write_text(yaml.safe_dump({"no_unit": ["emergency"], "fixed": {"inquiry": "center"},
                                      "district_first": ["bureau.city"]}), "utf-8")
    router = Router.load(policy, units)
    assert router.route("emergency", "甲区路灯") is None
    assert router.route("inquiry", "随便") == "center"
    assert router.route("help_request", "甲区路灯坏了") == "district.a"
    assert router.route("help_request", "路灯坏了") == "bureau.city"
    assert router.route("help_request", "停电了") is None  # inactive unit
    assert router.route("complaint", "甲区路灯") is None  # label not in categories
