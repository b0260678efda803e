"""One call's websocket to the Realtime API, kept up: connect through the SDK, hand each server
event (parsed JSON) to the engine, and reconnect with bounded exponential backoff. Gives up with
`RealtimeUnavailable` after repeated quick failures or a fatal one (bad key, no quota)."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from openai import AsyncOpenAI
from openai.resources.realtime.realtime import AsyncRealtimeConnection

from server.engines.realtime_errors import RealtimeUnavailable, SessionEnded, is_fatal_exception

log = logging.getLogger(__name__)

Event = dict[str, Any]
Send = Callable[[AsyncRealtimeConnection], Awaitable[None]]
OnOpen = Callable[[AsyncRealtimeConnection, bool], Awaitable[None]]

STABLE_AFTER_S = 10.0  # a connection that lived this long resets the failure count


class RealtimeLink:
    """`run()` until cancelled or given up; `send()` while connected (False otherwise).

    `on_open(conn, resumed)` configures each new connection, `on_event(event)` gets every
    server event with a string `type` (junk is logged and skipped here), `on_close()` runs
    after each connection ends.
    """

    def __init__(self, client: AsyncOpenAI, model: str, *, on_open: OnOpen,
                 on_event: Callable[[Event], Awaitable[None]], on_close: Callable[[], None],
                 max_attempts: int = 4, backoff_s: float = 0.5, max_backoff_s: float = 8.0,
                 stable_after_s: float = STABLE_AFTER_S) -> None:
        self.client = client
        self.model = model
        self.on_open = on_open
        self.on_event = on_event
        self.on_close = on_close
        self.max_attempts = max(1, max_attempts)
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.stable_after_s = stable_after_s
        self.conn: AsyncRealtimeConnection | None = None
        self.generation = 0  # connections opened so far
        self._opened_at: float | None = None

    @property
    def connected(self) -> bool:
        return self.conn is not None

    async def send(self, what: str, op: Send) -> bool:
        conn = self.conn
        if conn is None:
            log.debug("realtime: not connected; %s not sent", what)
            return False
        try:
            await op(conn)
        except Exception as exc:  # the receive loop sees the drop and reconnects
            log.debug("realtime: %s not sent (%s)", what, exc)
            return False
        return True

    async def run(self) -> None:
        failures = 0
        while True:
            try:
                async with self.client.realtime.connect(model=self.model) as conn:
                    self.conn = conn
                    self.generation += 1
                    self._opened_at = time.monotonic()
                    await self.on_open(conn, self.generation > 1)
                    await self._receive(conn)  # returns only by raising
            except asyncio.CancelledError:
                raise
            except SessionEnded:
                log.info("realtime: session ended by the server; resuming on a new one")
                if self._lived_long():  # the normal length limit: resume at once
                    self._opened_at = None
                    failures = 0
                    continue
                failures = self._count_failure(failures)  # ended at once: back off
            except Exception as exc:
                if is_fatal_exception(exc):
                    raise RealtimeUnavailable(f"realtime refused: {exc}") from exc
                failures = self._count_failure(failures)
                log.warning("realtime connection failed (%s: %s); attempt %d/%d",
                            type(exc).__name__, exc, failures, self.max_attempts)
                if failures >= self.max_attempts:
                    raise RealtimeUnavailable(
                        f"realtime unreachable after {failures} attempts") from exc
            finally:
                if self.conn is not None:
                    self.conn = None
                    self.on_close()
            delay = min(self.backoff_s * 2 ** max(0, failures - 1), self.max_backoff_s)
            await asyncio.sleep(delay * random.uniform(0.8, 1.0))

    def _lived_long(self) -> bool:
        """Whether the last connection opened and lived `stable_after_s`."""
        return (self._opened_at is not None
                and time.monotonic() - self._opened_at >= self.stable_after_s)

    def _count_failure(self, failures: int) -> int:
        """A connection that lived resets the count: only consecutive quick failures add up."""
        lived = self._lived_long()
        self._opened_at = None
        return 1 if lived else failures + 1

    async def _receive(self, conn: AsyncRealtimeConnection) -> None:
        while True:
            raw = await conn.recv_bytes()
            try:
                event = json.loads(raw)
            except ValueError:
                log.warning("realtime: skipping a non-JSON message (%d bytes)", len(raw))
                continue
            if not isinstance(event, dict) or not isinstance(event.get("type"), str):
                log.warning("realtime: skipping a message without a type")
                continue
            await self.on_event(event)


# -- client events the engine sends (typed through the SDK's resources) ----------------------

def function_output(call_id: str, output: str) -> Send:
    def send(c: AsyncRealtimeConnection) -> Awaitable[None]:
        return c.conversation.item.create(
            item={"type": "function_call_output", "call_id": call_id, "output": output})
    return send


def system_note(text: str) -> Send:
    def send(c: AsyncRealtimeConnection) -> Awaitable[None]:
        return c.conversation.item.create(item={
            "type": "message", "role": "system",
            "content": [{"type": "input_text", "text": text}]})
    return send


def truncate(item_id: str, audio_end_ms: int) -> Send:
    def send(c: AsyncRealtimeConnection) -> Awaitable[None]:
        return c.conversation.item.truncate(item_id=item_id, content_index=0,
                                            audio_end_ms=audio_end_ms)
    return send


def append(payload: str) -> Send:
    def send(c: AsyncRealtimeConnection) -> Awaitable[None]:
        return c.input_audio_buffer.append(audio=payload)
    return send
