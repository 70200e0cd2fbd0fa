"""Every branch of a call, driven through the stand-in over real HTTP."""

import pytest

from casework.calls import CallLog
from ivr.prompts import spoken_reference
from standin import Hangup, Press, Say, Silence


def dial_targets(call) -> list[str]:
    return [
        number.text.strip()
        for doc in call.twiml()
        for dial in doc.iter("Dial")
        for number in dial.iter("Number")
    ] + [
        dial.text.strip()
        for doc in call.twiml()
        for dial in doc.iter("Dial")
        if dial.text and dial.text.strip()
    ]


# --------------------------------------------------------------------------- welcome


def test_welcome_reminds_of_emergency_numbers_and_offers_the_menu(phone):
    call = phone(Hangup())
    first = call.twiml()[0]
    gather = first.find("Gather")
    assert gather is not None and gather.get("input") == "dtmf speech"
    assert gather.get("language") == "zh-CN"
    welcome = " ".join(say.text for say in gather.iter("Say"))
    for number in ("110", "119", "120"):
        assert number in welcome
    assert "请按1" in welcome and "请按0" in welcome
    assert call.record.outcome == "abandoned" and call.record.case_ref is None


def test_nine_repeats_the_menu(phone):
    call = phone(Press("9"), Hangup())
    assert sum("请按1" in text for text in call.texts) == 2


# --------------------------------------------------------------------------- emergency


@pytest.mark.parametrize(
    ("words", "number"),
    [
        ("救命啊 我家厨房着火了 烟特别大", "119"),
        ("我爸突然晕倒了 叫不醒 快来人", "120"),
        ("有人拿着刀在小区里砍人", "110"),
    ],
)
def test_emergency_is_said_at_once_and_transferred(phone, words, number):
    call = phone(Say(words))
    assert call.record.outcome == "emergency_transfer"
    assert call.record.emergency == number and call.record.dialed == number
    assert call.record.case_ref is None
    last = call.twiml()[-2] if call.record.dial_status else call.twiml()[-1]
    verbs = [child.tag for child in last]
    assert verbs[:2] == ["Say", "Dial"]
    assert number in last.find("Say").text and dial_targets(call) == [number]


def test_failed_emergency_transfer_tells_the_caller_to_dial_directly(phone, standin):
    standin.dial_outcomes["119"] = "busy"
    call = phone(Say("楼道里着火了 火很大"))
    assert call.record.dial_status == "busy"
    final = call.texts[-1]
    assert final.count("119") >= 2 and "直接拨打" in final


def test_emergency_numbers_are_configurable(phone, monkeypatch, app):
    from dataclasses import replace

    voice = app.extensions["voice_settings"]
    app.extensions["voice_settings"] = replace(
        voice, emergency_numbers={**voice.emergency_numbers, "120": "+862200000120"}
    )
    call = phone(Say("我妈心脏病犯了 喘不上气"))
    assert call.record.emergency == "120" and call.record.dialed == "+862200000120"


# --------------------------------------------------------------------------- declined


@pytest.mark.parametrize(
    ("words", "label", "where"),
    [
        ("我跟邻居因为借钱的事闹矛盾 他欠我两万块不还", "excluded_civil", "调解"),
        ("我这个劳动纠纷案子已经在法院起诉了 想让你们催一催法官", "excluded_legal", "法院"),
        ("部队营区旁边的训练噪音太大 想反映一下部队的事", "excluded_military", "部队"),
    ],
)
def test_declined_matters_are_explained_kindly(phone, words, label, where):
    call = phone(Say(words), Hangup())
    assert call.record.label == label and call.record.outcome == "declined"
    assert call.record.case_ref is None
    assert any(where in text for text in call.texts)
    assert call.said("如需反映其他事项请按1")


def test_after_a_decline_one_goes_back_to_the_menu(phone):
    call = phone(
        Say("邻居家欠我钱不还"), Press("1"), Say("我们小区路灯坏了好几天了"), Press("1"), Press("#")
    )
    assert call.record.outcome == "case_created" and call.record.label == "help_request"


# --------------------------------------------------------------------------- inquiry


def test_inquiry_is_answered_and_rated(phone, casework):
    call = phone(Say("外地人在天津怎么办居住证"), Press("2"))
    assert call.record.outcome == "answered" and call.record.label == "inquiry"
    rating_doc = call.twiml()[1]
    gather = rating_doc.find("Gather")
    spoken = " ".join(say.text for say in gather.iter("Say"))
    assert "居住证" in spoken and "满意请按1" in spoken and "请按0" in spoken
    kb_id = call.record.state["kb_id"]
    assert CallLog(casework.db).ratings() == [(kb_id, 2)]
    assert call.said("感谢您的评价")


def test_inquiry_then_zero_goes_to_an_agent(phone):
    call = phone(Say("供暖期是从几月几号到几月几号"), Press("0"))
    assert call.record.outcome == "agent_message" and call.record.case_ref


def test_inquiry_without_a_confident_answer_goes_to_an_agent(phone):
    call = phone(Press("1"), Say("我想咨询一下关于那个什么政策的规定"))
    assert call.record.outcome == "agent_message"
    assert "kb_id" not in call.record.state


def test_no_rating_asked_twice_ends_politely(phone, casework):
    call = phone(Say("居住证怎么办理"), Silence(), Silence())
    assert call.record.outcome == "answered"
    assert CallLog(casework.db).ratings() == []
    assert call.texts[-1].endswith("再见。")


# --------------------------------------------------------------------------- enterprises


