"""Media-core micro-benchmarks; one run prints every number docs/media-measurements.md quotes.

    .venv/bin/python -m bench.media [--only codecs,resample,opus,paths,playout] [--seconds 10]

Sections: G.711 codec cost; soxr vs av.AudioResampler (µs per 20 ms frame, SNR, audio held
back); outbound Opus settings (encoder CPU, size, fidelity after decode); the per-frame cost of
the WebRTC path as built (agent speaking, agent silent, a mix) and the Twilio path, stage by
stage; p50/p99 playout lateness with N playouts on one event loop sharing one FrameClock. Every
loop is bounded in iterations and wall time. Timings are noisy on a shared 2-core box: compare
orders of magnitude.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import fractions
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import av
import numpy as np
import numpy.typing as npt
import soxr
from aiortc import MediaStreamTrack
from aiortc.codecs.opus import OpusDecoder, OpusEncoder
from aiortc.jitterbuffer import JitterFrame

from media import libopus
from media.clock import FrameClock
from media.codecs import ulaw_decode, ulaw_encode
from media.frames import PCM16, AudioFrame, silence
from media.opus_encoder import Backend, OpusFrameEncoder, OpusSettings
from media.playout import Playout
from media.resample import StreamResampler
from media.speech.tts import synthesize_blocking
from media.transports.bytes import MulawEncoder, MulawSource
from media.transports.webrtc import WEBRTC_RATE, TrackSource, av_samples
from media.turns import TurnDetector
from media.vad import make_turn_detector
from tests.media.corpus import SENTENCES, VOICES, speech_corpus

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
         (48000, 24000), (22050, 48000), (22050, 24000), (24000, 16000), (22050, 16000),
         (22050, 8000)]


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
    note: str = ""

    def add(self, name: str, seconds: float) -> None:
        self.totals[name] = self.totals.get(name, 0.0) + seconds
        if name not in self.names:
            self.names.append(name)

    def report(self, title: str, opus_stages: tuple[str, ...] = ()) -> None:
        per = {n: 1e6 * self.totals[n] / max(self.frames, 1) for n in self.names}
        total = sum(per.values())
        no_opus = sum(v for n, v in per.items() if n not in opus_stages)
        stages = ", ".join(f"{n} {v:.1f}" for n, v in per.items())
        if self.note:
            stages += f" ({self.note})"
        line = f"| {title} | {total:.1f} |"
        line += f" {no_opus:.1f} |" if opus_stages else " - |"
        print(f"{line} {stages} |")


def _speech_16k(seconds: float) -> PCM16:
    audio = speech_corpus(7, max(2, int(seconds / 2.5)))
    return audio.samples[: int(seconds * 16000)]


def _agent_tts(seconds: float) -> tuple[PCM16, int]:
    """The agent's voice as it reaches the playout: espeak-ng at its own rate (22.05 kHz),
    sentences back to back (no pauses between them), at least `seconds` long."""
    clips: list[PCM16] = []
    rate = 0
    total = 0
    i = 0
    while total < seconds * 22050:
        pcm, rate = synthesize_blocking(SENTENCES[i % len(SENTENCES)],
                                        VOICES[i % len(VOICES)], 165, 50)
        active = np.flatnonzero(np.abs(pcm) > 200)
        clip = pcm[active[0] : active[-1] + 1] if active.size else pcm
        clips.append(clip)
        total += clip.size
        i += 1
    return np.concatenate(clips), rate


def _frames48(pcm: PCM16, rate: int, out_rate: int = 48000) -> list[PCM16]:
    """`pcm` at `out_rate` cut into 20 ms frames, resampled as the playout does (20 ms
    chunks)."""
    up = StreamResampler(rate, out_rate)
    step = rate // 50
    n = out_rate // 50
    y = np.concatenate([up.process(pcm[i : i + step]) for i in range(0, pcm.size, step)])
    return [y[i : i + n] for i in range(0, y.size - n + 1, n)]


# -- Opus settings ----------------------------------------------------------------------------
EncodeFn = Callable[[PCM16, int], list[bytes]]


def _ours(settings: OpusSettings, feed: list[PCM16] | None = None, rate: int = 48000,
          backend: Backend = "auto") -> Callable[[], EncodeFn]:
    """Our encoder; fed `feed` (the same speech at `rate`) instead of the 48 kHz frames."""
    def make() -> EncodeFn:
        enc = OpusFrameEncoder(rate, settings, backend)
        if feed is None:
            return lambda x, i: [bytes(enc.encode(AudioFrame(x, 48000, i * 0.02)))]
        return lambda x, i: [bytes(enc.encode(AudioFrame(feed[i], rate, i * 0.02)))]
    return make


def _aiortc() -> EncodeFn:
    enc = OpusEncoder()

    def encode(x: PCM16, i: int) -> list[bytes]:
        frame = av.AudioFrame.from_ndarray(x.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = 48000
        frame.pts = i * 960
        frame.time_base = fractions.Fraction(1, 48000)
        return enc.encode(frame)[0]
    return encode


def _decode_left(packets: list[bytes]) -> PCM16:
    dec = OpusDecoder()  # as aiortc decodes (stereo s16); browsers decode the same bitstream
    out: list[PCM16] = []
    for i, packet in enumerate(packets):
        for frame in dec.decode(JitterFrame(packet, i * 960)):
            assert isinstance(frame, av.AudioFrame)
            out.append(frame.to_ndarray().reshape(-1)[0::2].astype(np.int16))
    return np.concatenate(out)


@dataclass(frozen=True, slots=True)
class OpusScore:
    us_per_frame: float  # encoder CPU per speech frame, best of 3 passes
    bytes_per_frame: float
    corr: float  # waveform correlation after decode, at the best lag
    seg_snr_db: float  # mean over 20 ms frames, each clipped to [-10, 35] dB
    hf_db: float  # energy above 8 kHz after decode relative to before
    lsd_db: float  # log-spectral distance below 12 kHz, mean over speech frames


def _log_spectral_distance(a: Float, b: Float) -> float:
    """RMS dB difference of the power spectra (0-12 kHz, 20 ms Hann windows, hop 10 ms) over
    frames with speech: a codec that keeps the spectral envelope but not the waveform (SILK)
    scores well here where correlation and SNR under-rate it."""
    window = np.hanning(960)
    floor = 1e3  # about -90 dB re full scale per bin: silence does not dominate
    out = []
    for i in range(0, a.size - 959, 480):
        fa = a[i : i + 960]
        if np.sum(fa**2) < 1e6:
            continue
        pa = np.abs(np.fft.rfft(fa * window))[:241] ** 2 + floor
        pb = np.abs(np.fft.rfft(b[i : i + 960] * window))[:241] ** 2 + floor
        out.append(float(np.sqrt(np.mean((10 * np.log10(pa / pb)) ** 2))))
    return float(np.mean(out))


def _score_opus(frames: list[PCM16], make: Callable[[], EncodeFn]) -> OpusScore:
    best = float("inf")
    packets: list[bytes] = []
    for _ in range(3):
        encode = make()
        packets = []
        t0 = time.process_time()
        for i, x in enumerate(frames):
            packets.extend(encode(x, i))
        best = min(best, 1e6 * (time.process_time() - t0) / len(frames))
    ref = np.concatenate(frames).astype(np.float64)
    got = _decode_left(packets).astype(np.float64)
    probe = slice(48000, 3 * 48000)

    def corr_at(lag: int) -> float:
        n = min(ref.size, got.size - lag)
        return float(np.corrcoef(ref[:n][probe], got[lag : lag + n][probe])[0, 1])

    lag = max(range(0, 1200), key=corr_at)
    n = min(ref.size, got.size - lag)
    a, b = ref[:n], got[lag : lag + n]
    segs = []
    for i in range(0, n - 959, 960):
        sa, sb = a[i : i + 960], b[i : i + 960]
        segs.append(float(np.clip(10 * np.log10(np.sum(sa**2) / max(np.sum((sa - sb) ** 2),
                                                                      1e-9)), -10, 35)))
    spec_a = np.abs(np.fft.rfft(a)) ** 2
    spec_b = np.abs(np.fft.rfft(b)) ** 2
    hi = slice(int(8000 * n / 48000), None)
    return OpusScore(best, float(np.mean([len(p) for p in packets])),
                     float(np.corrcoef(a, b)[0, 1]), float(np.mean(segs)),
                     float(10 * np.log10(np.sum(spec_b[hi]) / np.sum(spec_a[hi]))),
                     _log_spectral_distance(a, b))


def bench_opus(seconds: float) -> None:
    pcm, rate = _agent_tts(min(seconds, 20.0))
    frames = _frames48(pcm, rate)
    print(f"## Outbound Opus settings ({len(frames)} frames of espeak-ng speech at {rate} Hz "
          "-> 48 kHz): encoder cost, size and fidelity after decode")
    print("Fidelity is against the 48 kHz frames whatever the encoder is fed; 'fed 24k' encodes "
          "the same speech resampled to 24 kHz, as a WebRTC playout makes it. 'voip' lets "
          "libopus pick SILK/hybrid for speech, 'audio' picks CELT at these settings. LSD: "
          "log-spectral distance below 12 kHz (lower is better). 'ours' calls libopus directly "
          f"({OpusFrameEncoder().backend} here) unless it says 'through PyAV'.")
    print()
    print("| encoder | application | kbit/s | complexity | band | µs/frame | bytes/frame "
          "| correlation | seg. SNR dB | > 8 kHz dB | LSD dB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    frames24 = _frames48(pcm, rate, 24000)[: len(frames)]
    frames16 = _frames48(pcm, rate, 16000)[: len(frames)]
    frames = frames[: min(len(frames24), len(frames16))]
    configs: list[tuple[str, str, int, int, str, Callable[[], EncodeFn]]] = [
        ("aiortc (stereo)", "audio", 96, 10, "full", _aiortc)]
    for app in ("voip", "audio"):
        for kbps in (24, 32, 40):
            configs.append(("ours (mono), fed 24k", app, kbps, 0, "SWB 12k",
                            _ours(OpusSettings(kbps * 1000, 0, 12000, app), frames24, 24000)))
        configs.append(("ours (mono)", app, 40 if app == "audio" else 32, 0, "SWB 12k",
                        _ours(OpusSettings(40000 if app == "audio" else 32000, 0, 12000, app))))
    for app, kbps in (("voip", 32), ("audio", 40)):
        configs.append(("ours (mono), fed 24k, through PyAV", app, kbps, 0, "SWB 12k",
                        _ours(OpusSettings(kbps * 1000, 0, 12000, app), frames24, 24000,
                              "pyav")))
    configs.append(("ours (mono), fed 24k", "audio", 40, 3, "SWB 12k",
                    _ours(OpusSettings(40000, 3, 12000, "audio"), frames24, 24000)))
    configs.append(("ours (mono), fed 16k", "voip", 32, 0, "WB 8k",
                    _ours(OpusSettings(32000, 0, 8000, "voip"), frames16, 16000)))
    for kbps in (24, 32):
        for complexity in (1, 3, 5, 10):
            configs.append(("ours (mono)", "voip", kbps, complexity, "SWB 12k",
                            _ours(OpusSettings(kbps * 1000, complexity, 12000, "voip"))))
    for complexity in (0, 10):
        configs.append(("ours (mono)", "voip", 32, complexity, "WB 8k",
                        _ours(OpusSettings(32000, complexity, 8000, "voip"))))
    for name, app, kbps, complexity, band, make in configs:
        sc = _score_opus(frames, make)
        print(f"| {name} | {app} | {kbps} | {complexity} | {band} | {sc.us_per_frame:.1f} "
              f"| {sc.bytes_per_frame:.0f} | {sc.corr:.3f} | {sc.seg_snr_db:.1f} "
              f"| {sc.hf_db:.1f} | {sc.lsd_db:.2f} |")
    print()
    _bench_opus_loss(frames, frames24)


def _plc_decode(packets: list[bytes], loss: float, seed: int = 3) -> PCM16 | None:
    """Decode at 48 kHz with libopus (ctypes), `loss` of the packets dropped at random and
    concealed by libopus's PLC, as a browser's decoder does; None without a loadable libopus."""
    lib = libopus.load()
    if lib is None:
        return None
    lib.opus_decoder_create.restype = ctypes.c_void_p
    lib.opus_decoder_create.argtypes = [ctypes.c_int32, ctypes.c_int,
                                        ctypes.POINTER(ctypes.c_int)]
    lib.opus_decode.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32,
                                ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
    lib.opus_decoder_destroy.argtypes = [ctypes.c_void_p]
    err = ctypes.c_int(0)
    dec = lib.opus_decoder_create(48000, 1, ctypes.byref(err))
    rng = np.random.default_rng(seed)
    buf = np.zeros(960, np.int16)
    out = []
    for packet in packets:
        lost = rng.random() < loss
        n = lib.opus_decode(dec, None if lost else packet, 0 if lost else len(packet),
                            buf.ctypes.data, 960, 0)
        out.append(buf[: max(n, 0)].copy())
    lib.opus_decoder_destroy(dec)
    return np.concatenate(out)


def _bench_opus_loss(frames: list[PCM16], frames24: list[PCM16]) -> None:
    ref = np.concatenate(frames).astype(np.float64)
    print("With packets lost at random (the same frames lost for every setting), concealed by "
          "libopus's PLC; fed 24k, complexity 0, SWB:")
    print()
    print("| application | kbit/s | loss | correlation | LSD dB |")
    print("|---|---|---|---|---|")
    for app, kbps in (("voip", 32), ("audio", 32), ("audio", 40)):
        enc = OpusFrameEncoder(24000, OpusSettings(kbps * 1000, 0, 12000, app))
        packets = [bytes(enc.encode(AudioFrame(x, 24000))) for x in frames24]
        for loss in (0.0, 0.05, 0.10):
            got = _plc_decode(packets, loss)
            if got is None:
                print("(no loadable libopus: skipped)")
                return
            g = got.astype(np.float64)
            lag = max(range(0, 1200, 2), key=lambda k: float(np.corrcoef(
                ref[48000:144000], g[48000 + k : 144000 + k])[0, 1]))
            n = min(ref.size, g.size - lag)
            a, b = ref[:n], g[lag : lag + n]
            print(f"| {app} | {kbps} | {loss:.0%} | {float(np.corrcoef(a, b)[0, 1]):.3f} "
                  f"| {_log_spectral_distance(a, b):.2f} |")
    print()


def bench_paths(seconds: float) -> None:
    speech16 = _speech_16k(seconds)
    speech48: PCM16 = soxr.resample(speech16, 16000, 48000, quality="HQ")
    speech8: PCM16 = soxr.resample(speech16, 16000, 8000, quality="HQ")
    agent, agent_rate = _agent_tts(seconds)
    n_frames = min(speech16.size // 320, 50 * 120)

    # The guest's Opus as Chromium sends it: mono, VoIP, 32 kbit/s, complexity 9, 20 ms.
    chrome = OpusFrameEncoder(48000, OpusSettings(32000, 9, 20000, "voip"))
    packets = [bytes(chrome.encode(AudioFrame(speech48[i * 960 : (i + 1) * 960], 48000)))
               for i in range(n_frames)]

    print(f"## Per-frame cost of the media paths ({n_frames} frames), µs per 20 ms; WebRTC: "
          f"per stage the best of {PASSES} passes")
    print("WebRTC: the guest speaks in every frame (worst case for the VAD); 'agent speaking' "
          "frames encode the agent's TTS, 'agent silent' frames send the cached silence packet; "
          f"'mix' weighs them {AGENT_SHARE:.0%} / {1 - AGENT_SHARE:.0%}. 'on our loop' leaves "
          "out the Opus decode, which aiortc runs on its decoder thread.")
    print()
    print("| path | total µs | on our loop µs | stages (µs) |")
    print("|---|---|---|---|")
    for kind in ("silero", "webrtc"):
        rows = {}
        for agent_speaks in (True, False):
            st = _best_of([_webrtc_path(packets, kind, agent if agent_speaks else None,
                                        agent_rate) for _ in range(PASSES)])
            label = "agent speaking" if agent_speaks else "agent silent"
            st.report(f"WebRTC, {kind}, {label}", ("opus decode",))
            rows[agent_speaks] = st
        _report_mix(f"WebRTC, {kind}, mix", rows[True], rows[False], AGENT_SHARE,
                    ("opus decode",))
    st = _best_of([_webrtc_path(packets, "webrtc", agent, agent_rate, 48000)
                   for _ in range(PASSES)])
    st.report("WebRTC, webrtc, agent speaking, playout and Opus input at 48 kHz",
              ("opus decode",))
    st = _best_of([_webrtc_before(packets, agent, agent_rate) for _ in range(PASSES)])
    st.report("WebRTC before (aiortc encodes stereo 96 kbit/s; webrtc VAD), agent speaking",
              ("opus decode",))
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
    print("Outbound as aiortc's sender drives it, process CPU (all threads) per frame: before, "
          "an av.AudioFrame encoded by aiortc via run_in_executor; now, PlayoutTrack's packet, "
          "packed.")
    print()
    print("| outbound | agent speaking µs/frame | agent silent µs/frame |")
    print("|---|---|---|")
    for label, before in (("before: frame -> executor encode", True),
                          ("now: packet -> pack", False)):
        speaking = min(asyncio.run(_sender_cpu(agent, agent_rate, min(n_frames, 500), before))
                       for _ in range(PASSES))
        silent = min(asyncio.run(_sender_cpu(None, agent_rate, min(n_frames, 500), before))
                     for _ in range(PASSES))
        print(f"| {label} | {speaking:.1f} | {silent:.1f} |")
    print()
    base = min(asyncio.run(_source_cpu(False)) for _ in range(PASSES))
    source = min(asyncio.run(_source_cpu(True)) for _ in range(PASSES))
    print("Inbound on the event loop: TrackSource.recv() per frame (wake-ups, gap timer, to mono, "
          "48k->16k), process CPU, a frame queued every 1 ms as aiortc's receiver queues them: "
          f"{source - base:.1f} µs (the producer alone: {base:.1f} µs).")
    print()


AGENT_SHARE = 0.5  # share of a call's frames in which the agent speaks, for the 'mix' rows
PASSES = 3  # WebRTC path figures are the best of this many passes (others share the CPU)


def _best_of(runs: list[StageTimes]) -> StageTimes:
    """Per stage, the lowest mean over the passes: what the code costs when not preempted."""
    best = StageTimes([], {}, frames=1, note=runs[0].note)
    for name in runs[0].names:
        best.add(name, min(r.totals[name] / r.frames for r in runs))
    return best


def _inbound(dec: OpusDecoder, down: StreamResampler, det: TurnDetector, packet: bytes, i: int,
             st: StageTimes, kind: str) -> None:
    """What aiortc's decoder thread and then TrackSource + the bridge's VAD do per frame."""
    t0 = time.perf_counter()
    frames = dec.decode(JitterFrame(packet, i * 960))
    t1 = time.perf_counter()
    decoded = frames[0]
    assert isinstance(decoded, av.AudioFrame)
    samples, channels, _ = av_samples(decoded)
    t2 = time.perf_counter()
    x16 = down.process(samples, channels=channels)
    frame = AudioFrame(x16, 16000, i * 0.02) if x16.size else None
    t3 = time.perf_counter()
    if frame is not None:
        det.process(frame)
    t4 = time.perf_counter()
    for name, dt in (("opus decode", t1 - t0), ("frame -> numpy", t2 - t1),
                     ("to mono + 48k->16k", t3 - t2), (f"VAD {kind}", t4 - t3)):
        st.add(name, dt)


SENTENCE_FRAMES = 100  # the agent's audio reaches the playout a sentence (~2 s) at a time


def _webrtc_path(packets: list[bytes], kind: str, agent: PCM16 | None,
                 agent_rate: int, rate: int = WEBRTC_RATE) -> StageTimes:
    """The WebRTC path as built: inbound as aiortc + TrackSource do it; outbound the agent's
    audio enqueued as the offline engine's speaker does (a sentence at a time: 2 s chunks, the
    resampling cost spread over their frames), pulled from a real Playout at `rate`, encoded
    by PlayoutTrack's encoder and packed as aiortc packs pre-encoded packets."""
    st = StageTimes([], {})
    dec = OpusDecoder()
    down = StreamResampler(48000, 16000)
    det = make_turn_detector(kind)
    playout = Playout(rate, FrameClock())
    encoder = OpusFrameEncoder(rate)
    for _ in range(10):  # a call's track sends silence before the greeting: a warm encoder
        encoder.encode(silence(rate))
    packer = OpusEncoder()
    step = agent_rate // 50
    sentence = SENTENCE_FRAMES * step
    for i, packet in enumerate(packets):
        _inbound(dec, down, det, packet, i, st, kind)
        t0 = time.perf_counter()
        if agent is not None and i % SENTENCE_FRAMES == 0 and i * step < agent.size:
            playout.enqueue(agent[i * step : i * step + sentence], agent_rate, utterance_id="u")
        t1 = time.perf_counter()
        out = playout.pull_frame()
        t2 = time.perf_counter()
        encoded = encoder.encode(out)
        t3 = time.perf_counter()
        packer.pack(encoded)
        t4 = time.perf_counter()
        for name, dt in ((f"enqueue (22.05k->{rate // 1000}k)", t1 - t0), ("playout pull", t2 - t1),
                         ("opus encode", t3 - t2), ("RTP pack", t4 - t3)):
            st.add(name, dt)
        st.frames += 1
    st.note = (f"{encoder.frames_encoded} encoded, {encoder.silence_packets_sent} cached")
    return st


