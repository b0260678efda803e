"""Polling for state the test does not own (a peer's connection state, the session table)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable


async def eventually(predicate: Callable[[], bool], within: float = 15.0,
                     what: str = "condition") -> None:
    """Wait until `predicate()` holds; fail after `within` seconds (a bound, not a timing check)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"{what} did not happen within {within} s")
        await asyncio.sleep(0.05)


async def until_changed(changed: asyncio.Event, check: Callable[[], bool], within_s: float,
                        recheck_s: float | None = None) -> bool:
    """Wait until `check()` holds, looking again whenever `changed` is set (and every
    `recheck_s`, for state that changes without it); False once `within_s` have passed."""
    deadline = time.monotonic() + within_s
    while not check():
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), left if recheck_s is None
                                   else min(left, recheck_s))
    return True
