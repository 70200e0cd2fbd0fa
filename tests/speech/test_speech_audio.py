"""ivr.speech.audio without Vosk: mu-law, base64 payloads, the resampler, WAV files."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from ivr.speech.audio import (
    MULAW_TABLE,
    AudioError,
    Resampler,
    decode_payload,
    mulaw_decode,
    mulaw_encode,
    mulaw_wav_bytes,
    pcm_wav_bytes,
    read_wav,
    resample,
)


def tone(freq: float, rate: int, seconds: float = 1.0, amplitude: float = 10000) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return np.rint(amplitude * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def spectrum(x: np.ndarray, rate: int, trim: int = 400):
    """Magnitude spectrum (Hann window), amplitude-normalized so a full sine reads ~1.0·A."""
    x = np.asarray(x[trim:-trim], dtype=np.float64)
    window = np.hanning(len(x))
    mag = np.abs(np.fft.rfft(x * window)) * 2 / window.sum()
    return np.fft.rfftfreq(len(x), 1 / rate), mag


def level_db(freqs, mag, f: float, width: float = 40) -> float:
    return 20 * np.log10(mag[np.abs(freqs - f) <= width].max() / 10000 + 1e-12)


# --- mu-law ---------------------------------------------------------------------------------


def test_mulaw_table_is_g711():
    assert MULAW_TABLE.dtype == np.int16 and len(MULAW_TABLE) == 256
    assert MULAW_TABLE[0xFF] == 0 and MULAW_TABLE[0x7F] == 0  # the two zeros
    assert MULAW_TABLE[0x00] == -32124 and MULAW_TABLE[0x80] == 32124  # the extremes
    # Codes 0x00-0x7F are negative and 0x80-0xFF positive, each half monotonic.
    assert np.all(np.diff(MULAW_TABLE[:128].astype(int)) > 0)
    assert np.all(np.diff(MULAW_TABLE[128:].astype(int)) < 0)


def test_mulaw_encode_inverts_the_table():
    codes = np.arange(256, dtype=np.uint8)
    decoded = MULAW_TABLE[codes]
    again = np.frombuffer(mulaw_encode(decoded), np.uint8)
    # Every value decodes back to itself (0x7F, "negative zero", encodes as 0xFF).
    assert np.array_equal(MULAW_TABLE[again], decoded)


def test_mulaw_round_trip_error_is_within_half_a_step():
    x = np.arange(-32768, 32768, dtype=np.int32).astype(np.int16)
    y = mulaw_decode(mulaw_encode(x)).astype(np.int32)
    err = np.abs(y - x.astype(np.int32))
    magnitude = np.abs(x.astype(np.int32))
    # Segment s (of the magnitude + 132) has a step of 2**(s+3): the error is at most
    # half a step (+1 for the asymmetric rounding of negative values) below the clipping
    # level 32635, and at most 644 above it (32767 decodes as 32124).
    segment = np.clip(np.floor(np.log2(magnitude + 132)).astype(int) - 7, 0, 7)
    unclipped = magnitude <= 32635
    assert np.all(err[unclipped] <= 2 ** (segment[unclipped] + 2) + 1)
    assert err.max() <= 644
    # Relative to the magnitude, that is at most ~3 % from 1000 up.
    loud = magnitude >= 1000
    assert (err[loud] / magnitude[loud]).max() < 0.035
    # The signal-to-quantization-noise ratio of a loud tone is the textbook ~38 dB.
    t = tone(440, 8000)
    noise = mulaw_decode(mulaw_encode(t)).astype(float) - t
    snr = 10 * np.log10(np.mean(t.astype(float) ** 2) / np.mean(noise**2))
    assert 35 < snr < 42


# --- base64 payloads ------------------------------------------------------------------------


def test_decode_payload_reads_media_frames():
    frame = bytes(range(160))
    assert decode_payload(base64.b64encode(frame).decode()) == frame
    assert decode_payload(base64.b64encode(frame)) == frame
    assert decode_payload("") == b""


@pytest.mark.parametrize(
    "payload, words",
    [
        (base64.b64encode(bytes(160)).decode()[:-3], "truncated"),  # cut mid-stream
        ("////*???", "invalid base64"),
        ("AAA", "truncated"),
        ("not base64 at all!", "invalid base64"),
    ],
)
def test_decode_payload_refuses_bad_base64(payload, words):
    with pytest.raises(AudioError, match=words):
        decode_payload(payload)


def test_decode_payload_refuses_non_strings():
    with pytest.raises(AudioError, match="base64 string"):
        decode_payload(None)  # type: ignore[arg-type]


# --- resampling -----------------------------------------------------------------------------


def test_a_1khz_tone_survives_8k_to_16k():
    y = resample(tone(1000, 8000), 8000, 16000)
    assert len(y) == 16000
    freqs, mag = spectrum(y, 16000)
    assert abs(level_db(freqs, mag, 1000)) < 0.1  # passband gain ~0 dB
    assert freqs[mag.argmax()] == pytest.approx(1000, abs=2)
    # Nothing else: the image at 7 kHz and any other spur below -70 dB.
    others = mag[np.abs(freqs - 1000) > 60]
    assert 20 * np.log10(others.max() / 10000) < -70
    # And it is the same tone, sample by sample, as a 1 kHz tone made at 16 kHz.
    reference = tone(1000, 16000)
    assert np.abs(y[100:-100].astype(int) - reference[100:-100]).max() < 40


def test_telephone_band_is_flat():
    for f in (300, 2000, 3400):
        freqs, mag = spectrum(resample(tone(f, 8000), 8000, 16000), 16000)
        assert abs(level_db(freqs, mag, f)) < 0.5, f


def test_a_3_9khz_tone_is_not_imaged_to_4_1khz():
    # Upsampling mirrors 0-4 kHz into 4-8 kHz: 3.9 kHz gets a 4.1 kHz twin unless filtered.
    freqs, mag = spectrum(resample(tone(3900, 8000), 8000, 16000), 16000)
    assert freqs[mag.argmax()] == pytest.approx(3900, abs=5)  # still the strongest line
    image = level_db(freqs, mag, 4100)
    assert image < level_db(freqs, mag, 3900) - 40
    assert image < -60
    # For comparison: linear interpolation (np.interp) keeps the image far stronger.
    t8 = tone(3900, 8000)
    linear = np.interp(np.arange(16000) / 2, np.arange(8000), t8)
    freqs_l, mag_l = spectrum(linear, 16000)
    assert level_db(freqs_l, mag_l, 4100) > -30


def test_downsampling_removes_what_cannot_be_represented():
    # 16 → 8 kHz: a 5 kHz tone would alias to 3 kHz; it must be filtered out instead.
    freqs, mag = spectrum(resample(tone(5000, 16000), 16000, 8000), 8000)
    assert level_db(freqs, mag, 3000) < -60
    freqs, mag = spectrum(resample(tone(1000, 22050), 22050, 16000), 16000)
    assert abs(level_db(freqs, mag, 1000)) < 0.2


@pytest.mark.parametrize("rates", [(8000, 16000), (22050, 16000), (16000, 8000), (8000, 8000)])
def test_streaming_equals_one_shot(rates):
    a, b = rates
    x = np.random.default_rng(1).integers(-8000, 8000, a).astype(np.int16)
    whole = Resampler(a, b)
    expected = np.concatenate([whole.process(x), whole.flush()])
    pieces = Resampler(a, b)
    got = [pieces.process(x[i : i + 160]) for i in range(0, len(x), 160)]
    got.append(pieces.flush())
    assert np.array_equal(np.concatenate(got), expected)


def test_resampler_refuses_bad_rates():
    with pytest.raises(ValueError):
        Resampler(0, 16000)


# --- WAV ------------------------------------------------------------------------------------


def test_read_pcm_wav(tmp_path):
    x = tone(440, 8000, 0.5)
    path = tmp_path / "a.wav"
    path.write_bytes(pcm_wav_bytes(x, 8000))
    pcm, rate = read_wav(path)
    assert rate == 8000 and np.array_equal(pcm, x)
    pcm, rate = read_wav(path.read_bytes())
    assert np.array_equal(pcm, x)


def test_read_mulaw_wav():
    x = tone(440, 8000, 0.5)
    pcm, rate = read_wav(mulaw_wav_bytes(mulaw_encode(x)))
    assert rate == 8000 and len(pcm) == len(x)
    assert np.array_equal(pcm, mulaw_decode(mulaw_encode(x)))


def test_read_stereo_wav_is_mixed_to_mono():
    import io
    import wave

    left, right = tone(440, 8000, 0.1), np.zeros(800, np.int16)
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(np.stack([left, right], axis=1).astype("<i2").tobytes())
    pcm, rate = read_wav(out.getvalue())
    assert len(pcm) == 800
    assert np.abs(pcm.astype(int) - left // 2).max() <= 1


@pytest.mark.parametrize(
    "data, words",
    [
        (b"hello", "not a WAV"),
        (b"RIFF\x04\x00\x00\x00WAVE", "without a fmt"),
        (mulaw_wav_bytes(b"\xff" * 10).replace(b"\x07\x00\x01\x00", b"\x06\x00\x01\x00"), "0x6"),
    ],
)
def test_read_wav_refuses_what_it_cannot_read(data, words):
    with pytest.raises(AudioError, match=words):
        read_wav(data)
