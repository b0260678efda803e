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

PACE = 4.0  # guest audio at four times real time (the recognizer keeps up on a loaded machine)
PLAYOUT_PACE = 32.0  # the agent's voice: nothing listens to it, so drain it faster
# The task success rate must not fall below this: measured 40-42/47 (85-89 %) in six full
# runs on a shared 2-core machine (docs/stt.md); runs differ by a few scenarios (CPU load moves
# VAD turn edges, and recognizers carry their cepstral mean from call to call).
FLOOR = 0.80

_NAME = "the guest's name is misheard (espeak voices vs the en-us acoustic model)"
_CODE = "spelled code 'c r t eight n two' -> 'c r t eight m two' / 'c r t x n two'"
_FIRST = "the call's first turn is decoded with the previous caller's cepstral mean"
# Scenario name -> what goes wrong when it is spoken (seen in at least one of the last four
# full runs; `python -m bench.spoken_scenarios -v INDEX` shows said vs heard, and
# `--capture DIR` + `python -m bench.stt_replay DIR` re-decodes the turns).
KNOWN_FAILING: dict[str, str] = {
    "book_all_in_one": _NAME + " ('anna smith' -> 'emma smith', 4 of 4 runs)",
    "book_correct_guests": _NAME + " ('lucy hill' -> 'lucy taylor', 1 of 4 runs)",
    "book_known_caller": _FIRST + ": 'for tonight' -> 'for two weeks' (1 of 4 runs)",
    "book_no_caller_id": "'david clark' -> 'david clarke' (homophones in the name list) and a "
                         "phone digit dropped ('oh oh five' -> 'oh five')",
    "book_three_in_double_alternative": _NAME + " ('ella ward' -> 'ella moore', 1 of 4 runs)",
    "book_no_then_change_plan": _FIRST + ": 'friday to sunday' -> 'friday to saturday' "
                                "(2 of 4 runs)",
    "cancel_by_spelled_code": _CODE + " (3 of 4 runs)",
    "change_by_code_with_correction": _CODE + " (2 of 4 runs, none since the code grammar)",
    "low_confidence_reasked": "'for one night' -> 'for want mike' (1 of 4 runs, in a CI run)",
    "misunderstood_twice_offers_transfer": "nonsense heard as a hotel request ('purple monkey "
                                           "dishwasher' -> 'double monday the eighth water', "
                                           "taken as room service at the low bar for requests)",
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
