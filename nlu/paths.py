"""Where the operators' data files live."""

import os
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The top-level data folder: ``$HOTLINE_DATA`` if set, else ``<repo>/data``."""
    env = os.environ.get("HOTLINE_DATA")
    return Path(env) if env else _REPO / "data"


def nlu_file(name: str) -> Path:
    """A file of the ``nlu`` section of the data folder."""
    return data_dir() / "nlu" / name


def instance_dir() -> Path:
    """The runtime folder: ``$HOTLINE_INSTANCE`` if set, else ``<repo>/instance``."""
    env = os.environ.get("HOTLINE_INSTANCE", "").strip()
    return Path(env) if env else default_instance_dir()


def default_instance_dir() -> Path:
    """The checkout's own runtime folder, ``<repo>/instance``."""
    return _REPO / "instance"
