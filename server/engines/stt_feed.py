"""`RecognizerFeed`: one call's requests to the recognizer pool, in order, without making the
engine wait.

The pool applies backpressure (a worker takes at most `max_inflight` requests), so an engine
that awaited each frame's `feed()` stopped reading its inbox whenever the recognizer ran slower
than the guest spoke (a digits turn on a loaded machine); the inbox then dropped the oldest
audio, which was the open turn's own audio: a phone number reached the recognizer as 0.5-1.7 s
of its 3 s, a spelled code lost its last letter (issue #6). Here the engine hands requests to a
bounded queue and goes on reading its inbox; one task per call passes them to the pool in
order, so a turn's audio reaches the recognizer whole, only later, and `finish()` and
`partial()` answer after every frame handed over before them.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass

from media.frames import PCM16
from media.speech.stt import Band, Partial, Transcript
from server.engines.resources import Recognizers

log = logging.getLogger(__name__)

# Audio frames that may wait for the recognizer: the turn detector's longest turn (30 s of 20 ms
# frames) and then some. Past it the newest frames are dropped (and counted).
MAX_WAITING_FRAMES = 1600


@dataclass(frozen=True, slots=True)
class _Begin:
    context: str | None
    codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Feed:
    pcm: PCM16


@dataclass(frozen=True, slots=True)
class _Finish:
    result: asyncio.Future[Transcript]


@dataclass(frozen=True, slots=True)
class _Partial:
    result: asyncio.Future[Partial]


_Request = _Begin | _Feed | _Finish | _Partial


class RecognizerFeed:
    """Queues one session's recognizer requests; `run()` (a task the engine owns) sends them."""

    def __init__(self, stt: Recognizers, session_id: str,
                 max_frames: int = MAX_WAITING_FRAMES, band: Band = Band.WIDE) -> None:
        self.stt = stt
        self.session_id = session_id
        self.band = band  # the call's: a phone line gets a recognizer adapted to it
        self.max_frames = max_frames
        self._queue: deque[_Request] = deque()
        self._frames = 0  # audio frames waiting in the queue
        self._ready = asyncio.Event()
        self.dropped = 0  # frames dropped because `max_frames` were waiting

    @property
    def waiting_frames(self) -> int:
        return self._frames

    def begin(self, context: str | None, codes: tuple[str, ...] = ()) -> None:
        self._put(_Begin(context, codes))

    def feed(self, pcm: PCM16) -> None:
        if self._frames >= self.max_frames:
            self.dropped += 1
            if self.dropped == 1:
                log.warning("session %s: %d frames wait for the recognizer; dropping audio",
                            self.session_id, self._frames)
            return
        self._frames += 1
        self._put(_Feed(pcm))

    def finish(self) -> asyncio.Future[Transcript]:
        """The turn's transcript, once every frame handed over before has been decoded."""
        result: asyncio.Future[Transcript] = asyncio.get_running_loop().create_future()
        self._put(_Finish(result))
        return result

    def partial(self) -> asyncio.Future[Partial]:
        """The hypothesis so far, after every frame handed over before."""
        result: asyncio.Future[Partial] = asyncio.get_running_loop().create_future()
        self._put(_Partial(result))
        return result

    def _put(self, request: _Request) -> None:
        self._queue.append(request)
        self._ready.set()

    async def run(self) -> None:
        """Send the requests in order until cancelled; pending results are cancelled then."""
        try:
            while True:
                while not self._queue:
                    self._ready.clear()
                    await self._ready.wait()
                request = self._queue.popleft()
                if isinstance(request, _Feed):
                    self._frames -= 1
                await self._send(request)
        finally:
            for request in self._queue:
                if isinstance(request, _Finish | _Partial):
                    request.result.cancel()
            self._queue.clear()
            self._frames = 0

    async def _send(self, request: _Request) -> None:
        try:
            if isinstance(request, _Feed):
                await self.stt.feed(self.session_id, request.pcm, wait=False)
            elif isinstance(request, _Begin):
                await self.stt.begin(self.session_id, request.context, self.band,
                                     request.codes)
            elif isinstance(request, _Finish):
                # Awaited here, not only by the responder: the pool releases the session's
                # worker when finish returns, and the next turn's begin must come after that.
                transcript = await self.stt.finish(self.session_id)
                if not request.result.done():
                    request.result.set_result(transcript)
            else:
                partial = await self.stt.partial(self.session_id)
                if not request.result.done():
                    request.result.set_result(partial)
        except asyncio.CancelledError:
            if isinstance(request, _Finish | _Partial):
                request.result.cancel()
            raise
        except Exception as exc:
            if isinstance(request, _Finish | _Partial):
                if not request.result.done():
                    request.result.set_exception(exc)
            else:
                log.exception("session %s: recognizer %s failed", self.session_id,
                              type(request).__name__.strip("_").lower())

