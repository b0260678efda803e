"""Synthesized speech that is the same on every run, for tests whose verdict rests on it.

espeak-ng carries state from one synthesis to the next (its pitch flutter index is a C static;
`espeak_ng_SetRandSeed` does not reset it), so the same text says differently depending on
everything the process said before it: in a test process, on which tests ran first. A recognizer
test could then pass alone and fail after another test module (seen: a phone number heard one
"oh" short once the echo-canceller tests ran first). Synthesizing a fixed list in order in a
fresh process gives each item the same audio every time.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

_In = TypeVar("_In")
_Out = TypeVar("_Out")


def _each(make: Callable[[_In], _Out], items: Sequence[_In]) -> list[_Out]:
    return [make(item) for item in items]


def made_fresh(make: Callable[[_In], _Out], items: Sequence[_In]) -> list[_Out]:
    """`[make(item) for item in items]`, run in order by a freshly spawned process (`make`
    must be picklable: a module-level function or a `functools.partial` of one)."""
    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(_each, make, list(items)).result()
