"""The shared phone sender: one tick per clock tick for every stream, run by its timer or
earlier by `poll()` once the tick is due, never twice; a failing stream is dropped."""

from __future__ import annotations

import asyncio
import time

from media.clock import FrameClock
from server.twilio.sender import PhoneSender


class Recorder:
    def __init__(self) -> None:
        self.ticks: list[int] = []
        self.want = 0
        self.enough = asyncio.Event()

    def on_tick(self, tick: int) -> None:
        self.ticks.append(tick)
        if len(self.ticks) >= self.want:
            self.enough.set()

    async def until(self, count: int) -> None:
        self.want = count
        self.enough.clear()
        if len(self.ticks) < count:
            await asyncio.wait_for(self.enough.wait(), 5)


class Broken:
    calls = 0

    def on_tick(self, tick: int) -> None:
        self.calls += 1
        raise RuntimeError("boom")


def _busy(seconds: float) -> None:
    """Keep the event loop busy (as a backlog of other callbacks would)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


async def test_ticks_run_in_order_once_each_and_poll_runs_a_due_tick_at_once() -> None:
    clock = FrameClock()
    sender = PhoneSender(clock)
    stream = Recorder()
    sender.add(stream)
    first = clock.current_tick() + 1
    _busy(2 * clock.frame_s)  # past the first tick's deadline; its timer could not run
    assert stream.ticks == []
    sender.poll()  # the handlers' poll: the due tick runs here, not after the loop's backlog
    assert len(stream.ticks) == 1 and stream.ticks[0] >= first
    await stream.until(4)
    assert stream.ticks == sorted(set(stream.ticks))  # each tick once, in order
    await sender.close()


async def test_a_failing_stream_is_dropped_and_the_others_go_on() -> None:
    clock = FrameClock()
    sender = PhoneSender(clock)
    good, bad = Recorder(), Broken()
    sender.add(bad)
    sender.add(good)
    await good.until(3)
    assert bad.calls == 1 and len(sender) == 1
    sender.remove(good)
    assert len(sender) == 0
    sender.add(good)  # the timer stops with no streams and starts again with the next one
    await good.until(len(good.ticks) + 3)
    await sender.close()
    assert len(sender) == 0
