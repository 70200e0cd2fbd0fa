"""A trained model kept on disk, keyed by a hash of everything it was trained from.

Training takes about a second; the cache lets every later start (each worker,
each test run) load the weights instead. The files live in the instance folder
(never committed) and are rebuilt whenever a training file, a rule file or a
training setting changes. A cache that cannot be read or written is ignored.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from .linear import LinearModel
from .paths import default_instance_dir, instance_dir
from .training import fingerprint

log = logging.getLogger(__name__)

# Bump when the features or the model change in a way old files do not know.
VERSION = "linear-8"


class ModelCache:
    """Stores a trained model as one ``.npz`` file per key.

    ``also`` are further folders to read from and write to (a model trained
    from the same files is the same wherever it is kept): a test or a second
    server with an instance folder of its own finds the checkout's model.
    """

    def __init__(self, folder: Path, also: tuple[Path, ...] = ()) -> None:
        self.folder = folder
        self.also = tuple(f for f in also if f != folder)

    @classmethod
    def default(cls) -> ModelCache:
        return cls(instance_dir() / "nlu-model", (default_instance_dir() / "nlu-model",))

    def key(self, rows: list[dict], inputs: list[Path], c: float) -> str:
        parts = [VERSION, repr(c)]
        for path in inputs:
            parts.append(path.read_text("utf-8") if path.exists() else "")
        return fingerprint(rows, *parts)

    def load(self, key: str) -> LinearModel | None:
        for folder in (self.folder, *self.also):
            found = self._load(folder / f"{key}.npz")
            if found is not None:
                return found
        return None

    def _load(self, path: Path) -> LinearModel | None:
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                return LinearModel.from_arrays({k: data[k] for k in data.files})
        except (OSError, ValueError, KeyError) as exc:
            log.warning("ignoring unreadable model cache %s: %s", path, exc)
            return None

    def save(self, key: str, model: LinearModel) -> None:
        for folder in (self.folder, *self.also):
            self._save(folder, key, model)

    @staticmethod
    def _save(folder: Path, key: str, model: LinearModel) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.glob("*.npz"):  # one model at a time
                if old.name != f"{key}.npz":
                    old.unlink(missing_ok=True)
            handle, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                np.savez(out, **model.to_arrays())
            os.replace(tmp, folder / f"{key}.npz")
        except OSError as exc:
            log.warning("could not write the model cache in %s: %s", folder, exc)
