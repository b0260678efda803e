"""Runs streaming recognizers off the event loop in a small pool of worker processes.

pocketsphinx holds the GIL while it decodes (two threads decode slower than one; see
docs/stt.md), so each worker is a process. A session is pinned to one worker for its life and
gets its own recognizer there (recognizers are reused across sessions). Each worker handles
its requests in order, so `feed` and `finish` of one session never race. At most
`max_inflight` requests wait per worker; beyond that callers wait (backpressure). A session
begun on a phone line gets a recognizer from the phone factory (`Band`).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import multiprocessing as mp
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from typing import Any

import numpy as np

from media.frames import PCM16
from media.speech.stt import Band, Partial, RecognizerFactory, StreamingRecognizer, Transcript

_MAX_IDLE = 4


class STTError(RuntimeError):
    pass


class _Recognizers:
    """A worker's recognizers: one per open session, and idle ones kept for reuse, by band."""

    def __init__(self, factories: dict[Band, RecognizerFactory]) -> None:
        self.factories = factories
        self.idle: dict[Band, list[StreamingRecognizer]] = {band: [] for band in factories}
        self.active: dict[str, tuple[Band, StreamingRecognizer]] = {}
        self.idle[Band.WIDE].append(factories[Band.WIDE]())

    def open(self, session: str, band: Band) -> StreamingRecognizer:
        """The session's recognizer, for `band` (one of another band is put back)."""
        held = self.active.get(session)
        if held is not None and held[0] is band:
            return held[1]
        if held is not None:
            self.close(session)
        idle = self.idle[band]
        rec = idle.pop() if idle else self.factories[band]()
        rec.start()
        self.active[session] = (band, rec)
        return rec

    def current(self, session: str) -> StreamingRecognizer:
        """The session's recognizer (a wide-band one, if the session began no turn)."""
        held = self.active.get(session)
        return held[1] if held is not None else self.open(session, Band.WIDE)

    def close(self, session: str, reuse: bool = True) -> None:
        """The session is done with its recognizer: kept for another (unless it failed)."""
        held = self.active.pop(session, None)
        if held is not None and reuse and len(self.idle[held[0]]) < _MAX_IDLE:
            self.idle[held[0]].append(held[1])


def _worker_main(factories: dict[Band, RecognizerFactory], requests: Any, responses: Any,
                 index: int) -> None:
    recognizers = _Recognizers(factories)
    responses.put((-1, "ready", index))
    while True:
        msg = requests.get()
        if msg is None:
            break
        req_id, op, session, payload = msg
        try:
            result: object = None
            if op == "begin":
                context, band, codes = payload
                recognizers.open(session, band).start(context, codes)
            elif op == "feed":
                result = recognizers.current(session).feed(np.frombuffer(payload, np.int16))
            elif op == "partial":
                held = recognizers.active.get(session)
                result = held[1].partial() if held is not None else Partial("", 0.0)
            elif op == "finish":
                try:
                    result = recognizers.current(session).finish()
                finally:
                    recognizers.close(session, reuse=result is not None)
            elif op == "cancel":
                recognizers.close(session)
            if req_id >= 0:
                responses.put((req_id, "ok", result))
        except Exception as exc:  # report to the caller; the worker keeps serving
            if req_id >= 0:
                responses.put((req_id, "error", f"{type(exc).__name__}: {exc}"))


# feed's audio; begin's context, band and live booking codes
_Payload = bytes | tuple[str | None, Band, tuple[str, ...]] | None


@dataclass(slots=True)
class _Worker:
    process: Any
    requests: Any
    slots: asyncio.Semaphore
    sessions: set[str] = field(default_factory=set)


