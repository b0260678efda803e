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

from server.engines.resources import Recognizers
from tests.server.dialogue_fixtures import Scenario
from tests.server.test_dialogue_scenarios import SCENARIOS
from tests.spoken_scenarios import run_spoken, success_table

pytestmark = pytest.mark.asyncio(loop_scope="module")

PACE = 4.0  # guest audio at four times real time (digits turns outpace the pool: see FLOOR)
PLAYOUT_PACE = 32.0  # the agent's voice: nothing listens to it, so drain it faster
# The task success rate must not fall below this: 44-46/47 in the ten full runs since the
# engine's RecognizerFeed (30 Nov; load average 0.4-4, clean-clone CI among them). Before it,
# runs under heavier load scored 37-43/47 (docs/stt.md): at this pace the recognizer pool falls
# behind on digits turns, and the engine inbox then dropped their oldest audio; now the text
# only comes later. Load still moves VAD turn edges, hence the margin under the 90 % target.
FLOOR = 0.85

_NAME = "the guest's name is misheard (espeak voices vs the en-us acoustic model)"
_FIRST = "the call's first turn is misheard"
# Scenario name -> what goes wrong when it is spoken (seen in at least one of nine full runs
# with the sound-alike codes and the surname check; `python -m bench.spoken_scenarios -v INDEX`
# shows said vs heard, and `--capture DIR` + `python -m bench.stt_replay DIR` re-decodes the
# turns).
KNOWN_FAILING: dict[str, str] = {
    "book_all_in_one": _NAME + " ('my name is anna smith' -> 'emma smith' every run: n/m "
                       "after 'is'; 'anna smith' alone is heard right)",
    "book_known_caller": _FIRST + ": 'for tonight' -> 'for two weeks' (not the cepstral "
                         "mean: re-decoding with a warmed or its own mean hears the same)",
    "book_three_in_double_alternative": _NAME + " ('ella ward' -> 'ella moore', now rarer "
                                        "with the LM surname check)",
    "book_no_then_change_plan": _FIRST + ": 'friday to sunday' -> 'friday to saturday' "
                                "(2 of 9 runs)",
    "low_confidence_reasked": "'for one night' -> 'for want mike' (in two clean-clone CI "
                              "runs, 30 Nov; it passed in the nine full runs in between)",
}

RESULTS: dict[str, tuple[Scenario, bool]] = {}


def _scenarios() -> list[Any]:
    params = []
    for i, sc in enumerate(SCENARIOS):
        reason = KNOWN_FAILING.get(sc.name)
        marks = [pytest.mark.xfail(reason=reason, strict=False)] if reason else []
        params.append(pytest.param(i, id=sc.name, marks=marks))
    return params


@pytest.mark.parametrize("index", _scenarios())
async def test_spoken_scenario(index: int, template_db: Path, tmp_path: Path,
                               recognizers: Recognizers) -> None:
    sc = SCENARIOS[index]
    RESULTS[sc.name] = (sc, False)
    await asyncio.wait_for(run_spoken(sc, index, template_db, tmp_path, recognizers,
                                      pace=PACE, playout_pace=PLAYOUT_PACE), 150)
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
