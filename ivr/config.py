"""Settings of the phone service, from environment variables with development defaults."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from casework.config import Settings, load_settings

DEV_ACCOUNT_SID = "AC" + "0" * 32
DEV_AUTH_TOKEN = "dev-auth-token-change-me"
HOTLINE_E164 = "+862288908890"  # 88908890 in Tianjin (022), as callbacks call from it
E164 = re.compile(r"\+[1-9]\d{6,14}")


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


@dataclass(frozen=True)
class VoiceSettings:
    account_sid: str
    auth_token: str
    api_base_url: str | None  # the local Twilio stand-in; None means api.twilio.com
    public_url: str | None  # https://hotline.example.gov.cn when behind a proxy
    skip_signature: bool
    emergency_numbers: dict[str, str]
    prompts_file: Path
    enterprises_file: Path
    voice: str | None

    @property
    def uses_dev_credentials(self) -> bool:
        return self.auth_token == DEV_AUTH_TOKEN


def load_voice_settings(settings: Settings | None = None) -> VoiceSettings:
    settings = settings or load_settings()
    return VoiceSettings(
        account_sid=_env("HOTLINE_TWILIO_ACCOUNT_SID", DEV_ACCOUNT_SID),
        auth_token=_env("HOTLINE_TWILIO_AUTH_TOKEN", DEV_AUTH_TOKEN),
        api_base_url=_env("HOTLINE_TWILIO_API_URL") or None,
        public_url=_env("HOTLINE_PUBLIC_URL").rstrip("/") or None,
        skip_signature=_env("HOTLINE_DEV_SKIP_TWILIO_SIGNATURE") == "1",
        emergency_numbers={
            number: _env(f"HOTLINE_DIAL_{number}", number) for number in ("110", "119", "120")
        },
        prompts_file=Path(_env("HOTLINE_PROMPTS_FILE", str(settings.data_dir / "prompts.yaml"))),
        enterprises_file=Path(
            _env("HOTLINE_ENTERPRISES_FILE", str(settings.data_dir / "enterprises.yaml"))
        ),
        voice=_env("HOTLINE_VOICE") or None,
    )


@dataclass(frozen=True)
class TransferSettings:
    """Warm transfer to agents (`docs/agents.md`)."""

    ring_seconds: int = 20  # an agent who does not answer within this is skipped
    max_wait_minutes: float = 3.0  # then the caller may leave a message instead
    announce_seconds: int = 30  # the caller hears their place in the queue this often
    hold_music_url: str | None = None  # played between announcements; silence when unset
    caller_id: str = HOTLINE_E164  # shown to agents and outside numbers we ring


def load_transfer_settings() -> TransferSettings:
    def number(name: str, default: float) -> float:
        raw = _env(name)
        try:
            value = float(raw) if raw else default
        except ValueError as exc:
            raise ValueError(f"{name} must be a number, not {raw!r}") from exc
        if value < 0:
            raise ValueError(f"{name} must not be negative")
        return value

    return TransferSettings(
        ring_seconds=max(5, int(number("HOTLINE_AGENT_RING_SECONDS", 20))),
        max_wait_minutes=number("HOTLINE_AGENT_MAX_WAIT_MINUTES", 3.0),
        announce_seconds=max(10, int(number("HOTLINE_AGENT_ANNOUNCE_SECONDS", 30))),
        hold_music_url=_env("HOTLINE_HOLD_MUSIC_URL") or None,
        caller_id=e164("HOTLINE_AGENT_CALLER_ID", _env("HOTLINE_AGENT_CALLER_ID", HOTLINE_E164)),
    )


def e164(name: str, value: str) -> str:
    """The number as Twilio needs it for a call's From: +, country code, number (E.164)."""
    if not E164.fullmatch(value):
        raise ValueError(
            f"{name} must be an E.164 number such as {HOTLINE_E164} (+, country code, "
            f"area code without its 0, number), not {value!r}"
        )
    return value


def load_proxy_hops() -> int:
    """HOTLINE_PROXY_HOPS: how many reverse proxies in front of the service set
    X-Forwarded-For and X-Forwarded-Proto (0: none, the headers are ignored)."""
    raw = _env("HOTLINE_PROXY_HOPS", "0")
    if not raw.isdigit() or int(raw) > 10:
        raise ValueError(f"HOTLINE_PROXY_HOPS must be a whole number from 0 to 10, not {raw!r}")
    return int(raw)