def _webrtc_before(packets: list[bytes], agent: PCM16, agent_rate: int) -> StageTimes:
    """The path before this change: aiortc encoded every frame (stereo, 96 kbit/s, its own
    resampler) on an executor thread; the thread hop itself is not counted here."""
    st = StageTimes([], {})
    dec = OpusDecoder()
    down = StreamResampler(48000, 16000)
    det = make_turn_detector("webrtc")
    up = StreamResampler(agent_rate, 48000)
    enc = _aiortc()
    for i in range(10):  # warm, as in _webrtc_path
        enc(np.zeros(960, np.int16), i)
    step = agent_rate // 50
    for i, packet in enumerate(packets):
        _inbound(dec, down, det, packet, i, st, "webrtc")
        t0 = time.perf_counter()
        y48 = up.process(agent[i * step : (i + 1) * step])
        t1 = time.perf_counter()
        if y48.size:
            enc(y48, i + 10)
        t2 = time.perf_counter()
        for name, dt in (("22.05k->48k", t1 - t0), ("opus encode", t2 - t1)):
            st.add(name, dt)
        st.frames += 1
    return st


async def _sender_cpu(agent: PCM16 | None, agent_rate: int, frames: int, before: bool
                      ) -> float:
    """Process CPU per frame of the outbound half of aiortc's sender loop (no RTP/network)."""
    loop = asyncio.get_running_loop()
    rate = 48000 if before else WEBRTC_RATE
    playout = Playout(rate, FrameClock())
    if agent is not None:
        playout.enqueue(agent, agent_rate, utterance_id="u", last=True)
    packer = OpusEncoder()  # before: also the encoder aiortc ran on its executor
    encoder = OpusFrameEncoder(rate)
    await loop.run_in_executor(None, lambda: None)  # start the executor's thread first
    t0 = time.process_time()
    for i in range(frames):
        frame = playout.pull_frame()
        if before:
            out = av.AudioFrame.from_ndarray(frame.samples.reshape(1, -1), format="s16",
                                             layout="mono")
            out.sample_rate = 48000
            out.pts = i * 960
            out.time_base = fractions.Fraction(1, 48000)
            await loop.run_in_executor(None, packer.encode, out, False)
        else:
            packer.pack(encoder.encode(frame))
        await asyncio.sleep(0)  # the sender awaits the track between frames
    return 1e6 * (time.process_time() - t0) / frames


