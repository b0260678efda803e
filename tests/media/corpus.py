"""Labelled VAD corpora, generated deterministically from a seed (no downloads).

Speech is espeak-ng TTS of hotel sentences in several voices, rates and pitches, set to a random
speech level and separated by silence; the labels are the known sample positions of each clip.
Noise (white, pink, babble-ish = a dozen reversed TTS voices summed) runs under the whole corpus
at a chosen SNR relative to the speech level. Two negative corpora hold no speech at all: noise
only, and short non-words (coughs, clicks, "mm" hums, each < 200 ms).
Also here: running a turn detector over a corpus and scoring it, for the tests and bench/vad_eval.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import soxr

from media.events import SpeechEnded, SpeechStarted
from media.frames import PCM16, AudioFrame, samples_per_frame
from media.speech.tts import synthesize_blocking
from media.turns import TurnDetector

RATE = 16000
Float = npt.NDArray[np.float64]

SENTENCES = (
    "Hi, I'd like to book a room for two nights.",
    "Do you have anything available this weekend?",
    "What time is check out?",
    "Could I get a late check in, around eleven?",
    "Is breakfast included in the rate?",
    "I need to cancel my reservation, please.",
    "Can you send extra towels to room four twelve?",
    "Yes.",
    "No, thank you.",
    "Is there parking at the hotel?",
    "How far are you from the train station?",
    "My name is Maria Gonzalez, G O N Z A L E Z.",
    "The air conditioning in my room is not working.",
    "Do you allow dogs?",
    "I'd like a wake up call at six thirty tomorrow.",
    "Can I pay with a credit card when I arrive?",
    "What's the wifi password?",
    "We're a family of four with two small children.",
    "Is the pool open in the evening?",
    "Thanks, that's all I needed.",
)
VOICES = ("en", "en-us", "en-GB-x-rp", "en+f3", "en-us+f3")


class NoiseKind(enum.StrEnum):
    NONE = "none"
    WHITE = "white"
    PINK = "pink"
    BABBLE = "babble"


@dataclass(frozen=True, slots=True)
class Segment:
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class LabelledAudio:
    """Mono 16 kHz audio with the speech segments it contains (empty for negative corpora)."""

    name: str
    samples: PCM16
    sample_rate: int
    segments: tuple[Segment, ...]

    @property
    def duration_s(self) -> float:
        return self.samples.size / self.sample_rate


# -- building blocks ----------------------------------------------------------------------------
@functools.lru_cache(maxsize=256)
def tts_clip(text: str, voice: str, rate_wpm: int, pitch: int) -> Float:
    """TTS of `text` at 16 kHz, float, leading/trailing silence trimmed, unit RMS over speech."""
    pcm, sr = synthesize_blocking(text, voice, rate_wpm, pitch)
    x: Float = soxr.resample(pcm.astype(np.float64), sr, RATE, quality="HQ")
    frame = RATE // 100
    n = x.size // frame
    energy = np.sqrt(np.mean(x[: n * frame].reshape(n, frame) ** 2, axis=1))
    active = np.flatnonzero(energy > energy.max() * 10 ** (-40 / 20))
    x = x[active[0] * frame : (active[-1] + 1) * frame]
    loud = energy[energy > energy.max() * 10 ** (-30 / 20)]
    out: Float = x / float(np.sqrt(np.mean(loud**2)))
    return out


def _white(rng: np.random.Generator, n: int) -> Float:
    return rng.standard_normal(n)


def _pink(rng: np.random.Generator, n: int) -> Float:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(spectrum.size, dtype=np.float64)
    f[0] = 1.0
    y: Float = np.fft.irfft(spectrum / np.sqrt(f), n)
    return y / float(np.std(y))


def _babble(rng: np.random.Generator, n: int, talkers: int = 12) -> Float:
    out = np.zeros(n)
    for _ in range(talkers):
        pos = -int(rng.integers(0, RATE))
        while pos < n:
            text = SENTENCES[int(rng.integers(len(SENTENCES)))]
            clip = tts_clip(text, VOICES[int(rng.integers(len(VOICES)))], 170, 50)[::-1]
            lo, hi = max(pos, 0), min(pos + clip.size, n)
            if hi > lo:
                out[lo:hi] += clip[lo - pos : hi - pos]
            pos += clip.size + int(rng.integers(0, RATE // 5))
    return out / float(np.std(out))


def make_noise(kind: NoiseKind, rng: np.random.Generator, n: int) -> Float:
    """Unit-RMS noise of `kind`, `n` samples at 16 kHz."""
    if kind is NoiseKind.WHITE:
        return _white(rng, n)
    if kind is NoiseKind.PINK:
        return _pink(rng, n)
    if kind is NoiseKind.BABBLE:
        return _babble(rng, n)
    return np.zeros(n)


def _to_pcm(x: Float) -> PCM16:
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def _level(dbfs: float) -> float:
    return 32768.0 * 10 ** (dbfs / 20)


# -- corpora ------------------------------------------------------------------------------------
def speech_corpus(seed: int, n_utterances: int, noise: NoiseKind = NoiseKind.NONE,
                  snr_db: float = 20.0) -> LabelledAudio:
    """Sentences separated by 0.9-2.5 s of silence, with noise at `snr_db` under everything."""
    rng = np.random.default_rng(seed)
    speech_dbfs = -24.0
    parts: list[Float] = [np.zeros(int(rng.uniform(0.8, 1.5) * RATE))]
    segments: list[Segment] = []
    pos = parts[0].size
    for _ in range(n_utterances):
        text = SENTENCES[int(rng.integers(len(SENTENCES)))]
        voice = VOICES[int(rng.integers(len(VOICES)))]
        clip = tts_clip(text, voice, int(rng.integers(140, 200)), int(rng.integers(35, 70)))
        gain = _level(speech_dbfs + rng.uniform(-4.0, 4.0))
        parts.append(clip * gain)
        segments.append(Segment(pos / RATE, (pos + clip.size) / RATE))
        pos += clip.size
        gap = np.zeros(int(rng.uniform(0.9, 2.5) * RATE))
        parts.append(gap)
        pos += gap.size
    x = np.concatenate(parts)
    if noise is not NoiseKind.NONE:
        x += make_noise(noise, rng, x.size) * _level(speech_dbfs - snr_db)
    x += rng.standard_normal(x.size) * _level(-75.0)  # a real line is never digital silence
    name = f"speech/{noise.value}" + (f"@{snr_db:g}dB" if noise is not NoiseKind.NONE else "")
    return LabelledAudio(name, _to_pcm(x), RATE, tuple(segments))


def noise_corpus(seed: int, seconds: float, noise: NoiseKind, level_dbfs: float = -40.0
                 ) -> LabelledAudio:
    """Noise only, at a level a quiet phone line or a busy lobby might have."""
    rng = np.random.default_rng(seed)
    x = make_noise(noise, rng, int(seconds * RATE)) * _level(level_dbfs)
    return LabelledAudio(f"noise-only/{noise.value}@{level_dbfs:g}dBFS", _to_pcm(x), RATE, ())


def non_words_corpus(seed: int, seconds: float) -> LabelledAudio:
    """Coughs, clicks and "mm" hums, each shorter than 200 ms, 0.4-1.5 s apart. No speech."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(int(seconds * RATE)) * _level(-70.0)
    pos = int(0.5 * RATE)
    while pos < x.size - RATE // 4:
        kind = int(rng.integers(3))
        dur = rng.uniform(0.06, 0.19)
        n = int(dur * RATE)
        t = np.arange(n) / RATE
        if kind == 0:  # cough: a lowpassed noise burst, fast attack, exponential decay
            burst = np.cumsum(rng.standard_normal(n))
            burst -= np.convolve(burst, np.ones(32) / 32, mode="same")
            env = (1 - np.exp(-t / 0.005)) * np.exp(-t / (dur / 3))
            sound = burst * env
        elif kind == 1:  # clicks: a few impulses a few ms apart
            sound = np.zeros(n)
            sound[rng.integers(0, n, size=int(rng.integers(1, 4)))] = rng.choice([-1.0, 1.0])
        else:  # "mm": a hummed voiced sound, f0 100-220 Hz with decaying harmonics
            f0 = rng.uniform(100, 220)
            sound = sum(np.sin(2 * np.pi * f0 * k * t) / k**1.5 for k in range(1, 9))
            sound = sound * np.sin(np.pi * t / dur) ** 2
        rms = float(np.sqrt(np.mean(sound**2))) or 1.0
        x[pos : pos + n] += sound / rms * _level(rng.uniform(-30.0, -18.0))
        pos += n + int(rng.uniform(0.4, 1.5) * RATE)
    return LabelledAudio("non-words (<200 ms)", _to_pcm(x), RATE, ())


