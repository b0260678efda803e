"""Spoken scenario suite as a bench: every dialogue scenario spoken through the bridge, VAD,
recognizer workers, dialogue, tools and TTS; prints per-scenario PASS/FAIL and the task
success rate. Run as `python -m bench.spoken_scenarios [INDEX ...]`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from pathlib import Path

from server.db.migrate import upgrade
from server.engines.resources import Recognizers
from tests.server.conftest import _seed, sqlite_url
from tests.server.test_dialogue_scenarios import SCENARIOS
from tests.spoken_scenarios import run_spoken


async def main(indexes: list[int], verbose: bool) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="spoken-"))
    template = tmp / "template.db"
    await asyncio.to_thread(upgrade, sqlite_url(template))
    await _seed(sqlite_url(template))
    stt = Recognizers(2)
    await stt.warm()
    passed = 0
    started = time.perf_counter()
    chosen = indexes or list(range(len(SCENARIOS)))
    try:
        for i in chosen:
            sc = SCENARIOS[i]
            try:
                await asyncio.wait_for(run_spoken(sc, i, template, tmp, stt), 180)
                passed += 1
                print(f"PASS {i:2d} {sc.name}", flush=True)
            except (AssertionError, TimeoutError) as e:
                detail = str(e) if verbose else str(e).splitlines()[0][:100] if str(e) else ""
                print(f"FAIL {i:2d} {sc.name}: {detail}", flush=True)
    finally:
        await stt.close()
    print(f"spoken task success rate: {passed}/{len(chosen)} = "
          f"{100 * passed / len(chosen):.1f}% ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("indexes", nargs="*", type=int)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(args.indexes, args.verbose))
