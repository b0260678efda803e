"""Synthetic hotel-call utterances for speech-to-text evaluation (espeak-ng voices).

Split (kept honest; see docs/stt.md):
- the LM is trained on `hotel_lm.training_sentences()` (seed `hotel_lm.TRAIN_SEED` = 1);
- `tune` utterances (seed 100) in the TUNE_VOICES were the only audio used while tuning;
- `tune2` utterances (seed 150) in TUNE2_VOICES: a second tuning round, added after the first
  test run showed the tune voices were too easy;
- `valid` utterances (seed 300) in VALID_VOICES (the tuning accents as other variants, rates and
  pitches): for choosing between acoustic-model adaptations, so that the test split is not;
- `test` utterances (seed 200) in the TEST_VOICES (different voices, rates and pitches) were
  only decoded for the final numbers.
Degradations: white or babble noise at a given SNR, an 8 kHz telephone band (`tel8k`), and
that band as a phone line carries it, μ-law coded (`over_the_phone`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from media.codecs import ulaw_decode, ulaw_encode
from media.frames import PCM16
from media.resample import StreamResampler
from media.speech.hotel_phrases import Phrase, generate
from media.speech.stt import PHONE_LINE_RATE, STT_SAMPLE_RATE, to_16k
from media.speech.tts import synthesize_blocking

Split = Literal["tune", "tune2", "valid", "test"]


@dataclass(frozen=True, slots=True)
class Voice:
    name: str
    rate_wpm: int
    pitch: int


TUNE_VOICES = (Voice("en-us", 165, 50), Voice("en", 150, 45))
# Second tuning round (after the first test run): other accents, a female voice, a fast rate.
TUNE2_VOICES = (Voice("en-GB-x-gbclan", 170, 50), Voice("en-GB-x-gbcwmd", 155, 45),
                Voice("en-us+f2", 175, 70), Voice("en+m7", 180, 40))
TEST_VOICES = (Voice("en-GB-x-rp", 175, 55), Voice("en-GB-scotland", 155, 40),
               Voice("en-029", 145, 60), Voice("en+f3", 170, 65), Voice("en-us-nyc", 185, 35))
VALID_VOICES = (Voice("en-us+m1", 160, 45), Voice("en+f1", 165, 65),
                Voice("en-GB-x-gbclan+f2", 150, 60), Voice("en-GB-x-gbcwmd+m2", 185, 40))
BABBLE_VOICES = (Voice("en-us+m3", 170, 50), Voice("en+f2", 160, 70), Voice("en-GB-x-rp+m1", 150,
                 40), Voice("en-us+f4", 180, 60))
SEEDS: dict[Split, int] = {"tune": 100, "tune2": 150, "valid": 300, "test": 200}
VOICES: dict[Split, tuple[Voice, ...]] = {"tune": TUNE_VOICES, "tune2": TUNE2_VOICES,
                                          "valid": VALID_VOICES, "test": TEST_VOICES}
CONDITIONS = ("clean", "white20", "white10", "babble20", "babble10", "tel8k", "phone")
LEAD_MS = 250
TAIL_MS = 400


@dataclass(frozen=True, slots=True)
class Utterance:
    phrase: Phrase
    voice: Voice
    audio: PCM16  # 16 kHz, with LEAD_MS/TAIL_MS of silence around the speech

    @property
    def duration_ms(self) -> float:
        return 1000.0 * self.audio.size / STT_SAMPLE_RATE


def speak(text: str, voice: Voice) -> PCM16:
    pcm, rate = synthesize_blocking(text, voice.name, voice.rate_wpm, voice.pitch)
    speech = to_16k(pcm, rate)
    lead = np.zeros(STT_SAMPLE_RATE * LEAD_MS // 1000, np.int16)
    tail = np.zeros(STT_SAMPLE_RATE * TAIL_MS // 1000, np.int16)
    return np.concatenate([lead, speech, tail])


# Intents whose templates carry slots: half of every split comes from these so that keyword
# accuracy rests on enough keywords.
SLOT_INTENTS = ("book", "room_service", "phone", "code", "change", "correction", "identify",
                "housekeeping", "callback")


def utterances(split: Split, n: int) -> list[Utterance]:
    """`n` utterances of `split` (half any intent, half slot-heavy), voices round-robin."""
    voices = VOICES[split]
    seed = SEEDS[split]
    phrases = generate(n - n // 2, seed) + generate(n // 2, seed + 1, SLOT_INTENTS)
    return [Utterance(p, voices[i % len(voices)], speak(p.text, voices[i % len(voices)]))
            for i, p in enumerate(phrases)]


def _babble(n_samples: int) -> npt.NDArray[np.float64]:
    talkers = []
    for i, voice in enumerate(BABBLE_VOICES):
        text = " ".join(p.text for p in generate(12, 900 + i))
        talkers.append(speak(text, voice).astype(np.float64))
    length = max(t.size for t in talkers)
    mix = np.zeros(length)
    for t in talkers:
        mix[:t.size] += t
    reps = int(np.ceil(n_samples / length))
    return np.tile(mix, reps)[:n_samples]


_BABBLE: npt.NDArray[np.float64] | None = None


def degrade(audio: PCM16, condition: str, seed: int = 0) -> PCM16:
    """Apply `condition` (one of CONDITIONS) to a 16 kHz utterance."""
    global _BABBLE
    if condition == "clean":
        return audio
    if condition == "phone":
        return over_the_phone(audio)
    if condition == "tel8k":
        down = StreamResampler(16000, 8000).process(audio, last=True)
        return StreamResampler(8000, 16000).process(down, last=True)
    kind, snr_db = condition[:-2], float(condition[-2:])
    rng = np.random.default_rng(seed)
    x = audio.astype(np.float64)
    speech = x[np.abs(x) > 0]
    p_signal = float(np.mean(np.square(speech))) if speech.size else 1.0
    if kind == "white":
        noise = rng.standard_normal(x.size)
    else:
        if _BABBLE is None or _BABBLE.size < x.size:
            _BABBLE = _babble(max(x.size, STT_SAMPLE_RATE * 30))
        start = int(rng.integers(0, _BABBLE.size - x.size + 1))
        noise = _BABBLE[start:start + x.size].copy()
    noise *= np.sqrt(p_signal / (np.mean(np.square(noise)) * 10 ** (snr_db / 10)))
    return np.clip(x + noise, -32768, 32767).astype(np.int16)


def over_the_phone(pcm: PCM16) -> PCM16:
    """16 kHz `pcm` as a phone line carries it: 8 kHz μ-law, back at 16 kHz."""
    line = ulaw_decode(ulaw_encode(
        StreamResampler(STT_SAMPLE_RATE, PHONE_LINE_RATE).process(pcm, last=True)))
    return StreamResampler(PHONE_LINE_RATE, STT_SAMPLE_RATE).process(line, last=True)


def garbage(seconds: float, seed: int = 0) -> PCM16:
    """Non-speech test input: white noise bursts and a hum."""
    rng = np.random.default_rng(seed)
    n = int(seconds * STT_SAMPLE_RATE)
    t = np.arange(n) / STT_SAMPLE_RATE
    x = 3000 * rng.standard_normal(n) + 4000 * np.sin(2 * np.pi * 50 * t)
    out: PCM16 = np.clip(x, -32768, 32767).astype(np.int16)
    return out


__all__ = ["CONDITIONS", "TEST_VOICES", "TUNE_VOICES", "Utterance", "Voice", "degrade", "garbage",
           "over_the_phone", "speak", "utterances"]
