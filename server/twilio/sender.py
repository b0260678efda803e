"""Agent audio out for every live phone stream of the app, paced by one task on the FrameClock.

One task per app instead of one per call: each 20 ms tick it asks every stream for that tick's
frame (an idle call costs a function call, not a task wake-up and a future) and the stream
writes its messages. aiohttp's `send_str` suspends only while the socket's write buffer is
paused, and streams drop audio long before that (`PhoneStream`), so one stalled connection
cannot hold up the others. A stream that raises is logged and dropped from the sender.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from media.clock import FrameClock

log = logging.getLogger(__name__)


class PacedStream(Protocol):
    async def on_tick(self, tick: int) -> None:
        """Send what is due up to and including `tick` (the clock's current tick)."""
        ...


class PhoneSender:
    """Drives `on_tick` of every added stream once per tick, while any stream is added."""

    def __init__(self, clock: FrameClock) -> None:
        self.clock = clock
        self._streams: dict[PacedStream, None] = {}  # insertion-ordered set
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def __len__(self) -> int:
        return len(self._streams)

    def add(self, stream: PacedStream) -> None:
        if self._closed:
            raise RuntimeError("phone sender closed")
        self._streams[stream] = None
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="twilio-sender")

    def remove(self, stream: PacedStream) -> None:
        self._streams.pop(stream, None)  # the task ends by itself once none are left

    async def close(self) -> None:
        """App shutdown: stop the task (streams are ended by their sessions)."""
        self._closed = True
        self._streams.clear()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        clock = self.clock
        tick = clock.current_tick() + 1
        while self._streams:
            await clock.wait_for(tick)
            tick = max(tick, clock.current_tick())
            for stream in list(self._streams):
                if stream not in self._streams:
                    continue  # removed by an earlier stream's send (e.g. its session ended)
                try:
                    await stream.on_tick(tick)
                except Exception:
                    log.exception("twilio sender: stream failed; dropping it")
                    self.remove(stream)
            tick += 1
