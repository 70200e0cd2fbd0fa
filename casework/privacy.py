"""Article 15: phone numbers never appear in full in logs, lists or reports."""

from __future__ import annotations

import logging
import re

# Mainland mobiles (optionally +86), and landlines such as 022-23456789.
_PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")


def mask_phone(number: str | None) -> str:
    """``13812345678`` → ``138****5678``; landlines keep the area code and last 4 digits."""
    if not number:
        return ""
    digits = re.sub(r"\D", "", number)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) < 7:
        return "*" * len(digits)
    head = 4 if digits.startswith("0") and len(digits) == 12 else 3
    return f"{digits[:head]}****{digits[-4:]}"


def mask_phones_in(text: str) -> str:
    """Mask every phone number inside free text (log lines, caller's words)."""
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)


class MaskPhoneNumbers(logging.Filter):
    """A logging filter that masks phone numbers in every record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_phones_in(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install_log_masking(level: int = logging.INFO) -> None:
    """Attach the masking filter to every root handler, configuring one if there is none."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in root.handlers:
        if not any(isinstance(f, MaskPhoneNumbers) for f in handler.filters):
            handler.addFilter(MaskPhoneNumbers())
