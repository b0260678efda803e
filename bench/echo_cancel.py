"""The echo canceller (media/echo_cancel.py) on the barge-in rig's echo paths.

Two tables, stream time (the numbers do not depend on the machine's load, the CPU column does):
  * echo: the agent (-20 dBFS, looped) echoed back through each path at each level, 40 ms late,
    the guest cutting in 6-8 s into it at -26 dBFS. ERLE (how much of the echo is gone) early in
    the call, once learnt, and after the guest has talked over the agent; "guest gain" = how much
    further the guest's voice stands over what is left (of the echo, and of any harm done to the
    voice) during that double talk than over the raw echo; CPU per frame while cancelling.
  * recognition: scenario lines (>= 3 words, their suite voices) cut into the agent at -26 dBFS,
    the agent cleared 300 ms into the line (as a barge-in does), pre-roll 250 ms: word error
    rate of the recognizer (hotel LM) on the line without echo, with it, and cancelled.

    .venv/bin/python -m bench.echo_cancel [--echo-db -12 -20] [--warm-s 2 8] [--lines 40]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from media.echo_cancel import EchoCanceller
from media.speech.spelled_codes import edit_distance
from media.speech.stt import transcribe
from media.speech.stt_pocketsphinx import PocketsphinxRecognizer
from tests.media.barge import (
    RATE,
    EchoPath,
    agent_speech,
    at_level,
    echo_of,
    frames_of,
    line_noise,
    place,
    through_canceller,
)
from tests.media.corpus import tts_clip
from tests.server.test_dialogue_scenarios import SCENARIOS
from tests.spoken_scenarios import said_fresh

AGENT = ("Thank you for calling the Harbour Hotel. We have a deluxe king room for two nights "
         "from Friday, with breakfast included, at one hundred and sixty pounds a night. Shall I "
         "book it for you?")
PATHS = {"flat": None, "room": EchoPath.room(300.0), "speaker": EchoPath.room(300.0, clip=2.0)}
DELAY = 640  # samples: 40 ms


def _db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(x * x) + 1e-9))


def echo_rows(levels: list[float]) -> None:
    agent = agent_speech(tts_clip(AGENT, "en+f3", 165, 50), 12.0)
    guest_clip = at_level(tts_clip("Sorry, could I ask about parking at the hotel please?",
                                   "en-us", 160, 50), -26.0)
    at = 6 * RATE
    guest = place(agent.size, guest_clip, at)
    noise = line_noise(agent.size)
    talk = slice(at, at + guest_clip.size)
    print("| path | echo dB | ERLE 0.5-1.5 s | 1.5-3 s | 3-6 s | after double talk (8.5-12 s) "
          "| guest gain in double talk | resets | CPU µs / frame cancelled |")
    print("|---" * 9 + "|")
    for name, path in PATHS.items():
        for level in levels:
            echo = echo_of(agent, path, level, DELAY)
            canceller = EchoCanceller(RATE)
            t0 = time.process_time()
            out = through_canceller(canceller, echo + guest + noise, frames_of(agent))
            us = 1e6 * (time.process_time() - t0) / max(1, canceller.cancelled_frames)
            left = out - guest - noise
            erle = [_db(echo[int(a * RATE):int(b * RATE)]) - _db(left[int(a * RATE):int(b * RATE)])
                    for a, b in ((0.5, 1.5), (1.5, 3.0), (3.0, 6.0), (8.5, 12.0))]
            gain = (_db(guest[talk]) - _db(left[talk])) - (_db(guest[talk]) - _db(echo[talk]))
            print(f"| {name} | {level:g} | " + " | ".join(f"{e:.1f}" for e in erle)
                  + f" | {gain:.1f} | {canceller.resets} | {us:.0f} |", flush=True)


def recognition_rows(levels: list[float], warm: list[float], count: int) -> None:
    said = said_fresh(SCENARIOS)
    lines = [(line, audio) for line, audio in said.items() if len(line[0].split()) >= 3][:count]
    agent_clip = tts_clip(AGENT, "en+f3", 165, 50)
    rec = PocketsphinxRecognizer()
    words = sum(len(line[0].split()) for line, _ in lines)
    print(f"\n{len(lines)} lines, {words} words; room path (300 ms reverberation)")
    print("| echo dB | agent talked before, s | WER no echo | with echo | cancelled |")
    print("|---" * 5 + "|")
    for level in levels:
        for warm_s in warm:
            errors = {"clean": 0, "raw": 0, "cancelled": 0}
            for (text, _voice, _wpm), audio in lines:
                spoken = at_level(audio / max(1.0, float(np.sqrt(np.mean(
                    audio[np.abs(audio) > 100].astype(np.float64) ** 2)))), -26.0)
                onset = int(warm_s * RATE)
                n = onset + spoken.size + RATE // 2
                n -= n % (RATE // 50)
                sent = agent_speech(agent_clip, n / RATE)
                sent[onset + int(0.3 * RATE):] = 0  # the barge-in cleared the agent
                echo = echo_of(sent, PATHS["room"], level, DELAY)
                guest = place(n, spoken, onset) + line_noise(n)
                out = through_canceller(EchoCanceller(RATE), guest + echo, frames_of(sent))
                turn = slice(onset - RATE // 4, onset + spoken.size + RATE // 5)
                for name, signal in (("clean", guest), ("raw", guest + echo),
                                     ("cancelled", out)):
                    pcm = np.clip(np.rint(signal[turn]), -32768, 32767).astype(np.int16)
                    heard = transcribe(rec, pcm).text
                    errors[name] += edit_distance(text.split(), heard.split())
            print(f"| {level:g} | {warm_s:g} | " + " | ".join(
                f"{100 * errors[k] / words:.1f} %" for k in ("clean", "raw", "cancelled"))
                + " |", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--echo-db", type=float, nargs="+", default=[-12.0, -20.0])
    parser.add_argument("--warm-s", type=float, nargs="+", default=[2.0, 8.0],
                        help="seconds the agent talked before the guest cut in (recognition)")
    parser.add_argument("--lines", type=int, default=40)
    args = parser.parse_args()
    levels = [max(-40.0, min(e, 0.0)) for e in args.echo_db]
    echo_rows(levels)
    recognition_rows(levels, [max(0.5, min(w, 30.0)) for w in args.warm_s],
                     max(1, min(args.lines, 130)))
