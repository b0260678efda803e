"""Media-core micro-benchmarks; one run prints every number docs/media-measurements.md quotes.

    .venv/bin/python -m bench.media [--only codecs,resample,paths,playout] [--seconds 10]

Sections: G.711 codec cost; soxr vs av.AudioResampler (µs per 20 ms frame, SNR, audio held
back); the per-frame cost of the WebRTC and Twilio media paths, stage by stage; p50/p99 playout
lateness with N playouts on one event loop sharing one FrameClock. Every loop is bounded in
iterations and wall time. Timings are noisy on a shared 2-core box: compare orders of magnitude.
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import av
import numpy as np
import numpy.typing as npt
import soxr
from aiortc.codecs.opus import OpusDecoder, OpusEncoder
from aiortc.jitterbuffer import JitterFrame

from media.clock import FrameClock
from media.codecs import ulaw_decode, ulaw_encode
from media.frames import PCM16, AudioFrame
from media.playout import Playout
from media.resample import StreamResampler
from media.transports.bytes import MulawEncoder, MulawSource
from media.transports.webrtc import av_to_mono
from media.vad import make_turn_detector
from tests.media.corpus import speech_corpus

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

Float = npt.NDArray[np.float64]
MAX_WALL_S = 20.0  # no section loop runs longer than this


def _sine(rate: int, seconds: float, freq: float) -> PCM16:
    t = np.arange(int(rate * seconds)) / rate
    return (0.5 * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def _time_per_call(fn: Callable[[], object], calls: int) -> float:
    """Mean µs per call over at most `calls` calls and MAX_WALL_S seconds."""
    deadline = time.perf_counter() + MAX_WALL_S
    t0 = time.perf_counter()
    done = 0
    for _ in range(calls):
        fn()
        done += 1
        if time.perf_counter() > deadline:
            break
    return 1e6 * (time.perf_counter() - t0) / max(done, 1)


# -- codecs ----------------------------------------------------------------------------------
def bench_codecs() -> None:
    x = _sine(8000, 0.02, 440.0)
    raw = x.tobytes()
    codes = ulaw_encode(x).tobytes()
    print("## G.711 (160 samples = 20 ms at 8 kHz), µs per frame")
    print("| op | media.codecs | audioop |")
    print("|---|---|---|")
    print(f"| μ-law encode | {_time_per_call(lambda: ulaw_encode(x), 20000):.2f} "
          f"| {_time_per_call(lambda: audioop.lin2ulaw(raw, 2), 20000):.2f} |")
    print(f"| μ-law decode | {_time_per_call(lambda: ulaw_decode(codes), 20000):.2f} "
          f"| {_time_per_call(lambda: audioop.ulaw2lin(codes, 2), 20000):.2f} |")
    print()


# -- resamplers ------------------------------------------------------------------------------
PAIRS = [(8000, 16000), (16000, 8000), (16000, 48000), (48000, 16000), (24000, 48000),
         (48000, 24000), (22050, 48000), (22050, 16000), (22050, 8000)]


def _snr_db(out: PCM16, rate: int, freq: float) -> float:
    skip = rate // 10
    y = out[skip:].astype(np.float64)
    t = np.arange(skip, skip + y.size) / rate
    basis = np.stack([np.sin(2 * np.pi * freq * t), np.cos(2 * np.pi * freq * t)], axis=1)
    coef, *_ = np.linalg.lstsq(basis, y, rcond=None)
    fit = basis @ coef
    return float(10 * np.log10(np.sum(fit**2) / max(np.sum((y - fit) ** 2), 1e-9)))


def _run_soxr(quality: str, a: int, b: int, x: PCM16) -> tuple[PCM16, float]:
    rs = StreamResampler(a, b, quality=quality)
    step = a // 50
    out: list[PCM16] = []
    t0 = time.perf_counter()
    for i in range(0, x.size, step):
        out.append(rs.process(x[i : i + step]))
    return np.concatenate(out), 1e6 * (time.perf_counter() - t0) / (x.size // step)


def _run_av(a: int, b: int, x: PCM16) -> tuple[PCM16, float]:
    rs = av.AudioResampler(format="s16", layout="mono", rate=b)
    step = a // 50
    out: list[PCM16] = []
    t0 = time.perf_counter()
    for i in range(0, x.size, step):
        frame = av.AudioFrame.from_ndarray(x[i : i + step].reshape(1, -1), format="s16",
                                           layout="mono")
        frame.sample_rate = a
        frame.pts = i
        frame.time_base = fractions.Fraction(1, a)
        for o in rs.resample(frame):
            out.append(o.to_ndarray().reshape(-1).astype(np.int16))
    return np.concatenate(out), 1e6 * (time.perf_counter() - t0) / (x.size // step)


def bench_resample(seconds: float) -> None:
    print("## Resampling, 20 ms frames, 2 s of sine: µs/frame, SNR at 1 kHz and at 0.45 x the "
          "lower rate, audio held back")
    print("| pair | impl | µs/frame | SNR 1 kHz dB | SNR high dB | held back ms |")
    print("|---|---|---|---|---|---|")
    dur = min(seconds, 2.0)
    for a, b in PAIRS:
        hi = 0.45 * min(a, b)
        for impl in ("soxr-HQ", "soxr-LQ", "soxr-QQ", "av"):
            def run(x: PCM16, impl: str = impl, a: int = a, b: int = b
                    ) -> tuple[PCM16, float]:
                if impl == "av":
                    return _run_av(a, b, x)
                return _run_soxr(impl.split("-")[1], a, b, x)

            out1, us = run(_sine(a, dur, 1000.0))
            out2, _ = run(_sine(a, dur, hi))
            held = 1000 * (dur - out1.size / b)
            print(f"| {a}->{b} | {impl} | {us:.1f} | {_snr_db(out1, b, 1000.0):.1f} "
                  f"| {_snr_db(out2, b, hi):.1f} | {held:.1f} |")
    print()


# -- media paths -----------------------------------------------------------------------------
@dataclass(slots=True)
class StageTimes:
    names: list[str]
    totals: dict[str, float]
    frames: int = 0

    def add(self, name: str, seconds: float) -> None:
        self.totals[name] = self.totals.get(name, 0.0) + seconds
        if name not in self.names:
            self.names.append(name)

    def report(self, title: str, opus_stages: tuple[str, ...] = ()) -> None:
        per = {n: 1e6 * self.totals[n] / max(self.frames, 1) for n in self.names}
        total = sum(per.values())
        no_opus = sum(v for n, v in per.items() if n not in opus_stages)
        stages = ", ".join(f"{n} {v:.1f}" for n, v in per.items())
        line = f"| {title} | {total:.1f} |"
        line += f" {no_opus:.1f} |" if opus_stages else " - |"
        print(f"{line} {stages} |")


def _speech_16k(seconds: float) -> PCM16:
    audio = speech_corpus(7, max(2, int(seconds / 2.5)))
    return audio.samples[: int(seconds * 16000)]


def bench_paths(seconds: float) -> None:
    speech16 = _speech_16k(seconds)
    speech48: PCM16 = soxr.resample(speech16, 16000, 48000, quality="HQ")
    speech8: PCM16 = soxr.resample(speech16, 16000, 8000, quality="HQ")
    tts22: PCM16 = soxr.resample(speech16, 16000, 22050, quality="HQ")
    n_frames = min(speech16.size // 320, 50 * 120)

    # Opus packets as Chrome would send them (stereo 48 kHz, 20 ms).
    enc = OpusEncoder()
    packets: list[bytes] = []
    for i in range(n_frames):
        chunk = speech48[i * 960 : (i + 1) * 960]
        frame = av.AudioFrame.from_ndarray(np.repeat(chunk, 2).reshape(1, -1), format="s16",
                                           layout="stereo")
        frame.sample_rate = 48000
        frame.pts = i * 960
        frame.time_base = fractions.Fraction(1, 48000)
        got, _ = enc.encode(frame)
        packets.extend(got)

    print(f"## Per-frame cost of the media paths ({n_frames} frames of TTS speech), µs per 20 ms")
    print("| path | total µs | without Opus µs | stages (µs) |")
    print("|---|---|---|---|")
    for kind in ("silero", "webrtc"):
        st = StageTimes([], {})
        dec = OpusDecoder()
        down = StreamResampler(48000, 16000)
        up = StreamResampler(22050, 48000)
        out_enc = OpusEncoder()
        det = make_turn_detector(kind)
        for i, packet in enumerate(packets[:n_frames]):
            t0 = time.perf_counter()
            frames = dec.decode(JitterFrame(packet, i * 960))
            t1 = time.perf_counter()
            decoded = frames[0]
            assert isinstance(decoded, av.AudioFrame)
            mono, _ = av_to_mono(decoded)
            t2 = time.perf_counter()
            x16 = down.process(mono)
            t3 = time.perf_counter()
            if x16.size:
                det.process(AudioFrame(x16, 16000, i * 0.02))
            t4 = time.perf_counter()
            y48 = up.process(tts22[i * 441 : (i + 1) * 441])
            t5 = time.perf_counter()
            if y48.size:
                frame = av.AudioFrame.from_ndarray(y48.reshape(1, -1), format="s16",
                                                   layout="mono")
                frame.sample_rate = 48000
                frame.pts = i * 960
                frame.time_base = fractions.Fraction(1, 48000)
                out_enc.encode(frame)
            t6 = time.perf_counter()
            for name, dt in (("opus decode", t1 - t0), ("to mono", t2 - t1),
                             ("48k->16k", t3 - t2), (f"VAD {kind}", t4 - t3),
                             ("22.05k->48k", t5 - t4), ("opus encode", t6 - t5)):
                st.add(name, dt)
            st.frames += 1
        st.report(f"WebRTC, {kind}", ("opus decode", "opus encode"))

    for kind in ("silero", "webrtc"):
        st = StageTimes([], {})
        src = MulawSource(sample_rate=16000, max_queued=4)
        det = make_turn_detector(kind)
        out = MulawEncoder()
        payloads = [ulaw_encode(speech8[i * 160 : (i + 1) * 160]).tobytes()
                    for i in range(n_frames)]
        agent16 = speech16
        for i, payload in enumerate(payloads):
            t0 = time.perf_counter()
            src.push(payload)  # μ-law decode + 8k->16k
            t1 = time.perf_counter()
            while src._queue:
                det.process(src._queue.popleft())
            t2 = time.perf_counter()
            out.encode(AudioFrame(agent16[i * 320 : (i + 1) * 320], 16000, i * 0.02))
            t3 = time.perf_counter()  # 16k->8k + μ-law encode
            for name, dt in (("μ-law decode + 8k->16k", t1 - t0), (f"VAD {kind}", t2 - t1),
                             ("16k->8k + μ-law encode", t3 - t2)):
                st.add(name, dt)
            st.frames += 1
        st.report(f"Twilio, {kind}")
    print()


# -- playout lateness ------------------------------------------------------------------------
async def _playouts(n: int, frames: int, work: Callable[[], object] | None) -> Float:
    clock = FrameClock()
    lateness: list[float] = []
    deadline = time.perf_counter() + MAX_WALL_S

    async def one(p: Playout) -> None:
        for _ in range(frames):
            await p.next_frame()
            lateness.append(p.last_lateness_s)
            if work is not None:
                work()
            if time.perf_counter() > deadline:
                return

    playouts = [Playout(48000, clock) for _ in range(n)]
    tone = _sine(48000, frames * 0.02, 440.0)
    for i, p in enumerate(playouts):
        p.enqueue(tone, 48000, utterance_id=f"u{i}", last=True)
    await asyncio.gather(*(one(p) for p in playouts))
    return np.array(lateness)


def bench_playout(seconds: float) -> None:
    frames = int(min(seconds, 10.0) * 50)
    det_cache: dict[int, Callable[[], object]] = {}

    def twilio_work() -> Callable[[], object]:
        src = MulawSource(sample_rate=16000, max_queued=4)
        det = make_turn_detector("webrtc")
        payload = ulaw_encode(_sine(8000, 0.02, 300.0)).tobytes()

        def work() -> None:
            src.push(payload)
            while src._queue:
                det.process(src._queue.popleft())
        return work

    print(f"## Playout lateness, N playouts on one loop and one FrameClock ({frames} frames each)")
    print("| playouts | per-frame work | p50 ms | p99 ms | max ms | frames |")
    print("|---|---|---|---|---|---|")
    for n in (1, 25, 50, 100):
        for label in ("none", "μ-law in + webrtc VAD"):
            work = None
            if label != "none":
                # one shared detector per run is fine here: it only measures CPU per frame
                work = det_cache.setdefault(n, twilio_work())
            late = asyncio.run(_playouts(n, frames, work)) * 1000
            print(f"| {n} | {label} | {np.percentile(late, 50):.2f} "
                  f"| {np.percentile(late, 99):.2f} | {late.max():.2f} | {late.size} |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="codecs,resample,paths,playout")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    sections = set(args.only.split(","))
    seconds = max(1.0, min(args.seconds, 60.0))
    if "codecs" in sections:
        bench_codecs()
    if "resample" in sections:
        bench_resample(seconds)
    if "paths" in sections:
        bench_paths(seconds)
    if "playout" in sections:
        bench_playout(seconds)


if __name__ == "__main__":
    main()
