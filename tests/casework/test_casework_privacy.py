"""Article 15: numbers masked in views, lists and logs."""

import logging

import pytest

from casework.privacy import MaskPhoneNumbers, mask_phone, mask_phones_in


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+8613812345678", "138****5678"),
        ("022-23456789", "022****6789"),
        ("02223456789", "022****6789"),
        ("", ""),
        (None, ""),
        ("110", "***"),
    ],
)
def test_mask_phone(number, masked):
    assert mask_phone(number) == masked


def test_free_text_is_masked_but_other_numbers_kept():
    text = "市民13812345678来电，座机022-23456789，案件TJ20261126-000123，金额1500元"
    masked = mask_phones_in(text)
    assert "13812345678" not in masked and "23456789" not in masked
    assert "138****5678" in masked and "TJ20261126-000123" in masked and "1500元" in masked


def test_log_records_are_masked(caplog):
    logger = logging.getLogger("test.privacy")
    handler = caplog.handler
    handler.addFilter(MaskPhoneNumbers())
    try:
        with caplog.at_level(logging.INFO, logger="test.privacy"):
            logger.info("callback to %s failed", "13912345678")
        assert "139****5678" in caplog.text and "13912345678" not in caplog.text
    finally:
        handler.removeFilter(handler.filters[-1])