class _QueueTrack(MediaStreamTrack):
    """Like aiortc's remote track: `recv()` is a get on a queue the receiver fills."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self.queue: asyncio.Queue[av.AudioFrame] = asyncio.Queue()

    async def recv(self) -> av.AudioFrame:
        return await self.queue.get()


async def _source_cpu(with_source: bool, frames: int = 1000) -> float:
    """Process CPU per frame of feeding `frames` stereo frames, read by a TrackSource or not."""
    rng = np.random.default_rng(5)
    decoded = []
    for i in range(50):
        x = (rng.standard_normal(1920) * 2000).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(x.reshape(1, -1), format="s16", layout="stereo")
        frame.sample_rate = 48000
        frame.pts = i * 960
        frame.time_base = fractions.Fraction(1, 48000)
        decoded.append(frame)
    track = _QueueTrack()
    source = TrackSource(track, 16000)

    async def read() -> None:
        while True:
            await source.recv()

    reader = asyncio.ensure_future(read()) if with_source else None
    t0 = time.process_time()
    for i in range(frames):
        track.queue.put_nowait(decoded[i % 50])
        await asyncio.sleep(0.001)
    spent = time.process_time() - t0
    if reader is not None:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
    return 1e6 * spent / frames


def _report_mix(title: str, speaking: StageTimes, silent: StageTimes, share: float,
                excluded: tuple[str, ...]) -> None:
    mixed = StageTimes([], {}, frames=1)
    for name in speaking.names:
        mixed.add(name, share * speaking.totals[name] / speaking.frames
                  + (1 - share) * silent.totals.get(name, 0.0) / silent.frames)
    mixed.report(title, excluded)


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
    parser.add_argument("--only", default="codecs,resample,opus,paths,playout")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    sections = set(args.only.split(","))
    seconds = max(1.0, min(args.seconds, 60.0))
    if "codecs" in sections:
        bench_codecs()
    if "resample" in sections:
        bench_resample(seconds)
    if "opus" in sections:
        bench_opus(seconds)
    if "paths" in sections:
        bench_paths(seconds)
    if "playout" in sections:
        bench_playout(seconds)


if __name__ == "__main__":
    main()
