"""Failover: run a cloud engine, and if it fails mid-call, carry on with the offline engine.

The wrapper keeps the call alive: the guest hears a short notice (espeak-ng, no network), staff
see an `EngineNotice`, the session's "engine" field follows an `EngineSwitched`, and the
fallback's `run()` takes over the same `EngineIO` (same inbox, playout and transcript) until the
call ends.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from media.engine import Engine, EngineIO, EngineNotice, EngineSwitched, Role, TranscriptTurn
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
        if engine.input_rate != self.input_rate:
            log.info("call %s: %s gets %d Hz frames (it prefers %d Hz)", io.call_id,
                     engine.name, self.input_rate, engine.input_rate)
        await engine.run(io)

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