# -- running and scoring ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DetectedTurn:
    start: float
    end: float
    started_emitted_at: float  # stream time of the frame that produced SpeechStarted


def run_detector(detector: TurnDetector, audio: LabelledAudio, sample_rate: int | None = None
                 ) -> list[DetectedTurn]:
    """Feed `audio` 20 ms at a time (optionally resampled to `sample_rate` first)."""
    samples, rate = audio.samples, audio.sample_rate
    if sample_rate is not None and sample_rate != rate:
        samples = soxr.resample(samples, rate, sample_rate, quality="HQ")
        rate = sample_rate
    step = samples_per_frame(rate)
    turns: list[DetectedTurn] = []
    open_start: tuple[float, float] | None = None
    for i in range(0, samples.size - step + 1, step):
        frame = AudioFrame(np.ascontiguousarray(samples[i : i + step]), rate, i / rate)
        for event in detector.process(frame):
            if isinstance(event, SpeechStarted):
                open_start = (event.at, i / rate)
            elif isinstance(event, SpeechEnded):
                emitted = open_start[1] if open_start else event.started_at
                turns.append(DetectedTurn(event.started_at, event.ended_at, emitted))
                open_start = None
    if open_start is not None:
        turns.append(DetectedTurn(open_start[0], samples.size / rate, open_start[1]))
    return turns


