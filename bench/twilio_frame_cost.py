"""CPU cost of one Twilio media frame, stage by stage (µs of process time per 20 ms frame).

Replays a spoken utterance plus silence (the same audio bench/twilio_load.py's callers send)
through each stage of the phone path in a tight loop, outside any event loop, so the numbers do
not depend on how busy the machine is. What is not here (aiohttp's websocket framing, the
socket syscalls, task wake-ups) is bench/twilio_load.py's total minus these.

    .venv/bin/python -m bench.twilio_frame_cost [--vad webrtc silero] [--frames 5000]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from media.bridge import LevelMeter
from media.clock import FrameClock
from media.frames import AudioFrame
from media.playout import Playout
from media.speech.tts import synthesize_blocking
from media.transports.bytes import MULAW_FRAME_BYTES, MULAW_RATE, MulawEncoder, MulawSource
from media.vad import VadTurnDetector, make_turn_detector
from server.twilio.protocol import Media, OutboundEncoder, encode_inbound, parse_inbound
from tests.twilio_client import silence_ulaw, speech_ulaw

UTTERANCE = "I would like to book a double room for two nights please"


def _per_frame(label: str, fn: Callable[[int], object], frames: int) -> float:
    t0 = time.process_time()
    for i in range(frames):
        fn(i)
    us = 1e6 * (time.process_time() - t0) / frames
    print(f"  {label:<44} {us:7.1f} µs")
    return us


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vad", nargs="+", default=["webrtc", "silero"])
    parser.add_argument("--frames", type=int, default=5000)
    args = parser.parse_args()
    n = args.frames
    ulaw = speech_ulaw(UTTERANCE) + silence_ulaw(2.0)
    payloads = [ulaw[i:i + MULAW_FRAME_BYTES]
                for i in range(0, len(ulaw) - MULAW_FRAME_BYTES + 1, MULAW_FRAME_BYTES)]
    texts = [encode_inbound(Media("MZ" + "0" * 32, p, i * 20, i), i)
             for i, p in enumerate(payloads)]
    k = len(payloads)

    print(f"inbound, per 20 ms frame ({k} distinct frames, {n} iterations)")
    _per_frame("parse_inbound (JSON + base64)", lambda i: parse_inbound(texts[i % k]), n)
    source = MulawSource(16000, max_queued=10)
    _per_frame("MulawSource.push (μ-law decode + 8→16 kHz)",
               lambda i: source.push(payloads[i % k]), n)
    source8 = MulawSource(8000, max_queued=10)
    _per_frame("MulawSource.push at 8 kHz (decode only)",
               lambda i: source8.push(payloads[i % k]), n)
    feed = MulawSource(16000, max_queued=100_000)
    for p in payloads:
        feed.push(p)
    frames16 = list(feed._queue)
    feed8 = MulawSource(8000, max_queued=100_000)
    for p in payloads:
        feed8.push(p)
    frames8 = list(feed8._queue)
    meter = LevelMeter("bench")
    _per_frame("LevelMeter.add (per 20 ms frame)", lambda i: meter.add(frames8[i % k]), n)
    agent = AudioFrame(np.zeros(160, np.int16), 8000)
    for vad in args.vad:
        for frames, label in ((frames16, "16 kHz in"), (frames8, "8 kHz in")):
            det = make_turn_detector(vad)
            ms = sum(f.duration_ms for f in frames)

            def run(i: int, d: VadTurnDetector = det, fs: list[AudioFrame] = frames) -> None:
                d.process(fs[i % len(fs)], agent)

            us = _per_frame(f"turn detector ({vad}, {label}) per call", run, n // 4)
            print(f"  {'  = per 20 ms of audio':<44} {us * 20 * len(frames) / ms:7.1f} µs")

    print("outbound, per 20 ms frame of agent audio")
    clock = FrameClock()
    pcm, rate = synthesize_blocking(UTTERANCE)
    playout = Playout(MULAW_RATE, clock)
    playout.track_acks()

    def refill() -> None:
        if playout.queued_ms < 100:
            playout.enqueue(np.copy(pcm), rate, utterance_id="u", last=True)

    def pull(i: int) -> None:
        if i % 50 == 0:
            refill()
        playout.pull_frame()

    refill()
    _per_frame("Playout.pull_frame", pull, n)
    frame8 = playout.pull_frame()
    encoder = MulawEncoder()
    _per_frame("MulawEncoder.encode (μ-law encode)", lambda i: encoder.encode(frame8), n)
    payload = encoder.encode(frame8)[0]
    messages = OutboundEncoder("MZ" + "0" * 32)
    _per_frame("media message (JSON + base64)", lambda i: messages.media(payload), n)
    _per_frame("mark message (1 in 5 frames)", lambda i: messages.mark(f"m{i}"), n)


if __name__ == "__main__":
    main()