class RecognizerPool:
    """Async front of N recognizer worker processes. Use `async with RecognizerPool(...)`.

    `factory` must be picklable (a module-level callable or a `functools.partial` of one);
    `phone_factory` (the same) makes the recognizers of sessions begun on a phone line (None:
    `factory`'s serve them too).
    """

    def __init__(self, factory: RecognizerFactory, workers: int = 2, max_inflight: int = 64,
                 timeout_s: float = 10.0, start_method: str = "spawn",
                 phone_factory: RecognizerFactory | None = None) -> None:
        self._factories = {Band.WIDE: factory, Band.PHONE: phone_factory or factory}
        self._n = workers
        self._max_inflight = max_inflight
        self._timeout_s = timeout_s
        self._ctx: BaseContext = mp.get_context(start_method)
        self._workers: list[_Worker] = []
        self._sessions: dict[str, _Worker] = {}
        self._pending: dict[int, tuple[asyncio.Future[object], _Worker]] = {}
        self._errors: dict[str, STTError] = {}
        self._ids = itertools.count()
        self._responses: Any = None
        self._pump: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready: asyncio.Queue[int] | None = None

    async def __aenter__(self) -> RecognizerPool:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Start the workers and wait until each has built its first recognizer."""
        self._loop = asyncio.get_running_loop()
        self._ready = asyncio.Queue()
        self._responses = self._ctx.Queue()
        self._pump = threading.Thread(target=self._pump_responses, name="stt-pool", daemon=True)
        self._pump.start()
        for i in range(self._n):
            requests = self._ctx.Queue()
            proc = self._ctx.Process(  # type: ignore[attr-defined]
                target=_worker_main, args=(self._factories, requests, self._responses, i),
                name=f"stt-worker-{i}", daemon=True)
            proc.start()
            self._workers.append(_Worker(proc, requests, asyncio.Semaphore(self._max_inflight)))
        async with asyncio.timeout(max(60.0, self._timeout_s)):
            for _ in range(self._n):
                await self._ready.get()

    async def close(self) -> None:
        for w in self._workers:
            w.requests.put(None)
        for w in self._workers:
            await asyncio.to_thread(w.process.join, 5.0)
            if w.process.is_alive():
                w.process.terminate()
        if self._responses is not None:
            self._responses.put(None)
        if self._pump is not None:
            await asyncio.to_thread(self._pump.join, 5.0)
        for fut, _ in self._pending.values():
            if not fut.done():
                fut.set_exception(STTError("recognizer pool closed"))
        self._workers.clear()
        self._sessions.clear()

    @property
    def active_sessions(self) -> int:
        return len(self._sessions)

    async def begin(self, session_id: str, context: str | None = None,
                    band: Band = Band.WIDE, codes: Sequence[str] = ()) -> None:
        """Start a new turn for `session_id`, optionally with a dialogue-state `context`, with
        a recognizer for the call's `band`, listening for the booking `codes` it is given.

        Optional: `feed` starts a turn with the general model, wide band, if none is open.
        """
        await self._call(self._worker_for(session_id), "begin", session_id,
                         (context, band, tuple(codes)))

    async def feed(self, session_id: str, pcm16_16k: PCM16, wait: bool = True) -> Partial | None:
        """Decode a chunk. With `wait=False`, return once queued (order is still kept)."""
        worker = self._worker_for(session_id)
        payload = np.ascontiguousarray(pcm16_16k, dtype=np.int16).tobytes()
        if not wait:
            fut = await self._send(worker, "feed", session_id, payload)
            fut.add_done_callback(functools.partial(self._note_error, session_id))
            return None
        result = await self._call(worker, "feed", session_id, payload)
        return result if isinstance(result, Partial) else None

    async def partial(self, session_id: str) -> Partial:
        """The session's best hypothesis so far (after every chunk fed before this call)."""
        worker = self._sessions.get(session_id)
        if worker is None:  # no turn open
            return Partial("", 0.0)
        result = await self._call(worker, "partial", session_id, None)
        return result if isinstance(result, Partial) else Partial("", 0.0)

    async def finish(self, session_id: str) -> Transcript:
        """End the turn and return its transcript; the session's worker slot is released."""
        worker = self._worker_for(session_id)
        try:
            result = await self._call(worker, "finish", session_id, None)
        finally:
            self._release(session_id)
        error = self._errors.pop(session_id, None)
        if error is not None:
            raise error
        if not isinstance(result, Transcript):
            raise STTError(f"unexpected result {result!r}")
        return result

    async def cancel(self, session_id: str) -> None:
        """Drop an unfinished turn (the caller hung up)."""
        if session_id in self._sessions:
            await self._call(self._sessions[session_id], "cancel", session_id, None)
            self._release(session_id)

    def _worker_for(self, session_id: str) -> _Worker:
        worker = self._sessions.get(session_id)
        if worker is None:
            if not self._workers:
                raise STTError("recognizer pool is not running")
            worker = min(self._workers, key=lambda w: len(w.sessions))
            worker.sessions.add(session_id)
            self._sessions[session_id] = worker
        return worker

    def _note_error(self, session_id: str, fut: asyncio.Future[object]) -> None:
        if not fut.cancelled() and fut.exception() is not None:
            self._errors.setdefault(session_id, STTError(str(fut.exception())))

    def _release(self, session_id: str) -> None:
        worker = self._sessions.pop(session_id, None)
        if worker is not None:
            worker.sessions.discard(session_id)

    async def _send(self, worker: _Worker, op: str, session: str, payload: _Payload
                    ) -> asyncio.Future[object]:
        await worker.slots.acquire()
        if not worker.process.is_alive():
            worker.slots.release()
            raise STTError("recognizer worker died")
        req_id = next(self._ids)
        fut: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        self._pending[req_id] = (fut, worker)
        worker.requests.put((req_id, op, session, payload))
        return fut

    async def _call(self, worker: _Worker, op: str, session: str, payload: _Payload
                    ) -> object:
        fut = await self._send(worker, op, session, payload)
        try:  # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancel
            async with asyncio.timeout(self._timeout_s):
                return await fut
        except TimeoutError as exc:
            raise STTError(f"recognizer {op} timed out") from exc

    def _pump_responses(self) -> None:
        """Hands each response to the loop that is waiting for it: the loop of the request's
        future, which need not be the loop that started the pool (a pool shared across event
        loops, as in pytest, must not deliver into a loop that is not running)."""
        while True:
            msg = self._responses.get()
            if msg is None:
                return
            entry = self._pending.get(msg[0])
            loop = entry[0].get_loop() if entry is not None else self._loop
            assert loop is not None
            try:
                loop.call_soon_threadsafe(self._deliver, *msg)
            except RuntimeError:  # that loop is closed: nobody waits for this result
                self._pending.pop(msg[0], None)

    def _deliver(self, req_id: int, status: str, result: object) -> None:
        if req_id < 0:
            if self._ready is not None:
                self._ready.put_nowait(int(result))  # type: ignore[call-overload]
            return
        entry = self._pending.pop(req_id, None)
        if entry is None:
            return
        fut, worker = entry
        worker.slots.release()
        if fut.done():
            return
        if status == "ok":
            fut.set_result(result)
        else:
            fut.set_exception(STTError(str(result)))
