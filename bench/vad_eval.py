"""Score both VAD turn detectors on the labelled TTS corpus; prints a Markdown table.

    .venv/bin/python -m bench.vad_eval [--utterances 20] [--phone] [--spread-factor 1.5]
    .venv/bin/python -m bench.vad_eval --kinds silero silero-full webrtc   # cascade on vs off

`--phone` runs every corpus through the Twilio path first (8 kHz G.711 μ-law, decoded and fed to
the detector at 8 kHz, so its internal 8k->16k resampler is exercised too).
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from dataclasses import dataclass

import numpy as np
import soxr

from media.codecs import ulaw_decode, ulaw_encode
from media.vad import VadConfig, make_turn_detector
from tests.media.corpus import (
    LabelledAudio,
    NoiseKind,
    VadScore,
    noise_corpus,
    non_words_corpus,
    run_detector,
    score,
    speech_corpus,
)

KINDS = ("silero", "webrtc")
# "silero-full": silero without the cascade (scored on every frame above the minimum level, as
# before it), to compare both on the same corpora (the TTS corpus differs slightly run to run).
CHOICES = (*KINDS, "silero-full")


@dataclass(frozen=True, slots=True)
class EvalRow:
    kind: str
    score: VadScore
    seconds: float
    classified: float  # share of the corpus's 20 ms frames the classifier was run on
    windows_per_s: float  # silero windows scored per second of audio (its cost unit)


def build_corpora(utterances: int, noise_seconds: float) -> list[LabelledAudio]:
    corpora = [speech_corpus(100, utterances)]
    seed = 101
    for noise in (NoiseKind.WHITE, NoiseKind.PINK, NoiseKind.BABBLE):
        for snr in (20.0, 10.0, 5.0):
            corpora.append(speech_corpus(seed, utterances, noise, snr))
            seed += 1
    for noise in (NoiseKind.WHITE, NoiseKind.PINK, NoiseKind.BABBLE):
        corpora.append(noise_corpus(seed, noise_seconds, noise, -40.0))
        seed += 1
    corpora.append(noise_corpus(seed, noise_seconds, NoiseKind.BABBLE, -30.0))
    corpora.append(non_words_corpus(seed + 1, noise_seconds))
    return corpora


def through_phone(audio: LabelledAudio) -> tuple[np.ndarray, int]:
    pcm8 = soxr.resample(audio.samples, audio.sample_rate, 8000, quality="HQ")
    return ulaw_decode(ulaw_encode(pcm8)), 8000


def evaluate(corpora: list[LabelledAudio], config: VadConfig, phone: bool,
             kinds: tuple[str, ...] = KINDS) -> list[EvalRow]:
    rows: list[EvalRow] = []
    for audio in corpora:
        feed = audio
        if phone:
            samples, rate = through_phone(audio)
            feed = dataclasses.replace(audio, samples=samples, sample_rate=rate)
        for kind in kinds:
            if kind == "silero-full":
                detector = make_turn_detector("silero", dataclasses.replace(config, cascade=False))
            else:
                detector = make_turn_detector(kind, config)
            t0 = time.perf_counter()
            turns = run_detector(detector, feed)
            seconds = time.perf_counter() - t0
            windows = getattr(detector.classifier, "windows", 0)
            rows.append(EvalRow(kind, score(audio, turns), seconds,
                                detector.classified_frames / max(1, detector.frames_processed),
                                windows / audio.duration_s))
    return rows


def _ms(value: float) -> str:
    return "-" if np.isnan(value) else f"{value:.0f}"


def print_table(rows: list[EvalRow], kinds: tuple[str, ...] = KINDS) -> None:
    print("| corpus | detector | frame agreement | missed | false starts | FS/min "
          "| start err ms (bias) | end err ms (bias) | classified | windows/s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        s = r.score
        print(f"| {s.corpus} | {r.kind} | {s.frame_agreement:.3f} | {s.missed}/{s.segments} "
              f"| {s.false_starts} | {s.false_starts_per_min:.2f} "
              f"| {_ms(s.start_error_ms)} ({_ms(s.start_bias_ms)}) "
              f"| {_ms(s.end_error_ms)} ({_ms(s.end_bias_ms)}) "
              f"| {r.classified:.0%} | {r.windows_per_s:.1f} |")
    print()
    print("| detector | mean agreement (speech corpora) | missed | false starts (all) "
          "| FS/min on negatives | mean abs start err ms | mean abs end err ms | s of CPU "
          "| classified | windows/s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for kind in kinds:
        mine = [r for r in rows if r.kind == kind]
        speech = [r.score for r in mine if r.score.segments]
        negatives = [r.score for r in mine if not r.score.segments]
        neg_minutes = sum(s.duration_s for s in negatives) / 60
        starts = [s.start_error_ms for s in speech if not np.isnan(s.start_error_ms)]
        ends = [s.end_error_ms for s in speech if not np.isnan(s.end_error_ms)]
        print(f"| {kind} | {np.mean([s.frame_agreement for s in speech]):.3f} "
              f"| {sum(s.missed for s in speech)}/{sum(s.segments for s in speech)} "
              f"| {sum(r.score.false_starts for r in mine)} "
              f"| {sum(s.false_starts for s in negatives) / max(neg_minutes, 1e-9):.2f} "
              f"| {np.mean(starts):.0f} | {np.mean(ends):.0f} "
              f"| {sum(r.seconds for r in mine):.1f} "
              f"| {np.mean([r.classified for r in mine]):.0%} "
              f"| {np.mean([r.windows_per_s for r in mine]):.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--utterances", type=int, default=20)
    parser.add_argument("--noise-seconds", type=float, default=60.0)
    parser.add_argument("--phone", action="store_true")
    parser.add_argument("--spread-factor", type=float, default=None)
    parser.add_argument("--gate-db", type=float, default=None)
    parser.add_argument("--no-skip", action="store_true",
                        help="run the classifier on near-silent frames too")
    parser.add_argument("--spread-max-db", type=float, default=None)
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=CHOICES)
    parser.add_argument("--no-cascade", action="store_true",
                        help="run the classifier on every frame above the minimum level")
    parser.add_argument("--hold-ms", type=int, default=None)
    parser.add_argument("--catch-up-ms", type=int, default=None)
    parser.add_argument("--settled-probability", type=float, default=None)
    parser.add_argument("--settled-stride", type=int, default=None)
    parser.add_argument("--settled-snr-db", type=float, default=None)
    args = parser.parse_args()
    flags = {"cascade": False if args.no_cascade else None,
             "skip_quiet_frames": False if args.no_skip else None,
             "classifier_hold_ms": args.hold_ms, "classifier_catch_up_ms": args.catch_up_ms,
             "settled_probability": args.settled_probability,
             "settled_stride": args.settled_stride, "settled_snr_db": args.settled_snr_db,
             "spread_gate_factor": args.spread_factor, "floor_gate_db": args.gate_db,
             "spread_gate_max_db": args.spread_max_db}
    config = dataclasses.replace(VadConfig(), **{k: v for k, v in flags.items() if v is not None})
    corpora = build_corpora(min(args.utterances, 200), min(args.noise_seconds, 600.0))
    total = sum(c.duration_s for c in corpora)
    print(f"corpus: {len(corpora)} parts, {total / 60:.1f} min of audio; phone={args.phone}; "
          f"config: gate {config.floor_gate_db} dB + {config.spread_gate_factor} x spread "
          f"(max {config.spread_gate_max_db} dB), min speech {config.min_speech_ms} ms, "
          f"hangover {config.hangover_ms} ms; cascade {config.cascade} (hold "
          f"{config.classifier_hold_ms} ms, catch-up {config.classifier_catch_up_ms} ms, settled "
          f"p >= {config.settled_probability}: every {config.settled_stride} windows)\n")
    kinds = tuple(args.kinds)
    print_table(evaluate(corpora, config, args.phone, kinds), kinds)


if __name__ == "__main__":
    main()
