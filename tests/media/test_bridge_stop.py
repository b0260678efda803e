"""The bridge owns its engine task: when the call's audio ends it stops the engine even if the
engine swallows a cancel (Python 3.11's `asyncio.wait_for` does, when a cancel lands just as its
inner await completes)."""

from __future__ import annotations

import asyncio

import numpy as np

from media.bridge import CallBridge, stop_task
from media.clock import FrameClock
from media.engine import EngineIO
from media.errors import TransportClosed
from media.frames import AudioFrame
from media.playout import Playout

RATE = 16000


class _ShortSource:
    sample_rate = RATE
    line_rate = RATE

    def __init__(self, frames: int) -> None:
        self.left = frames

    async def recv(self) -> AudioFrame:
        await asyncio.sleep(0)
        if self.left == 0:
            raise TransportClosed("done")
        self.left -= 1
        return AudioFrame(np.zeros(320, np.int16), RATE)

    def close(self) -> None:
        pass


class _StubbornEngine:
    """Swallows the first cancel, then waits again: what a swallowed cancel looks like."""

    name = "stubborn"
    input_rate = RATE

    def __init__(self) -> None:
        self.cancels = 0

    async def run(self, io: EngineIO) -> None:
        while True:
            try:
                await io.inbox.get()
            except asyncio.CancelledError:
                self.cancels += 1
                if self.cancels > 1:
                    raise


async def test_the_bridge_stops_an_engine_that_swallowed_a_cancel() -> None:
    engine = _StubbornEngine()
    bridge = CallBridge("stop", _ShortSource(5), Playout(RATE, FrameClock()), engine,
                        emit=lambda _o: None)
    await asyncio.wait_for(bridge.run(), timeout=30)  # a guard against hanging, not a timing
    assert engine.cancels == 2


async def test_wait_for_on_this_python_can_swallow_a_cancel_and_stop_task_copes() -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()

    async def reader() -> None:
        while True:
            try:
                await asyncio.wait_for(queue.get(), timeout=0.25)
            except TimeoutError:
                continue

    task = asyncio.create_task(reader())
    await asyncio.sleep(0)
    queue.put_nowait(1)  # the inner get completes in the same loop pass as the cancel below
    await stop_task(task, "reader", retry_s=0.05)
    assert task.done()
