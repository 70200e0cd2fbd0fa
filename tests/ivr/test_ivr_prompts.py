"""Prompts: one editable file, natural read-back of numbers, recorded audio instead of speech."""

import pytest
from twilio.twiml.voice_response import VoiceResponse

from casework.config import REPO_ROOT
from ivr.flows.intake import callback_number
from ivr.prompts import Prompts, PromptsError, spoken_digits, spoken_reference

SHIPPED = REPO_ROOT / "data" / "prompts.yaml"
NEEDED = [
    "welcome",
    "menu",
    "describe_1",
    "describe_2",
    "describe_3",
    "describe_4",
    "not_heard",
    "bad_key",
    "emergency_110",
    "emergency_119",
    "emergency_120",
    "emergency_failed",
    "decline_excluded_civil",
    "decline_excluded_legal",
    "decline_excluded_military",
    "after_decline",
    "answer_intro",
    "answer_rate",
    "rating_thanks",
    "enterprise_intro",
    "enterprise_option",
    "enterprise_choose",
    "enterprise_connecting",
    "enterprise_failed",
    "intake_unit",
    "intake_no_unit",
    "confirm_number",
    "ask_number",
    "number_invalid",
    "ask_address",
    "case_created",
    "case_deadline",
    "case_no_unit",
    "goodbye",
    "agent_transfer",
    "agent_message",
    "agent_message_no_one",
    "agent_done",
    "agent_done_answered",
    "agent_placeholder",
    "system_error",
]


def test_reference_is_read_digit_by_digit_with_yao_for_one():
    assert spoken_reference("TJ20261126-000123") == "T J，二零二六幺幺二六，零零零幺二三"
    assert spoken_digits("13812345678") == "幺三八幺二三四五六七八"


def test_the_shipped_file_has_every_prompt_the_flows_use():
    prompts = Prompts.load(SHIPPED)
    missing = [key for key in NEEDED if key not in prompts.prompts]
    assert missing == []
    assert prompts.voice and prompts.language.startswith("cmn")
    assert "{number}" in prompts.prompts["emergency_failed"].text


def test_a_prompt_can_be_a_recording(tmp_path):
    path = tmp_path / "prompts.yaml"
    path.write_text(
        "voice: Polly.Zhiyu\nprompts:\n"
        "  welcome: {text: 您好, audio: 'https://example.org/welcome.mp3'}\n"
        "  goodbye: 再见\n",
        encoding="utf-8",
    )
    prompts = Prompts.load(path, voice="Google.cmn-CN-Standard-A")
    response = VoiceResponse()
    prompts.say(response, "welcome")
    prompts.say(response, "goodbye")
    xml = str(response)
    assert "<Play>https://example.org/welcome.mp3</Play>" in xml
    assert 'voice="Google.cmn-CN-Standard-A"' in xml
    with pytest.raises(PromptsError, match="no prompt 'menu'"):
        prompts.say(response, "menu")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+8613812345678", "13812345678"),
        ("13812345678", "13812345678"),
        ("+862223456789", "02223456789"),
        ("02223456789", "02223456789"),
        ("23456789", "02223456789"),  # local Tianjin number without area code
        ("1381234567", None),  # ten digits
        ("12345678901", None),  # not a mobile prefix
        ("", None),
        (None, None),
        ("anonymous", None),
        ("+12025550123", None),
    ],
)
def test_callback_numbers_are_validated(raw, expected):
    assert callback_number(raw) == expected
