"""Polling for state the test does not own (a peer's connection state, the session table)."""

from __future__ import annotations

import asyncio
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