def test_household_service_recommends_best_rated_enterprises_and_connects(phone, casework):
    call = phone(Say("我的钥匙锁在家里了 想找个开锁师傅"), Press("2"))
    assert call.record.outcome == "enterprise_referral"
    offer = " ".join(t for t in call.texts if "请按" in t)
    assert offer.index("津安开锁") < offer.index("河西便民开锁") < offer.index("南开快捷锁业")
    assert "老城开锁" not in offer  # inactive
    assert call.record.dialed == "+8622000002" and dial_targets(call) == ["+8622000002"]
    with casework.db.engine.connect() as c:
        from sqlalchemy import text

        rows = c.execute(text("SELECT service FROM referrals")).scalars().all()
    assert rows == ["unlocking"]


# --------------------------------------------------------------------------- cases


def test_help_request_becomes_a_dispatched_case_read_back_digit_by_digit(phone, casework):
    call = phone(
        Press("2"),
        Say("我家小区停水两天了 就在河西区友谊路"),
        Press("1"),
        Say("河西区友谊路十号院"),
    )
    record = call.record
    assert record.outcome == "case_created" and record.case_ref
    case = casework.get_case(record.case_ref)
    assert case.label == "help_request" and case.status == "assigned"
    assert case.unit == "utility.water" and case.location == "河西区友谊路十号院"
    assert case.caller == "138****5678" and case.call_sid == record.call_sid
    readback = next(t for t in call.texts if "编号" in t)
    assert spoken_reference(record.case_ref) in readback  # digit by digit, 1 read as 幺
    assert "幺" in readback and record.case_ref not in readback
    assert any("天津水务集团" in t and "3个工作日" in t for t in call.texts)
    assert call.twiml()[-1][-1].tag == "Hangup"


def test_callback_number_keyed_in_and_validated(phone, casework):
    call = phone(
        Say("我要投诉区政务服务中心窗口的工作人员态度很差"),
        Press("2"),
        Press("12345#"),
        Press("13912345678#"),
        Press("#"),
    )
    assert call.said("您输入的号码不正确")
    case = casework.get_case(call.record.case_ref)
    assert case.caller == "139****5678" and case.label == "complaint"


def test_callback_number_confirmed_or_changed_by_voice(phone, casework):
    kept = phone(Say("我家小区停水两天了"), Say("是的 就用这个号"), Say("河西区友谊路十号院"))
    case = casework.get_case(kept.record.case_ref)
    assert case.caller == "138****5678" and case.location == "河西区友谊路十号院"

    changed = phone(Say("我家小区停水两天了"), Say("不是 换一个号码"), Press("13912345678#"))
    assert changed.said("请输入您的手机号码")
    assert casework.get_case(changed.record.case_ref).caller == "139****5678"


def test_anonymous_caller_is_asked_for_a_number(phone, casework):
    call = phone(
        Say("我要反映一下小区门口的路灯坏了"),
        Press("022-23456789#"),
        Press("#"),
        caller_id="anonymous",
    )
    assert not call.said("尾号")
    assert casework.get_case(call.record.case_ref).caller == "022****6789"


def test_shortcut_narrows_the_label(phone):
    call = phone(Press("4"), Say("建议在我们小区附近多设几个公交站"), Press("1"), Press("#"))
    assert call.record.label == "suggestion" and call.record.outcome == "case_created"


# --------------------------------------------------------------------------- agents


def test_zero_hands_over_to_an_agent_and_still_registers(phone, casework):
    call = phone(Press("0"))
    assert call.record.outcome == "agent_message"  # nobody on duty: a message, not an agent
    case = casework.get_case(call.record.case_ref)
    assert "agent" in casework.history(case.ref)[0].reason
    assert call.said("编号")


def test_two_silences_hand_over_to_an_agent(phone):
    call = phone(Silence(), Silence())
    assert call.said("没有听清楚")
    assert call.record.outcome == "agent_message" and call.record.case_ref


def test_two_unintelligible_answers_hand_over_to_an_agent(phone, casework):
    call = phone(Say("嗯 那个 啊"), Say("喂喂 嗯"))
    assert call.record.outcome == "agent_message"
    assert "嗯" in casework.get_case(call.record.case_ref).text


# --------------------------------------------------------------------------- hang-ups


@pytest.mark.parametrize(
    ("steps", "outcome", "case_expected"),
    [
        ([Hangup()], "abandoned", False),
        ([Press("2"), Hangup()], "abandoned", False),
        ([Say("我家楼下的路灯坏了好几天了"), Hangup()], "abandoned", True),
        ([Say("我家楼下的路灯坏了好几天了"), Press("2"), Hangup()], "abandoned", True),
        ([Say("我家楼下的路灯坏了好几天了"), Press("1"), Hangup()], "abandoned", True),
        ([Say("居住证怎么办理"), Hangup()], "answered", False),
        ([Say("钥匙锁家里了 找开锁的"), Hangup()], "abandoned", False),
    ],
)
def test_hanging_up_at_each_step_loses_nothing(phone, casework, steps, outcome, case_expected):
    call = phone(*steps)
    assert call.record.outcome == outcome
    assert call.record.status == "completed" and call.record.duration is not None
    if case_expected:
        case = casework.get_case(call.record.case_ref)
        assert casework.history(case.ref)[0].reason == "caller hung up before confirming"
        assert "路灯" in case.text
    else:
        assert call.record.case_ref is None


def test_a_wrong_key_for_an_enterprise_is_asked_once_more(phone, standin):
    standin.dial_outcomes["+8622000001"] = "no-answer"
    call = phone(Say("家里钥匙丢了 进不去门 找开锁的"), Press("7"), Press("1"))
    assert sum("请您选择" in t for t in call.texts) == 2
    assert call.record.outcome == "enterprise_referral" and call.record.dial_status == "no-answer"
    assert call.said("暂时没有接通")
