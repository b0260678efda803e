"""Spoken scenario suite as a bench: every dialogue scenario spoken through the bridge, VAD,
recognizer workers, dialogue, tools and TTS; prints per-scenario PASS/FAIL (what was said and
heard with -v), the per-task table and the task success rate, with the CPU seconds used.
Run as `python -m bench.spoken_scenarios [-v] [--pace P] [--playout-pace Q] [INDEX ...]`.
`--capture DIR` also saves every recognized turn (the audio the recognizer got, its context,
the line said and what was heard) for `python -m bench.stt_replay DIR`; `--log-turns` prints
the offline engine's per-turn log (audio fed to the recognizer, gaps, frames dropped);
`--phone` makes every call a phone call (the lines as an 8 kHz μ-law line carries them, heard by
the phone-band recognizer, or with `--unadapted` by the wide-band one)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench.stt_corpus import over_the_phone
from media.frames import PCM16
from media.speech.stt import PHONE_LINE_RATE, Band, Partial, Transcript
from server.db.migrate import upgrade
from server.engines.resources import Recognizers
from tests import spoken_call
from tests.server.conftest import _seed, sqlite_url
from tests.server.dialogue_fixtures import Scenario
from tests.server.test_dialogue_scenarios import SCENARIOS
from tests.spoken_call import RATE
from tests.spoken_scenarios import PACE, run_spoken, said_fresh, success_table


class CapturingRecognizers(Recognizers):
    """The recognizer pool, saving each turn's audio, context and result into `directory`
    (one .npz per turn, named by scenario and turn number) with the line being said."""

    def __init__(self, workers: int, directory: Path, phone_adapted: bool = True) -> None:
        super().__init__(workers, phone_adapted)
        self.directory = directory
        self.scenario = ""
        self.line = ""
        self._turn = 0
        self._open: dict[str, tuple[str | None, list[PCM16]]] = {}

    async def begin(self, session_id: str, context: str | None = None,
                    band: Band = Band.WIDE, codes: Sequence[str] = ()) -> None:
        self._open[session_id] = (context, [])
        await super().begin(session_id, context, band, codes)

    async def feed(self, session_id: str, pcm16_16k: PCM16, wait: bool = True
                   ) -> Partial | None:
        if session_id in self._open:
            self._open[session_id][1].append(pcm16_16k.copy())
        return await super().feed(session_id, pcm16_16k, wait=wait)

    async def finish(self, session_id: str) -> Transcript:
        result = await super().finish(session_id)
        context, chunks = self._open.pop(session_id, (None, []))
        self._turn += 1
        audio = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
        np.savez(self.directory / f"{self.scenario}-{self._turn:03d}.npz", audio=audio,
                 context=context or "", said=self.line, heard=result.text,
                 alternatives=np.array(result.alternatives, dtype=object),
                 confidence=result.confidence)
        return result


def capture_lines(stt: CapturingRecognizers) -> None:
    """Make `SpokenCall.say` tell `stt` which line is being said."""
    say = spoken_call.SpokenCall.say

    async def say_and_note(self: spoken_call.SpokenCall, text: str, **kw: object) -> object:
        stt.line = text
        return await say(self, text, **kw)  # type: ignore[arg-type]

    spoken_call.SpokenCall.say = say_and_note  # type: ignore[method-assign,assignment]


def cpu_s() -> float:
    """CPU seconds of this process and its reaped children (the recognizer workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


async def main(indexes: list[int], verbose: bool, pace: float,
               playout_pace: float | None, capture: Path | None = None,
               phone: bool = False, phone_adapted: bool = True) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="spoken-"))
    template = tmp / "template.db"
    await asyncio.to_thread(upgrade, sqlite_url(template))
    await _seed(sqlite_url(template))
    stt = (Recognizers(2, phone_adapted) if capture is None
           else CapturingRecognizers(2, capture, phone_adapted))
    if isinstance(stt, CapturingRecognizers):
        capture_lines(stt)
    await stt.warm()
    said = await asyncio.to_thread(said_fresh, SCENARIOS)
    if phone:  # every line as a phone line carries it, heard as a phone call
        said = {line: over_the_phone(pcm) for line, pcm in said.items()}
    results: list[tuple[Scenario, bool]] = []
    started, cpu0 = time.perf_counter(), cpu_s()
    chosen = indexes or list(range(len(SCENARIOS)))
    try:
        for i in chosen:
            sc = SCENARIOS[i]
            if isinstance(stt, CapturingRecognizers):
                stt.scenario = f"{i:02d}-{sc.name}"
            try:
                await asyncio.wait_for(run_spoken(
                    sc, i, template, tmp, stt, pace=pace, playout_pace=playout_pace,
                    said=said, line_rate=PHONE_LINE_RATE if phone else RATE), 180)
                results.append((sc, True))
                print(f"PASS {i:2d} {sc.name}", flush=True)
            except (AssertionError, TimeoutError) as e:
                results.append((sc, False))
                detail = str(e) if verbose else str(e).splitlines()[0][:100] if str(e) else ""
                print(f"FAIL {i:2d} {sc.name}: {detail}", flush=True)
    finally:
        await stt.close()
    print("\n".join(success_table(results)))
    line = (f"phone line, {'adapted' if phone_adapted else 'unadapted'} recognizer" if phone
            else "wide band")
    print(f"wall {time.perf_counter() - started:.0f} s, CPU {cpu_s() - cpu0:.0f} s "
          f"(pace {pace}, playout pace {playout_pace or pace}, {line})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("indexes", nargs="*", type=int)
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--pace", type=float, default=PACE, help="guest audio speed-up")
    parser.add_argument("--playout-pace", type=float, default=None,
                        help="agent audio speed-up (default: --pace)")
    parser.add_argument("--capture", type=Path, default=None,
                        help="save each recognized turn here (for bench.stt_replay)")
    parser.add_argument("--log-turns", action="store_true",
                        help="print the offline engine's per-turn debug log")
    parser.add_argument("--phone", action="store_true",
                        help="the guest calls over a phone line (8 kHz μ-law)")
    parser.add_argument("--unadapted", action="store_true",
                        help="with --phone: the wide-band recognizer hears the phone calls")
    args = parser.parse_args()
    if args.capture is not None:
        args.capture.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.WARNING, format="%(relativeCreated)8.0f ms %(message)s")
    if args.log_turns:
        logging.getLogger("server.engines.offline").setLevel(logging.DEBUG)
    asyncio.run(main(args.indexes, args.verbose, args.pace, args.playout_pace, args.capture,
                     args.phone, not args.unadapted))
