"""Emergencies, negated and past dangers, and inputs that must never crash."""

import pytest

from nlu import LABELS, Decision, classify


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("喂 喂 快来人 那个有人拿着刀在菜市场砍人", "110"),
        ("嗯 我们楼道里着火了 烟特别大 出不去了", "119"),
        ("那个 我家厨房然气味儿特别冲", "119"),
        ("我妈刚才突然晕倒了 叫不醒 快派救护车", "120"),
        # emergency wins over another intent in the same utterance
        ("我本来想投诉物业的 可是现在楼下有人在砸车窗 正在砸", "110"),
        ("我想问一下公积金的事 不对先别说这个 我爸突然喘不上气了", "120"),
    ],
)
def test_emergencies_get_their_number(text, number):
    decision = classify(text)
    assert decision.label == "emergency"
    assert decision.emergency == number
    assert decision.unit is None
    assert not decision.low_confidence


@pytest.mark.parametrize(
    "text",
    [
        "不是着火 就是楼道里的灯坏了好几天了",
        "上个月着过火 现在想问问保险理赔需要啥证明",
        "没有闻到然气味 就是燃气表不走了",
        "去年我家着火的事早就处理完了 我想问问烟感报警器哪里能买",
        "万一着火了 消防车都开不进来 我要举报小区消防通道被占",
        "如果有人晕倒了 附近哪有能用的除颤仪 我就是咨询一下",
        "我不是报警 我是想投诉派出所窗口的民警态度不好",
        "前两天我爸犯过心脏病 现在已经出院了 想问问门特怎么申请",
        "没人受伤 就是昨晚的大风把小区的广告牌刮歪了",
    ],
)
def test_negated_past_or_hypothetical_danger_is_no_emergency(text):
    decision = classify(text)
    assert decision.label != "emergency", decision.to_dict()
    assert decision.emergency is None


def test_cancelled_words_are_reported_for_audit():
    decision = classify("不是着火 是楼道的灯坏了")
    assert any(word.startswith("着火") for word in decision.cancelled)


def test_matched_rules_explain_the_decision():
    decision = classify("嗯 我要投诉街道办的工作人员 态度特别差")
    assert decision.label == "complaint"
    words = [w for m in decision.matched for w in m.words]
    assert "工作人员" in words
    assert all(m.rule for m in decision.matched)


@pytest.mark.parametrize(
    "text",
    ["", "   \t\n ", "啊" * 10_000, "那个" * 5_000, "hello I need help with my gas bill",
     "😀😀🔥🔥", "1234567890", "。，！？", "\x00\x01", "ｆｕｌｌ　ｗｉｄｔｈ　１２０"],
)
def test_odd_input_gets_a_valid_low_confidence_answer(text):
    decision = classify(text)
    assert isinstance(decision, Decision)
    assert decision.label in LABELS
    assert 0.0 <= decision.confidence <= 1.0
    assert decision.low_confidence
    assert decision.to_dict()["label"] == decision.label


def test_very_long_input_with_an_emergency_inside_is_still_found():
    text = "那个 嗯 " * 200 + "我家着火了 快来人" + " 就是" * 200
    decision = classify(text)
    assert decision.label == "emergency"


def test_non_string_input_does_not_crash():
    decision = classify(None)  # type: ignore[arg-type]
    assert decision.low_confidence


def test_confidence_is_high_for_clear_cases_and_low_for_vague_ones():
    clear = classify("我想咨询一下 居住证怎么办理 需要什么材料")
    vague = classify("那个 嗯 就是 我想说一下")
    assert clear.label == "inquiry"
    assert clear.confidence > vague.confidence
    assert not clear.low_confidence
    assert vague.low_confidence


def test_decision_is_frozen():
    decision = classify("停电了")
    with pytest.raises(AttributeError):
        decision.label = "emergency"  # type: ignore[misc]
