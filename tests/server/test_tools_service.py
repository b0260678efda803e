"""In-stay service tools: housekeeping/maintenance, room service, hotel information."""

from __future__ import annotations

from sqlalchemy import select

from server.db.database import Database
from server.hotel.enums import Topic
from server.hotel.models import ServiceRequest
from server.tools import ToolErrorCode as E
from tests.server.conftest import TODAY, Clock, MakeCtx, run

ALICE = "+447700900101"


async def _requests(db: Database) -> list[ServiceRequest]:
    async with db.session() as s:
        return list((await s.scalars(select(ServiceRequest).order_by(ServiceRequest.id))).all())


async def test_housekeeping_for_callers_room(make_ctx: MakeCtx, db: Database) -> None:
    r = await run(make_ctx(caller=ALICE), "request_housekeeping",
                  items=["extra towels", "feather-free pillows"])
    assert r.ok, r
    assert r.data["room_number"] == "305"
    assert "room three oh five" in r.speech and "extra towels and feather-free pillows" in r.speech
    [req] = await _requests(db)
    assert req.kind == "housekeeping" and req.status == "open" and req.guest_id is not None
    assert req.items == [{"item": "extra towels"}, {"item": "feather-free pillows"}]


async def test_maintenance_by_room_number(make_ctx: MakeCtx, db: Database) -> None:
    r = await run(make_ctx(), "request_housekeeping", room_number="room 112", kind="maintenance",
                  items=["the shower is not draining"], details="urgent")
    assert r.ok and r.data["room_number"] == "112"
    # The fault stays in the guest's words for staff, and is not said back inside a sentence.
    assert r.speech.startswith("I've asked maintenance to come to room one twelve to sort it "
                               "out."), r.speech
    [req] = await _requests(db)
    assert req.kind == "maintenance" and req.notes == "urgent"
    assert req.items == [{"item": "the shower is not draining"}]


async def test_housekeeping_outside_hours_says_when(make_ctx: MakeCtx, clock: Clock) -> None:
    clock.set_local(TODAY, 23, 0)
    r = await run(make_ctx(caller=ALICE), "request_housekeeping", items=["towels"])
    assert r.ok and "Housekeeping opens at seven o'clock in the morning" in r.speech


async def test_housekeeping_at_a_time_says_when(make_ctx: MakeCtx, db: Database) -> None:
    """A guest who asks for the room to be cleaned after lunch was told "someone will be with
    you shortly"."""
    r = await run(make_ctx(caller=ALICE), "request_housekeeping", items=["room cleaning"],
                  timing="after lunch", details="please clean the room")
    assert r.ok and r.data["timing"] == "after lunch"
    assert r.speech == ("I've asked housekeeping to come to room three oh five for room "
                        "cleaning. Someone will come after lunch."), r.speech
    r = await run(make_ctx(caller=ALICE), "request_housekeeping", items=["towels"],
                  timing="in an hour", details="towels in an hour")
    assert r.speech.endswith("Someone will come in an hour.")
    await run(make_ctx(caller=ALICE), "request_housekeeping", items=["towels"],
              timing="this evening")
    first, second, third = await _requests(db)
    assert first.notes == "wanted after lunch; please clean the room"  # for staff
    assert second.notes == "towels in an hour"  # the guest's words already say when
    assert third.notes == "wanted this evening"
    r = await run(make_ctx(caller=ALICE), "request_housekeeping", items=["towels"],
                  timing="x" * 61)
    assert r.error and r.error.code is E.INVALID_ARGUMENT and r.error.field == "timing"


async def test_do_not_disturb_says_nobody_will_come(make_ctx: MakeCtx, db: Database) -> None:
    """It said "I've asked housekeeping to come to room three oh five for do not disturb.
    Someone will be with you shortly." (the offline dialogue reworded it; the Realtime engine
    would have said it as it was)."""
    r = await run(make_ctx(caller=ALICE), "request_housekeeping", kind="do_not_disturb",
                  items=["do not disturb"], timing="tomorrow morning")
    assert r.ok and r.speech == ("I've let housekeeping know not to disturb you in room three "
                                 "oh five tomorrow morning."), r.speech
    r = await run(make_ctx(caller=ALICE), "request_housekeeping", kind="do_not_disturb",
                  items=["no cleaning"])
    assert r.speech == "I've let housekeeping know not to disturb you in room three oh five."
    assert [q.kind for q in await _requests(db)] == ["do_not_disturb"] * 2


