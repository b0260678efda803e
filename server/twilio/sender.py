"""Agent audio out for every live phone stream of the app, paced by one timer on the FrameClock.

One timer callback per tick for the whole app, instead of a task per call: each 20 ms tick it
asks every stream for that tick's frame (an idle call costs a function call) and the stream
writes its messages straight to its socket, synchronously. Running in the timer callback itself,
rather than in a task the timer wakes, matters under load: a woken task is queued behind every
callback already scheduled (each websocket message read in that loop iteration wakes its
handler task first), so the frames would go out one loop iteration later. For the same reason
the inbound handlers `poll()` the sender between messages: a due tick runs there, at once,
instead of after the rest of the iteration. Streams never wait on a socket (they drop audio
long before aiohttp would pause writing, `PhoneStream`), so one stalled connection cannot hold
up the others. A stream that raises is logged and dropped.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from media.clock import FrameClock

log = logging.getLogger(__name__)


class PacedStream(Protocol):
    def on_tick(self, tick: int) -> None:
        """Send what is due up to and including `tick` (the clock's current tick)."""
        ...


class PhoneSender:
    """Calls `on_tick` of every added stream once per tick, while any stream is added."""

    def __init__(self, clock: FrameClock) -> None:
        self.clock = clock
        self._streams: dict[PacedStream, None] = {}  # insertion-ordered set
        self._timer: asyncio.TimerHandle | None = None
        self._tick = 0
        self._deadline = 0.0
        self._closed = False

    def __len__(self) -> int:
        return len(self._streams)

    def add(self, stream: PacedStream) -> None:
        if self._closed:
            raise RuntimeError("phone sender closed")
        self._streams[stream] = None
        if self._timer is None:
            self._schedule(self.clock.current_tick() + 1)

    def remove(self, stream: PacedStream) -> None:
        self._streams.pop(stream, None)  # the timer stops by itself once none are left

    async def close(self) -> None:
        """App shutdown: stop the timer (streams are ended by their sessions)."""
        self._closed = True
        self._streams.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def poll(self) -> None:
        """Run the tick now if its deadline has passed (cheap: a clock read).

        Called between pieces of other work (each inbound websocket message), so that under
        load the tick does not wait for the rest of a long loop iteration: a timer callback
        runs only after every callback queued before it in that iteration (each stream's
        handler and bridge steps), which at 100+ streams can be several milliseconds."""
        timer = self._timer
        if timer is not None and self.clock.now() >= self._deadline:
            timer.cancel()
            self._run_tick()

    def _schedule(self, tick: int) -> None:
        self._tick = tick
        self._deadline = self.clock.deadline(tick)
        loop = asyncio.get_running_loop()
        self._timer = loop.call_at(self._deadline, self._run_tick)

    def _run_tick(self) -> None:
        self._timer = None
        tick = max(self._tick, self.clock.current_tick())
        for stream in list(self._streams):
            if stream not in self._streams:
                continue  # removed by an earlier stream's send (e.g. its session ended)
            try:
                stream.on_tick(tick)
            except Exception:
                log.exception("twilio sender: stream failed; dropping it")
                self.remove(stream)
        if self._streams and not self._closed:
            self._schedule(tick + 1)
