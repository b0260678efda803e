"""`CallHooks` for a phone call: transfer redirects the live Twilio call to a department."""

from __future__ import annotations

import logging
import uuid

import numpy as np
from sqlalchemy import select

from media.playout import Playout
from media.speech.tts import EspeakTTS
from server.db.database import Database
from server.hotel.hold_music import HoldMusic
from server.hotel.models import Hotel
from server.outbound import OutboundError
from server.tools.context import CapturedAudio, TransferTarget
from server.twilio import twiml
from server.twilio.rest import CallControl

log = logging.getLogger(__name__)


async def speak(playout: Playout, tts: EspeakTTS, text: str) -> str:
    """Queue `text` as one utterance on the playout; returns its id."""
    utterance_id = uuid.uuid4().hex[:12]
    parts = [p async for p in tts.stream(text)]
    for i, (pcm, rate) in enumerate(parts):
        playout.enqueue(pcm, rate, utterance_id=utterance_id, mark=f"{utterance_id}:{i}",
                        last=i == len(parts) - 1)
    return utterance_id


class PhoneCallHooks:
    """What tools may do to a live phone call."""

    def __init__(self, call_sid: str, control: CallControl | None, db: Database,
                 playout: Playout, *, department_numbers: dict[str, str] | None = None,
                 tts: EspeakTTS | None = None) -> None:
        self.call_sid = call_sid
        self.control = control
        self.db = db
        self.playout = playout
        self.department_numbers = department_numbers or {}
        self.tts = tts or EspeakTTS()
        self.transferred_to: str | None = None

    async def _dial_plan(self, target: TransferTarget) -> tuple[str, str | None] | None:
        number = self.department_numbers.get(target.department)
        if number:
            return number, None
        async with self.db.session() as s:
            hotel = await s.scalar(select(Hotel).order_by(Hotel.id).limit(1))
        if hotel is None or not hotel.phone:
            return None
        return hotel.phone, f"ww{target.extension}" if target.extension else None

    async def transfer(self, target: TransferTarget) -> bool:
        """Redirect the call to the department's number (the stream then stops)."""
        if self.control is None:
            return False
        plan = await self._dial_plan(target)
        if plan is None:
            return False
        number, digits = plan
        doc = twiml.dial(number, say=f"Connecting you to {target.name}.", send_digits=digits)
        try:
            await self.control.redirect(self.call_sid, doc)
        except OutboundError as exc:
            log.warning("call %s: transfer to %s failed: %s", self.call_sid, number, exc)
            return False
        self.transferred_to = number
        return True

    async def play_hold_music(self, music: HoldMusic) -> bool:
        self.playout.enqueue(np.asarray(music.pcm, np.int16), music.sample_rate,
                             utterance_id=f"hold-{uuid.uuid4().hex[:8]}", last=True)
        return True

    async def speak_announcement(self, text: str) -> bool:
        await speak(self.playout, self.tts, text)
        return True

    async def caller_audio(self, seconds: float) -> CapturedAudio | None:
        return None  # phone audio is not kept beyond the recording