async def test_housekeeping_errors(make_ctx: MakeCtx) -> None:
    r = await run(make_ctx(), "request_housekeeping", items=["towels"])
    assert r.error and r.error.code is E.MISSING_ARGUMENT
    assert r.error.question == "What's your room number?"
    r = await run(make_ctx(), "request_housekeeping", room_number="999", items=["towels"])
    assert r.error and r.error.code is E.UNKNOWN_ROOM
    r = await run(make_ctx(caller=ALICE), "request_housekeeping", items=[])
    assert r.error and r.error.code is E.INVALID_ARGUMENT and r.error.field == "items"
    r = await run(make_ctx(caller=ALICE), "request_housekeeping")
    assert r.error and r.error.code is E.MISSING_ARGUMENT and r.error.field == "items"
    r = await run(make_ctx(caller=ALICE), "request_housekeeping", items=["x"], kind="spa")
    assert r.error and r.error.code is E.INVALID_ARGUMENT and r.error.field == "kind"


async def test_room_service_order_totals(make_ctx: MakeCtx, db: Database) -> None:
    r = await run(make_ctx(caller=ALICE), "order_room_service",
                  items=[{"item": "Club sandwich", "quantity": 2}, {"item": "tea"},
                         {"item": "brownies", "quantity": 3}])
    assert r.ok, r
    assert r.data["total_pence"] == 2 * 1400 + 400 + 3 * 700
    assert "two club sandwiches, one pot of tea and three chocolate brownies" in r.speech
    assert "fifty-three pounds in total" in r.speech
    [req] = await _requests(db)
    assert req.kind == "room_service" and req.total_pence == 5300
    assert req.items[0] == {"code": "club_sandwich", "item": "Club sandwich", "quantity": 2,
                            "unit_pence": 1400}


async def test_room_service_errors(make_ctx: MakeCtx, clock: Clock, db: Database) -> None:
    ctx = make_ctx(caller=ALICE)
    r = await run(ctx, "order_room_service", items=[{"item": "lobster thermidor"}])
    assert r.error and r.error.code is E.UNKNOWN_MENU_ITEM
    assert r.error.question and "club sandwich" in r.error.question
    r = await run(ctx, "order_room_service", items=[{"item": "pizza", "quantity": 0}])
    assert r.error and r.error.code is E.INVALID_ARGUMENT
    r = await run(ctx, "order_room_service", items=[])
    assert r.error and r.error.code is E.INVALID_ARGUMENT
    r = await run(make_ctx(), "order_room_service", items=[{"item": "pizza"}])
    assert r.error and r.error.code is E.MISSING_ARGUMENT and r.error.field == "room_number"
    clock.set_local(TODAY, 23, 30)
    r = await run(ctx, "order_room_service", items=[{"item": "pizza"}])
    assert r.error and r.error.code is E.DEPARTMENT_CLOSED
    assert "half past six in the morning" in r.speech
    assert await _requests(db) == []


async def test_hotel_info_every_topic(make_ctx: MakeCtx) -> None:
    ctx = make_ctx()
    for topic in Topic:
        r = await run(ctx, "hotel_info", topic=topic.value)
        assert r.ok and r.speech, topic
    r = await run(ctx, "hotel_info", topic="wifi")
    assert "HarborView-Guest" in r.speech
    r = await run(ctx, "hotel_info", topic="pets")
    assert "fifteen kilograms" in r.speech


async def test_hotel_info_unknown_topic(make_ctx: MakeCtx) -> None:
    r = await run(make_ctx(), "hotel_info", topic="casino")
    assert r.error and r.error.code is E.UNKNOWN_TOPIC and r.error.field == "topic"
    assert r.error.question and "breakfast" in r.error.question
    r = await run(make_ctx(), "hotel_info")
    assert r.error and r.error.code is E.MISSING_ARGUMENT
