"""One shared 20 ms clock per event loop that paces every playout on it.

A single timer callback per tick wakes all playouts waiting for that tick, instead of one sleeper
per call: with a hundred calls that is 50 wakeups a second, not 5,000. Each waiter gets a plain
future of its own (no `asyncio.shield` wrapper per wait), so a cancelled waiter never disturbs
the others and a wait costs one future.
"""

from __future__ import annotations

import asyncio
import math

from media.frames import FRAME_MS


class FrameClock:
    def __init__(self, frame_ms: int = FRAME_MS) -> None:
        self.frame_s = frame_ms / 1000.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._epoch = 0.0
        self._waiters: dict[int, list[asyncio.Future[None]]] = {}

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            self._epoch = self._loop.time()
        return self._loop

    def now(self) -> float:
        return self._ensure_loop().time()

    def current_tick(self) -> int:
        """The last tick whose deadline has passed."""
        return math.floor((self.now() - self._epoch) / self.frame_s)

    def deadline(self, tick: int) -> float:
        self._ensure_loop()
        return self._epoch + tick * self.frame_s

    async def wait_for(self, tick: int) -> float:
        """Wait until `tick`'s deadline; returns how late the wake-up was, in seconds."""
        loop = self._ensure_loop()
        deadline = self.deadline(tick)
        if loop.time() < deadline:
            fut: asyncio.Future[None] = loop.create_future()
            waiters = self._waiters.get(tick)
            if waiters is None:
                waiters = self._waiters[tick] = []
                loop.call_at(deadline, self._fire, tick)
            waiters.append(fut)
            await fut
        return max(0.0, loop.time() - deadline)

    def _fire(self, tick: int) -> None:
        for fut in self._waiters.pop(tick, ()):
            if not fut.done():  # a cancelled waiter's future is done already
                fut.set_result(None)