@dataclass(frozen=True, slots=True)
class VadScore:
    corpus: str
    duration_s: float
    segments: int
    frame_agreement: float
    missed: int
    false_starts: int
    start_error_ms: float  # mean |detected start - labelled start| over detected segments
    end_error_ms: float  # mean |detected end - labelled end|
    start_bias_ms: float  # mean signed start error (negative = early)
    end_bias_ms: float

    @property
    def false_starts_per_min(self) -> float:
        return 60.0 * self.false_starts / self.duration_s


def _mask(intervals: list[tuple[float, float]], n: int, frame_s: float) -> npt.NDArray[np.bool_]:
    mask = np.zeros(n, dtype=bool)
    centres = (np.arange(n) + 0.5) * frame_s
    for start, end in intervals:
        mask |= (centres >= start) & (centres < end)
    return mask


def score(audio: LabelledAudio, turns: list[DetectedTurn]) -> VadScore:
    frame_s = 0.02
    n = int(audio.duration_s / frame_s)
    truth = _mask([(s.start, s.end) for s in audio.segments], n, frame_s)
    found = _mask([(t.start, t.end) for t in turns], n, frame_s)
    starts: list[float] = []
    ends: list[float] = []
    missed = 0
    for seg in audio.segments:
        hits = [t for t in turns if t.start < seg.end and t.end > seg.start]
        if not hits:
            missed += 1
            continue
        starts.append(1000 * (hits[0].start - seg.start))
        ends.append(1000 * (hits[-1].end - seg.end))
    false_starts = sum(
        1 for t in turns if not any(t.start < s.end and t.end > s.start for s in audio.segments)
    )

    def mean(values: list[float]) -> float:
        return float(np.mean(values)) if values else float("nan")

    return VadScore(
        corpus=audio.name,
        duration_s=audio.duration_s,
        segments=len(audio.segments),
        frame_agreement=float(np.mean(truth == found)) if n else 1.0,
        missed=missed,
        false_starts=false_starts,
        start_error_ms=mean([abs(v) for v in starts]),
        end_error_ms=mean([abs(v) for v in ends]),
        start_bias_ms=mean(starts),
        end_bias_ms=mean(ends),
    )
