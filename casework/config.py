"""Settings from environment variables, with embedded defaults for development.

Every variable is optional. Paths default to folders of the source checkout:
``data/`` holds the operators' editable data files, ``instance/`` the runtime
state (the SQLite database).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-secret-change-me"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    instance_dir: Path
    database_url: str
    secret_key: str
    timezone: str = "Asia/Shanghai"
    sweep_minutes: int = 5

    @property
    def casework_file(self) -> Path:
        return Path(_env("HOTLINE_CASEWORK_FILE", str(self.data_dir / "casework.yaml")))

    @property
    def units_file(self) -> Path:
        return Path(_env("HOTLINE_UNITS_FILE", str(self.data_dir / "units.yaml")))

    @property
    def holidays_file(self) -> Path:
        return Path(_env("HOTLINE_HOLIDAYS_FILE", str(self.data_dir / "holidays.yaml")))

    @property
    def uses_dev_secret(self) -> bool:
        return self.secret_key == DEV_SECRET


def load_settings() -> Settings:
    """Read the settings from the environment (see README, "Configuration")."""
    data_dir = Path(_env("HOTLINE_DATA", str(REPO_ROOT / "data")))
    instance_dir = Path(_env("HOTLINE_INSTANCE", str(REPO_ROOT / "instance")))
    default_db = f"sqlite:///{instance_dir / 'hotline.db'}"
    return Settings(
        data_dir=data_dir,
        instance_dir=instance_dir,
        database_url=_env("HOTLINE_DATABASE_URL", default_db),
        secret_key=_env("HOTLINE_SECRET_KEY", DEV_SECRET),
        timezone=_env("HOTLINE_TIMEZONE", "Asia/Shanghai"),
        sweep_minutes=int(_env("HOTLINE_SWEEP_MINUTES", "5")),
    )
