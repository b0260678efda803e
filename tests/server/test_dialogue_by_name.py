"""A guest without the confirmation code finds the booking by full name and arrival date; a
name alone, or with the wrong date, reads nothing out."""

from __future__ import annotations

from sqlalchemy import select

from server.db.database import Database
from server.dialogue import DialogueManager
from server.hotel.models import Reservation
from tests.server.conftest import MakeCtx
from tests.server.dialogue_fixtures import STRANGER


async def test_no_code_then_name_and_arrival_date_find_the_booking(
        make_ctx: MakeCtx, db: Database) -> None:
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    r = await dm.handle("i'd like to cancel my booking")
    assert r.expecting == "confirmation_code"
    r = await dm.handle("i'm afraid i don't have it")
    assert r.text == "No problem. What's the full name the booking is under?"
    r = await dm.handle("ben carter")
    assert r.text == "Thank you. And what's the arrival date?" and not r.tool_calls
    r = await dm.handle("next friday")
    assert r.expecting == "confirm_cancel"
    assert r.text.startswith("I have booking C, R, T, 8, N, 2: a standard double for two "
                             "guests, arriving Friday the 4th of December"), r.text
    r = await dm.handle("yes")
    assert r.outcome == "cancelled"
    async with db.session() as s:
        res = await s.scalar(select(Reservation).where(Reservation.code == "CRT8N2"))
        assert res is not None and res.status == "cancelled"


async def test_name_and_date_in_one_answer_and_the_change_is_asked_after(
        make_ctx: MakeCtx) -> None:
    """The date that found the booking is not taken as a change to it."""
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    await dm.handle("i need to change my booking")
    r = await dm.handle("it's under ben carter arriving on the fourth of december")
    assert r.expecting == "changes"
    assert r.text.startswith("I have your booking C, R, T, 8, N, 2: a standard double"), r.text
    r = await dm.handle("make it three nights")
    assert r.expecting == "confirm_change" and "three nights" in r.text


async def test_a_wrong_date_reads_nothing_out_and_a_second_offers_reservations(
        make_ctx: MakeCtx) -> None:
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    await dm.handle("can you text me my booking confirmation")
    r = await dm.handle("it's under ben carter")
    assert r.expecting == "arrival"
    r = await dm.handle("the fifth of december")
    assert r.text == ("I'm sorry, I can't find a booking under that name arriving Saturday "
                      "the 5th of December. Could you tell me the full name again?")
    assert "CRT8N2" not in str(r.tool_calls[0].result) and r.expecting == "booking_name"
    r = await dm.handle("yes please")  # not a name: asked again, as any answer that does not fit
    assert r.text == "Sorry, could you say that again?" and r.expecting == "booking_name"
    r = await dm.handle("ben carter")
    assert r.expecting == "arrival"
    r = await dm.handle("yes go ahead")  # not a date
    assert r.text == "Sorry, could you say that again?" and r.expecting == "arrival"
    r = await dm.handle("tomorrow")
    assert r.expecting == "offer_transfer" and "put you through to reservations" in r.text
    r = await dm.handle("yes please")
    assert r.outcome == "transferred"
    assert r.tool_calls[0].arguments["department"] == "reservations"


async def test_only_a_no_or_a_missing_code_asks_for_the_name(make_ctx: MakeCtx) -> None:
    """"no, three nights" and "yes, go ahead" do not answer the code question ("Go Ahead" is not
    taken as a name there); a plain "no" does."""
    for said in ("no three nights", "yes go ahead"):
        dm = DialogueManager(make_ctx(caller=STRANGER))
        await dm.greeting()
        await dm.handle("i need to change my booking")
        r = await dm.handle(said)
        assert r.text == "Sorry, could you say that again?", said
        assert r.expecting == "confirmation_code"
        r = await dm.handle("no")
        assert r.expecting == "booking_name"
