"""One staff member's aiortc peer on one call: hears both sides (`ListenTrack`), and sends the
staff microphone, which reaches the guest only while this peer holds a take-over.

The page offers a sendrecv audio transceiver with no track while listening and swaps its
microphone in with `replaceTrack()` on take-over, so no renegotiation is needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging

from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription

from media.clock import FrameClock
from media.errors import TransportClosed
from media.playout import Playout
from media.transports.webrtc import TrackSource, answer_sends_opus
from server.console.mixer import ListenTrack
from server.console.staff_transcript import StaffTranscriber
from server.console.taps import CallTaps
from server.voice.ice import rtc_configuration
from server.voice.session import VoiceSession

log = logging.getLogger(__name__)

MAX_STAFF_QUEUE_MS = 200.0  # staff audio queued deeper than this is dropped (keeps it live)
_ids = itertools.count(1)


class StaffPeer:
    def __init__(self, session: VoiceSession, staff_name: str, pc: RTCPeerConnection,
                 track: ListenTrack, taps: CallTaps,
                 transcriber: StaffTranscriber | None = None) -> None:
        self.session = session
        self.staff_name = staff_name
        self.pc = pc
        self.track = track
        self.taps = taps
        self.feed_to: Playout | None = None  # set while this staff member has taken over
        self.utterance_id = f"staff-{next(_ids)}"
        self.frames_fed = 0
        self.transcriber = transcriber
        self._reader: asyncio.Task[None] | None = None
        self._closed = False

    def attach_microphone(self, remote: MediaStreamTrack) -> None:
        if self._reader is None and self.session.playout is not None:
            source = TrackSource(remote, self.session.playout.sample_rate)
            self._reader = asyncio.ensure_future(self._read(source))

    async def _read(self, source: TrackSource) -> None:
        """Always drain the staff track (aiortc's queue is unbounded); forward when feeding."""
        try:
            while True:
                frame = await source.recv()
                playout = self.feed_to
                if playout is None or playout.queued_ms > MAX_STAFF_QUEUE_MS:
                    continue
                playout.enqueue(frame.samples, frame.sample_rate,
                                utterance_id=self.utterance_id)
                self.frames_fed += 1
                if self.transcriber is not None:
                    self.transcriber.feed(frame)
        except TransportClosed:
            log.debug("call %s: staff microphone ended", self.session.id)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.feed_to = None
        with contextlib.suppress(ValueError):
            self.taps.guest.remove(self.track.add_guest)
        with contextlib.suppress(ValueError):
            self.taps.agent.remove(self.track.add_agent)
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        self.track.stop()
        await self.pc.close()


async def open_staff_peer(session: VoiceSession, taps: CallTaps, clock: FrameClock,
                          stun_servers: tuple[str, ...], staff_name: str, offer_sdp: str,
                          transcriber: StaffTranscriber | None = None
                          ) -> tuple[StaffPeer, str]:
    """Answer the staff page's offer; returns the peer and the answer SDP. Closed on failure."""
    pc = RTCPeerConnection(rtc_configuration(stun_servers))
    track = ListenTrack(clock)
    peer = StaffPeer(session, staff_name, pc, track, taps, transcriber)

    @pc.on("track")
    def on_track(remote: MediaStreamTrack) -> None:
        if remote.kind == "audio":
            peer.attach_microphone(remote)

    try:
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        pc.addTrack(track)
        await pc.setLocalDescription(await pc.createAnswer())
        track.sends_opus = answer_sends_opus(pc.localDescription.sdp)
    except Exception:
        await peer.close()
        raise
    taps.guest.append(track.add_guest)
    taps.agent.append(track.add_agent)
    return peer, pc.localDescription.sdp
