"""Failover: run a cloud engine, and if it fails mid-call, carry on with the offline engine.

The wrapper keeps the call alive: the guest hears a short notice (espeak-ng, no network), staff
see an `EngineNotice`, the session's "engine" field follows an `EngineSwitched`, and the
fallback's `run()` takes over the same `EngineIO` (same inbox, playout and transcript) until the
call ends; when the fallback wants another input rate, its inbox is fed resampled frames.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from media.engine import (
    Engine,
    EngineInbox,
    EngineIO,
    EngineNotice,
    EngineSwitched,
    Role,
    TranscriptTurn,
)
from media.frames import AudioFrame
from media.resample import ToRate
from media.speech.tts import EspeakTTS

log = logging.getLogger(__name__)

NOTICE = "I'm sorry, I'm having a little trouble on my side, so I'll carry on in a simpler way."


class FailoverEngine:
    """`primary` until it raises; then a short spoken notice and `fallback()` on the same io."""

    def __init__(self, primary: Engine, fallback: Callable[[], Engine], *,
                 notice: str = NOTICE, tts: EspeakTTS | None = None) -> None:
        self.primary = primary
        self.fallback = fallback
        self.notice = notice
        self.tts = tts or EspeakTTS()
        self.name = primary.name
        self.input_rate = primary.input_rate  # the bridge's source rate is fixed at call start
        self.active: Engine = primary
        self.failed_over = False

    async def run(self, io: EngineIO) -> None:
        try:
            await self.primary.run(io)
            return
        except Exception as exc:  # CancelledError (the call ended) is not caught
            reason = f"{type(exc).__name__}: {exc}"
            log.error("call %s: engine %s failed (%s); failing over", io.call_id,
                      self.primary.name, reason)
        engine = self.fallback()
        self.active = engine
        self.failed_over = True
        self.name = engine.name
        io.emit(EngineNotice(f"{self.primary.name} failed; the call continues on {engine.name}",
                             {"from": self.primary.name, "to": engine.name, "reason": reason}))
        io.emit(EngineSwitched(engine.name, reason))
        await self._say_notice(io)
        if engine.input_rate == self.input_rate:
            await engine.run(io)
            return
        # The bridge's source keeps producing frames at the primary's rate: resample them.
        inner = EngineIO(call_id=io.call_id, playout=io.playout, inbox=EngineInbox(),
                         emit=io.emit, caller=io.caller, wants_audio=io.wants_audio,
                         line_rate=io.line_rate)
        pump = asyncio.create_task(_pump(io, inner, engine.input_rate),
                                   name=f"failover-pump-{io.call_id}")
        try:
            await engine.run(inner)
        finally:
            pump.cancel()
            await asyncio.gather(pump, return_exceptions=True)

    async def _say_notice(self, io: EngineIO) -> None:
        if not self.notice:
            return
        started = time.time()
        try:
            pcm, rate = await self.tts.synthesize(self.notice)
        except Exception:
            log.exception("call %s: could not synthesize the failover notice", io.call_id)
            return
        io.playout.enqueue(pcm, rate, utterance_id=f"failover-{int(started * 1000)}", last=True)
        io.emit(TranscriptTurn(role=Role.AGENT, text=self.notice, started_at=started,
                               ended_at=time.time()))


async def _pump(outer: EngineIO, inner: EngineIO, rate: int) -> None:
    """Forward the bridge's inbox to the fallback's, audio resampled to `rate`."""
    to_rate = ToRate(rate)
    while True:
        item = await outer.inbox.get()
        outer.wants_audio = inner.wants_audio
        if isinstance(item, AudioFrame) and item.sample_rate != rate:
            samples = to_rate.process(item.samples, item.sample_rate)
            if samples.size == 0:
                continue
            item = AudioFrame(samples, rate, item.timestamp)
        inner.inbox.put(item)
