"""Spoken scenario suite as a bench: every dialogue scenario spoken through the bridge, VAD,
recognizer workers, dialogue, tools and TTS; prints per-scenario PASS/FAIL (what was said and
heard with -v), the per-task table and the task success rate, with the CPU seconds used.
Run as `python -m bench.spoken_scenarios [-v] [--pace P] [--playout-pace Q] [INDEX ...]`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import tempfile
import time
from pathlib import Path

from server.db.migrate import upgrade
from server.engines.resources import Recognizers
from tests.server.conftest import _seed, sqlite_url
from tests.server.dialogue_fixtures import Scenario
from tests.server.test_dialogue_scenarios import SCENARIOS
from tests.spoken_scenarios import PACE, run_spoken, success_table


def cpu_s() -> float:
    """CPU seconds of this process and its reaped children (the recognizer workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


async def main(indexes: list[int], verbose: bool, pace: float,
               playout_pace: float | None) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="spoken-"))
    template = tmp / "template.db"
    await asyncio.to_thread(upgrade, sqlite_url(template))
    await _seed(sqlite_url(template))
    stt = Recognizers(2)
    await stt.warm()
    results: list[tuple[Scenario, bool]] = []
    started, cpu0 = time.perf_counter(), cpu_s()
    chosen = indexes or list(range(len(SCENARIOS)))
    try:
        for i in chosen:
            sc = SCENARIOS[i]
            try:
                await asyncio.wait_for(run_spoken(sc, i, template, tmp, stt, pace=pace,
                                                  playout_pace=playout_pace), 180)
                results.append((sc, True))
                print(f"PASS {i:2d} {sc.name}", flush=True)
            except (AssertionError, TimeoutError) as e:
                results.append((sc, False))
                detail = str(e) if verbose else str(e).splitlines()[0][:100] if str(e) else ""
                print(f"FAIL {i:2d} {sc.name}: {detail}", flush=True)
    finally:
        await stt.close()
    print("\n".join(success_table(results)))
    print(f"wall {time.perf_counter() - started:.0f} s, CPU {cpu_s() - cpu0:.0f} s "
          f"(pace {pace}, playout pace {playout_pace or pace})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("indexes", nargs="*", type=int)
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--pace", type=float, default=PACE, help="guest audio speed-up")
    parser.add_argument("--playout-pace", type=float, default=None,
                        help="agent audio speed-up (default: --pace)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(args.indexes, args.verbose, args.pace, args.playout_pace))
