"""Spelled booking codes misheard by one sound-alike letter ("c r t eight m two" for CRT8N2)
are matched to the one booking that sounds like them, which is read back before anything
happens; codes that match nothing (or several bookings) are asked for again."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from server.db.database import Database
from server.dialogue import DialogueManager
from server.hotel import lookup
from server.hotel.booking import soundalike_codes
from server.hotel.enums import ReservationStatus
from server.hotel.models import Reservation
from tests.server.conftest import MakeCtx
from tests.server.dialogue_fixtures import STRANGER


def test_variants_change_one_soundalike_character() -> None:
    variants = soundalike_codes("CRT8M2")
    assert "CRT8N2" in variants and "CRT8M2" not in variants
    assert "BRT8M2" in variants and "CRTXM2" in variants
    assert all(sum(a != b for a, b in zip(v, "CRT8M2", strict=True)) == 1 for v in variants)
    assert soundalike_codes("222222") == []  # no sound-alike digits but 8


async def test_misheard_letter_finds_the_booking_and_reads_its_code_back(
        make_ctx: MakeCtx) -> None:
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    await dm.handle("please cancel the booking")
    r = await dm.handle("it's c r t eight m two")
    assert "I have booking C, R, T, 8, N, 2" in r.text, r.text
    assert r.expecting == "confirm_cancel"
    assert [(c.name, c.ok) for c in r.tool_calls] == [("find_reservation", True)]


async def test_code_far_from_any_booking_is_asked_again(make_ctx: MakeCtx) -> None:
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    await dm.handle("please cancel the booking")
    r = await dm.handle("it's x y z two three four")
    assert "I can't find a booking with the code" in r.text
    assert r.expecting == "confirmation_code"


async def test_a_code_matching_nothing_is_asked_for_in_words(make_ctx: MakeCtx) -> None:
    """"c r t eight n two" over a phone line was heard "b r c n h n two": too far from any
    booking to be a sound-alike. The agent asks for the letters as words, which it hears apart."""
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    await dm.handle("please cancel the booking")
    r = await dm.handle("it's b r c n h n two")
    assert r.text == ("I can't find a booking with the code R, C, N, H, N, 2. Could you spell it "
                      "again with a word for each letter, like C for Charlie?"), r.text
    r = await dm.handle("charlie romeo tango eight november two")
    assert "I have booking C, R, T, 8, N, 2" in r.text, r.text
    assert r.expecting == "confirm_cancel"


async def test_the_live_codes_are_listened_for_while_a_code_is_asked_for(
        make_ctx: MakeCtx, db: Database) -> None:
    """The recognizer gets the hotel's live codes for the turn that answers "what's the code?"
    (media.speech.spelled_codes), and none for any other turn."""
    async with db.session() as s:
        chloe = await s.scalar(select(Reservation).where(Reservation.code == "DVS5K3"))
        assert chloe is not None
        chloe.status = ReservationStatus.CANCELLED.value
        await s.commit()
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    assert dm.listening_codes == ()
    r = await dm.handle("please cancel the booking")
    assert r.expecting == "confirmation_code"
    # Alice is in the hotel, Ben arrives on Friday; Chloe's booking is cancelled.
    assert sorted(dm.listening_codes) == ["CRT8N2", "MRG4X7"]
    r = await dm.handle("it's c r t eight n two")
    assert r.expecting == "confirm_cancel" and dm.listening_codes == ()


async def test_codes_that_cannot_be_read_cost_the_reply_nothing(
        make_ctx: MakeCtx, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*_args: object, **_kwargs: object) -> list[str]:
        raise OperationalError("SELECT code", {}, Exception("database is locked"))

    monkeypatch.setattr(lookup, "live_codes", broken)
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    r = await dm.handle("please cancel the booking")
    assert r.expecting == "confirmation_code" and dm.listening_codes == ()
