"""WAV files for Chromium's fake microphone, spoken by the same offline TTS the agent uses."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from media.speech.tts import synthesize_blocking


def write_wav(path: Path, samples: np.ndarray, sample_rate: int) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(samples.astype("<i2").tobytes())
    return path


def spoken_wav(path: Path, text: str, *, voice: str = "en-us", lead_s: float = 1.0,
               tail_s: float = 1.0, noise_dbfs: float | None = None) -> Path:
    """`text` spoken after `lead_s` of silence, then `tail_s` of silence; with `noise_dbfs`,
    steady room noise under all of it (a real microphone is never digitally silent, and
    Chromium's gain control treats seconds of digital silence unlike a room)."""
    pcm, rate = synthesize_blocking(text, voice=voice)
    silence_lead = np.zeros(int(lead_s * rate), np.int16)
    silence_tail = np.zeros(int(tail_s * rate), np.int16)
    audio = np.concatenate([silence_lead, pcm, silence_tail]).astype(np.float64)
    if noise_dbfs is not None:
        rng = np.random.default_rng(11)
        audio += rng.normal(0.0, 32768 * 10 ** (noise_dbfs / 20), audio.size)
    return write_wav(path, np.clip(audio, -32768, 32767).astype(np.int16), rate)


def spoken_wav_bytes(text: str, *, voice: str = "en-us", rate_wpm: int = 160) -> bytes:
    """`text` spoken as a WAV file in memory (for the page's injected microphone)."""
    import io

    pcm, rate = synthesize_blocking(text, voice=voice, rate_wpm=rate_wpm)
    pcm = np.concatenate([np.zeros(rate // 5, np.int16), pcm, np.zeros(rate // 5, np.int16)])
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.astype("<i2").tobytes())
    return buf.getvalue()
