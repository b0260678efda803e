"""The dialogue scenarios again, spoken: each guest line is synthesized (three voices in turn),
goes through the bridge's VAD turns, the recognizer workers (with the dialogue's expectation as
recognition context), the dialogue and the hotel tools, and the agent's replies are synthesized
and played. Graded on database state, like the text scenarios.

One test per scenario, then `test_spoken_task_success_rate` prints the per-task table and the
task success rate and fails below `FLOOR`. Scenarios the recognizer still gets wrong are xfail
(not strict) with what goes wrong; `python -m bench.spoken_scenarios -v` shows said vs heard.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from media.frames import PCM16
from server.engines.resources import Recognizers
from tests.server.dialogue_fixtures import Scenario
from tests.server.test_dialogue_scenarios import SCENARIOS
from tests.spoken_call import Line
from tests.spoken_scenarios import run_spoken, said_fresh, success_table

pytestmark = pytest.mark.asyncio(loop_scope="module")

PACE = 4.0  # guest audio at four times real time
PLAYOUT_PACE = 32.0  # the agent's voice: nothing listens to it, so drain it faster
# The suite is deterministic: every line is synthesized the same way (a fresh process), the
# room noise before it is seeded, and the guest's stream waits while the engine decides whether
# a pause ends the turn, so the recognizer gets the same audio on every run whatever the load
# (167 of 167 turns bit-identical in three bench runs, one with two CPU hogs; docs/stt.md). The
# rate below is the target; 48/49 pass.
FLOOR = 0.90

# Scenario name -> what goes wrong when it is spoken (deterministic since the suite is:
# `python -m bench.spoken_scenarios -v INDEX` shows said vs heard, and `--capture DIR` +
# `python -m bench.stt_replay DIR` re-decodes the turns).
KNOWN_FAILING: dict[str, str] = {
    "book_all_in_one": "the guest's name is misheard (espeak voices vs the en-us acoustic "
                       "model): 'my name is anna smith' -> 'emma smith' (n/m after 'is'; "
                       "'anna smith' alone is heard right)",
}

RESULTS: dict[str, tuple[Scenario, bool]] = {}


def _scenarios() -> list[Any]:
    params = []
    for i, sc in enumerate(SCENARIOS):
        reason = KNOWN_FAILING.get(sc.name)
        marks = [pytest.mark.xfail(reason=reason, strict=False)] if reason else []
        params.append(pytest.param(i, id=sc.name, marks=marks))
    return params


@pytest.fixture(scope="module")
def said() -> dict[Line, PCM16]:
    """The guests' lines, synthesized the same way on every run."""
    return said_fresh(SCENARIOS)


@pytest.mark.parametrize("index", _scenarios())
async def test_spoken_scenario(index: int, template_db: Path, tmp_path: Path,
                               recognizers: Recognizers, said: dict[Line, PCM16]) -> None:
    sc = SCENARIOS[index]
    RESULTS[sc.name] = (sc, False)
    await asyncio.wait_for(run_spoken(sc, index, template_db, tmp_path, recognizers,
                                      pace=PACE, playout_pace=PLAYOUT_PACE, said=said), 150)
    RESULTS[sc.name] = (sc, True)


async def test_spoken_task_success_rate(capsys: pytest.CaptureFixture[str]) -> None:
    if len(RESULTS) < len(SCENARIOS):
        pytest.skip("reports on the whole spoken suite; some scenarios did not run")
    results = [RESULTS[sc.name] for sc in SCENARIOS]
    lines = ["", "spoken scenarios (audio in, through the bridge)", *success_table(results)]
    lines += [f"FAILED {sc.name}" for sc, ok in results if not ok]
    with capsys.disabled():
        print("\n".join(lines))
    assert len(results) >= 30
    passed = sum(ok for _, ok in results)
    assert passed / len(results) >= FLOOR, [sc.name for sc, ok in results if not ok]
