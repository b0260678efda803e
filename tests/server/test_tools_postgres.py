"""A guest's journey through the tools on PostgreSQL (dialect differences: timestamptz, JSON,
row locks), on the server the fixture starts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from server.db.database import Database
from server.db.models import VoiceCall
from server.hotel.callbacks import dispatch_due_callbacks
from server.hotel.models import Callback, Reservation, ServiceRequest
from server.hotel.records import TurnRecord, TurnWriter, finalize_call_analytics
from server.outbound import Outbound, TwilioConfig
from server.tools import ToolContext, ToolErrorCode
from tests.server.conftest import Clock, FakeHooks, data, run


async def test_journey_on_postgres(pg_db: Database) -> None:
    clock = Clock()
    ctx = ToolContext(db=pg_db, call_id="pg-call", caller="+447700900101", clock=clock,
                      hooks=FakeHooks())
    async with pg_db.session() as s:
        s.add(VoiceCall(id="pg-call", transport="pstn", status="active",
                        caller="+447700900101"))
    r = await run(ctx, "get_caller_history")
    assert r.ok and data(r)["stays"][0]["room_number"] == "305"
    r = await run(ctx, "make_reservation", room_type="family", check_in="2026-12-18", nights=2,
                  guests=4, guest_name="Alice Morgan", rate_plan="bnb")
    assert r.ok, r
    code = data(r)["confirmation_code"]
    r = await run(ctx, "modify_reservation", confirmation_code=code, nights=3)
    assert r.ok and data(r)["total_pence"] == 3 * 26000
    r = await run(ctx, "cancel_reservation", confirmation_code=code)
    assert r.ok and data(r)["charge_pence"] == 0
    r = await run(ctx, "order_room_service", items=[{"item": "fish and chips", "quantity": 2}])
    assert r.ok and data(r)["total_pence"] == 3600
    r = await run(ctx, "transfer_to_human", department="housekeeping")
    assert r.ok
    r = await run(ctx, "schedule_callback", when="2026-12-01T12:00", reason="spa")
    assert r.ok
    r = await run(ctx, "cancel_reservation", confirmation_code="MRG4X7")
    assert r.error and r.error.code is ToolErrorCode.NOT_ALLOWED
    async with pg_db.session() as s:
        res = await s.scalar(select(Reservation).where(Reservation.code == code))
        assert res is not None and res.status == "cancelled"
        req = await s.scalar(select(ServiceRequest))
        assert req is not None and req.items[0]["quantity"] == 2
        cb = await s.scalar(select(Callback))
        assert cb is not None
        assert cb.due_at == dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    # the scheduler's due query on timestamptz (nothing is dialled: unreachable provider)
    dead = Outbound(TwilioConfig("AC" + "0" * 32, "t", "+442392000001"))
    assert await dispatch_due_callbacks(pg_db, dead, dt.datetime(2026, 12, 1, 11, 0,
                                                                 tzinfo=dt.UTC)) == []
    writer = TurnWriter(pg_db, flush_interval_s=0.01)
    writer.start()
    start = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
    for i, text in enumerate(["Hello", "Lovely, thanks so much"]):
        writer.append(TurnRecord("pg-call", i, "caller", text, start, voice_to_voice_ms=600.0))
    await writer.close()
    a = await finalize_call_analytics(pg_db, "pg-call", ended_at=start + dt.timedelta(minutes=2))
    assert a.turns == 2 and a.voice_to_voice_p50_ms == 600.0 and (a.sentiment or 0) > 0
