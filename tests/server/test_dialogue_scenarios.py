"""Multi-turn calls through the DialogueManager, graded on what ends up in the database.

Each scenario runs against a fresh copy of the migrated, seeded SQLite database at Tuesday
1 December 2026, 10:00 London ("next friday" is the 4th). `test_scenario_table` prints the task
success rate; each scenario also runs as its own test for readable failures.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from server.hotel.models import Callback, Room, ServiceRequest, SmsMessage, Transfer
from server.tools import ToolContext
from tests.server.conftest import TODAY
from tests.server.dialogue_fixtures import (
    ALICE,
    BEN,
    SILENCE,
    Call,
    Check,
    Scenario,
    at,
    book_for,
    new_reservations,
    reservation,
    rows,
    run_scenario,
)

FRI = dt.date(2026, 12, 4)
SAT = dt.date(2026, 12, 5)
TOMORROW = TODAY + dt.timedelta(days=1)


def _booked(room: str, check_in: dt.date, nights: int, guests: int, plan: str,
            name: str | None = None, phone: str | None = None,
            total: int | None = None) -> Check:
    async def check(call: Call) -> None:
        made = await new_reservations(call.db)
        assert len(made) == 1, f"expected one new reservation, got {len(made)}"
        r, t, g = made[0]
        got = (t.name, r.check_in, (r.check_out - r.check_in).days, r.guests, r.rate_plan)
        assert got == (room, check_in, nights, guests, plan), got
        assert r.status == "confirmed"
        if name is not None:
            assert g.name == name, g.name
        if phone is not None:
            assert g.phone == phone, g.phone
        if total is not None:
            assert r.total_pence == total, r.total_pence
    return check


async def _nothing_booked(call: Call) -> None:
    assert await new_reservations(call.db) == []


def _request(kind: str, room: str, items: list[dict[str, object]] | None = None,
             total: int | None = None, contains: str | None = None) -> Check:
    async def check(call: Call) -> None:
        reqs = await rows(call.db, ServiceRequest)
        assert len(reqs) == 1, reqs
        req = reqs[0]
        assert req.kind == kind, req.kind
        async with call.db.session() as s:
            r = await s.get(Room, req.room_id)
        assert r is not None and r.number == room, r and r.number
        if items is not None:
            got = [{"item": i["item"], "quantity": i.get("quantity")} for i in req.items]
            assert got == items, got
        if contains is not None:
            assert any(contains in str(i["item"]) for i in req.items), req.items
        if total is not None:
            assert req.total_pence == total, req.total_pence
    return check


def _transfer(department: str, status: str = "queued") -> Check:
    async def check(call: Call) -> None:
        ts = await rows(call.db, Transfer)
        assert [(t.department, t.status) for t in ts] == [(department, status)], \
            [(t.department, t.status) for t in ts]
    return check


def _callback(due_local: dt.datetime, department: str | None = None,
              phone: str = "+447700900555") -> Check:
    async def check(call: Call) -> None:
        cbs = await rows(call.db, Callback)
        assert len(cbs) == 1, cbs
        cb = cbs[0]
        due = cb.due_at.replace(tzinfo=dt.UTC) if cb.due_at.tzinfo is None else cb.due_at
        assert due == due_local, (due, due_local)
        assert cb.department == department and cb.phone == phone, (cb.department, cb.phone)
    return check


def _cancelled(code: str | None, charge: int) -> Check:
    async def check(call: Call) -> None:
        target = code
        if target is None:
            cancelled = [c for c in call.tools("cancel_reservation") if c.ok]
            assert cancelled, "no successful cancel_reservation"
            target = str(cancelled[-1].arguments["confirmation_code"])
        r, _ = await reservation(call.db, target)
        assert r.status == "cancelled" and r.cancellation_charge_pence == charge, \
            (r.status, r.cancellation_charge_pence)
    return check


def _still_confirmed(room_type: str = "Standard Double") -> Check:
    async def check(call: Call) -> None:
        tried = [c for c in call.tools("cancel_reservation")]
        assert tried, "cancel was never attempted"
        code = str(tried[0].arguments["confirmation_code"])
        r, t = await reservation(call.db, code)
        assert r.status == "confirmed" and t.name == room_type
    return check


def _modified(code: str, room: str, check_in: dt.date, nights: int, guests: int) -> Check:
    async def check(call: Call) -> None:
        r, t = await reservation(call.db, code)
        got = (t.name, r.check_in, (r.check_out - r.check_in).days, r.guests)
        assert got == (room, check_in, nights, guests), got
        assert "modified" in call.outcomes
    return check


def _sms(to: str, count: int = 1) -> Check:
    async def check(call: Call) -> None:
        msgs = await rows(call.db, SmsMessage)
        assert len(msgs) == count and all(m.to == to for m in msgs), \
            [(m.to, m.status) for m in msgs]
        assert msgs[0].reservation_id is not None and msgs[0].status == "queued"
    return check


def _both(*checks: Check) -> Check:
    async def check(call: Call) -> None:
        for c in checks:
            await c(call)
    return check


def _info(topic: str, words: str) -> Check:
    async def check(call: Call) -> None:
        calls = call.tools("hotel_info")
        assert calls and calls[0].ok and calls[0].arguments["topic"] == topic, calls
        assert words in call.replies[1].text, call.replies[1].text
        assert "info_given" in call.outcomes
    return check


def _ended(outcome: str) -> Check:
    async def check(call: Call) -> None:
        last = call.replies[-1]
        assert last.end_call and last.outcome == outcome, (last.end_call, last.outcome)
    return check


async def _seed_tomorrow(ctx: ToolContext) -> None:
    await book_for(ctx, check_in=TOMORROW)


async def _repeat_check(call: Call) -> None:
    assert call.replies[2].text == call.replies[1].text
    assert call.replies[2].tool_calls == ()


async def _low_confidence(call: Call) -> None:
    assert call.replies[1].text == "Sorry, could you say that again?"
    assert call.replies[1].tool_calls == ()
    await _booked("Standard Twin", SAT, 1, 2, "room_only")(call)


async def _misunderstood(call: Call) -> None:
    assert call.replies[1].text == "Sorry, could you say that again?"
    assert "front desk" in call.replies[2].text and call.replies[2].expecting == "offer_transfer"
    await _transfer("front_desk")(call)


async def _silence(call: Call) -> None:
    assert call.replies[-2].text == "Are you still there?"
    assert not call.replies[-2].end_call
    await _ended("abandoned")(call)
    assert [c.name for c in call.replies[-1].tool_calls] == ["end_call"]


async def _past_date(call: Call) -> None:
    errs = [c for c in call.tools("check_availability") if c.error_code == "date_in_past"]
    assert errs, "the past date never reached the tool"
    assert any("already passed" in r.text and r.expecting == "check_in" for r in call.replies)
    await _booked("Standard Double", TOMORROW, 1, 1, "room_only")(call)


async def _nine_guests(call: Call) -> None:
    errs = [c for c in call.tools("check_availability") if c.error_code == "too_many_guests"]
    assert errs
    assert any("more than one room" in r.text for r in call.replies)
    await _transfer("reservations")(call)


async def _three_in_double(call: Call) -> None:
    assert any("Family Room" in r.text and "instead" in r.text for r in call.replies)
    await _booked("Family Room", FRI, 2, 3, "room_only")(call)


async def _unknown_item(call: Call) -> None:
    errs = [c for c in call.tools("order_room_service") if c.error_code == "unknown_menu_item"]
    assert errs and "club sandwich" in call.replies[1].text
    await _request("room_service", "305", [{"item": "Caesar salad", "quantity": 1}],
                   1200)(call)


async def _greets_by_name(call: Call) -> None:
    assert call.replies[0].text.startswith("Good morning Alice")
    await _info("wifi", "HarborView")(call)


async def _availability_only(call: Call) -> None:
    assert "availability_given" in call.outcomes
    await _nothing_booked(call)
    await _ended("availability_given")(call)


async def _room_service_closed(call: Call) -> None:
    # Said at the request, before any order is read back (not after "Shall I place it?").
    asked = call.replies[1].text
    assert "closed" in asked and "half past six" in asked, asked
    assert not any("place the order" in r.text for r in call.replies)
    assert await rows(call.db, ServiceRequest) == []


B = "Standard Double"
SCENARIOS: list[Scenario] = [
    Scenario("book_all_in_one", "booking", (
        "i'd like to book a deluxe king for two nights from next friday", "two people",
        "bed and breakfast", "my name is anna smith", "yes", "no thanks", "no that's all"),
        _both(_booked("Deluxe King", FRI, 2, 2, "bnb", "Anna Smith", "+447700900555", 42000),
              _ended("booked"))),
    Scenario("book_step_by_step", "booking", (
        "hello", "i'd like to book a room", "december fourth", "a couple of nights", "for three",
        "family room", "room only", "james wilson", "yeah", "no"),
        _booked("Family Room", FRI, 2, 3, "room_only", "James Wilson",
                total=42000)),
    Scenario("book_correct_nights", "booking", (
        "can i book a standard twin for three nights from the fourth of december",
        "two adults", "room only", "it's emma brown", "no two nights", "that's right"),
        _booked("Standard Twin", FRI, 2, 2, "room_only", "Emma Brown")),
    Scenario("book_correct_guests", "booking", (
        "i'd like to book a family room for next friday", "two nights", "two people",
        "with breakfast", "lucy hill", "actually make it three people", "yes please"),
        _booked("Family Room", FRI, 2, 3, "bnb", "Lucy Hill", total=52000)),
    Scenario("book_correct_date", "booking", (
        "we need a double room for one night on friday", "just me", "room only", "peter king",
        "not friday saturday", "correct"),
        _booked(B, SAT, 1, 1, "room_only", "Peter King")),
    Scenario("book_known_caller", "booking", (
        "i'd like to book a suite for tonight for a week", "the two of us", "bed and breakfast",
        "go ahead"),
        _booked("Harbor Suite", TODAY, 7, 2, "bnb", "Ben Carter", BEN,
                39000 * 7), caller=BEN),
    Scenario("book_no_caller_id", "booking", (
        "i'd like to book a king for tomorrow", "one night", "one person", "room only",
        "my name is david clark", "yes",  # "Is that Clark, spelled C, L, A, R, K?"
        "oh seven seven oh oh nine oh oh five five five", "yes"),
        _booked("Deluxe King", TOMORROW, 1, 1, "room_only", "David Clark", "+447700900555"),
        caller=None),
    Scenario("book_date_in_past", "booking", (
        "i'd like to book a double room for the thirtieth of november", "tomorrow",
        "one night", "one person", "room only", "sarah jones", "yes"),
        _past_date),
    Scenario("book_nine_in_double_transfer", "booking", (
        "i'd like to book a standard double for next friday for two nights",
        "nine people", "yes please"),
        _nine_guests),
    Scenario("book_three_in_double_alternative", "booking", (
        "can i book a double for three people from next friday", "two nights",
        "the family room please", "room only", "ella ward", "yes"),
        _three_in_double),
    Scenario("availability_then_book", "availability", (
        "do you have any rooms this saturday", "just one night", "yes please", "two guests",
        "twin", "room only", "mark evans", "sure"),
        _booked("Standard Twin", SAT, 1, 2, "room_only", "Mark Evans")),
    Scenario("availability_only", "availability", (
        "is there availability next friday for a week", "no thanks", "no that's all"),
        _availability_only),
    Scenario("sms_offered_after_booking", "sms", (
        "i'd like to book a deluxe king for next friday for two nights for two guests",
        "bed and breakfast", "grace hall", "yes", "yes please", "no"),
        _both(_booked("Deluxe King", FRI, 2, 2, "bnb", "Grace Hall"),
              _sms("+447700900555"))),
    Scenario("sms_on_request", "sms", ("can you text me my booking confirmation", "no"),
             _sms(BEN), caller=BEN),
    Scenario("cancel_free_known_caller", "cancel", (
        "i need to cancel my booking", "yes", "no thank you"),
        _both(_cancelled("CRT8N2", 0), _ended("cancelled")), caller=BEN),
    Scenario("cancel_by_nato_code", "cancel", (
        "i'd like to cancel my reservation", "charlie romeo tango eight november two", "yep"),
        _cancelled("CRT8N2", 0)),
    Scenario("cancel_by_spelled_code", "cancel", (
        "please cancel the booking", "it's c r t eight n two", "yes go ahead"),
        _cancelled("CRT8N2", 0)),
    Scenario("cancel_late_accepts_charge", "cancel", (
        "i need to cancel my booking", "yes", "yes"),
        _cancelled(None, 12000), setup=_seed_tomorrow, now=at(TODAY, 16)),
    Scenario("cancel_late_declines_charge", "cancel", (
        "i need to cancel my booking", "yes", "no"),
        _still_confirmed(), setup=_seed_tomorrow, now=at(TODAY, 16)),
    Scenario("change_move_date", "change", (
        "can i change my booking to saturday", "yes"),
        _modified("CRT8N2", B, SAT, 2, 2), caller=BEN),
    Scenario("change_add_night", "change", ("can i add a night", "yes please"),
             _modified("CRT8N2", B, FRI, 3, 2), caller=BEN),
    Scenario("change_upgrade_room", "change", (
        "i'd like to change my room to a deluxe king", "go ahead", "no"),
        _modified("CRT8N2", "Deluxe King", FRI, 2, 2), caller=BEN),
    Scenario("change_by_code_with_correction", "change", (
        "i need to change my reservation", "c r t eight n two", "four nights",
        "no three nights", "yes"),
        _modified("CRT8N2", B, FRI, 3, 2)),
    Scenario("housekeeping_known_room", "housekeeping", (
        "could i have some extra towels", "no"),
        _request("housekeeping", "305", contains="towels"), caller=ALICE),
    Scenario("housekeeping_asks_room", "housekeeping", (
        "can you send up some pillows", "room one twelve"),
        _request("housekeeping", "112", contains="pillows")),
    Scenario("maintenance", "housekeeping", ("the shower isn't working", "no"),
             _request("maintenance", "305"), caller=ALICE),
    Scenario("room_service_order", "room_service", (
        "i'd like to order two club sandwiches and a pot of tea", "yes"),
        _request("room_service", "305", [{"item": "Club sandwich", "quantity": 2},
                                         {"item": "Pot of tea", "quantity": 1}], 3200),
        caller=ALICE),
    Scenario("room_service_unknown_item", "room_service", (
        "can i order a burger", "a caesar salad please", "yes"),
        _unknown_item, caller=ALICE),
    Scenario("room_service_amend", "room_service", (
        "two margherita pizzas please", "no three pizzas", "yes"),
        _request("room_service", "305", [{"item": "Margherita pizza", "quantity": 3}], 4500),
        caller=ALICE),
    Scenario("room_service_asks_room", "room_service", (
        "i'd like room service please", "fish and chips and a sparkling water",
        "room two oh three", "yes"),
        _request("room_service", "203", [{"item": "Fish and chips", "quantity": 1},
                                         {"item": "Sparkling water (750 ml)", "quantity": 1}],
                 2300)),
    Scenario("info_breakfast", "info", ("what time is breakfast",),
             _info("breakfast", "half past ten")),
    Scenario("info_parking", "info", ("how much is parking",),
             _info("parking", "fifteen pounds")),
    Scenario("info_known_caller_wifi", "info", ("what's the wifi password",),
             _greets_by_name, caller=ALICE),
    Scenario("transfer_reception", "transfer", ("can i speak to reception",),
             _transfer("front_desk")),
    Scenario("transfer_manager", "transfer", ("the manager",),
             _transfer("manager")),
    Scenario("transfer_mid_booking", "transfer", (
        "i'd like to book a room", "actually can i speak to someone"),
        _both(_transfer("front_desk"), _nothing_booked)),
    Scenario("transfer_closed_offers_callback", "transfer", (
        "put me through to reservations please", "yes please", "yes that's right"),
        _both(_transfer("reservations", "closed_callback_offered"),
              _callback(at(TOMORROW, 8), "reservations")),
        now=at(TODAY, 21)),
    Scenario("callback_at_time", "callback", (
        "can someone call me back at three", "that's fine", "no"),
             _callback(at(TODAY, 15))),
    Scenario("callback_asks_time", "callback", (
        "could you call me back later", "tomorrow at ten", "yes please"),
        _callback(at(TOMORROW, 10))),
    Scenario("misunderstood_twice_offers_transfer", "transfer", (
        "purple monkey dishwasher", "wibble wobble", "yes"),
        _misunderstood),
    Scenario("low_confidence_reasked", "booking", (
        "mumble", "i'd like to book a twin for saturday for one night for two people",
        "room only", "tom green", "yes"),
        _low_confidence, confidence={0: 0.2}),
    Scenario("repeat_last_reply", "info", ("what time is check out", "say that again"),
             _repeat_check),
    Scenario("silence_then_abandoned", "silence", (SILENCE, SILENCE), _silence),
    Scenario("book_no_then_change_plan", "booking", (
        "i'd like to book a twin room from friday to sunday for two people", "room only",
        "my name is oscar lewis", "no", "make it bed and breakfast", "that's correct"),
        _booked("Standard Twin", FRI, 2, 2, "bnb", "Oscar Lewis", total=30000)),
    Scenario("book_with_question_on_the_way", "booking", (
        "i'd like to book a double for next friday", "is breakfast included", "three nights",
        "one guest", "room only", "ruby scott", "yes please"),
        _booked(B, FRI, 3, 1, "room_only", "Ruby Scott")),
    Scenario("room_service_closed", "room_service", ("can i order a pot of tea", "yes"),
             _room_service_closed, caller=ALICE, now=at(TODAY, 23, 30)),
    Scenario("callback_in_minutes", "callback", (
        "call me back in twenty minutes please", "yes"),
             _callback(at(TODAY, 10, 20))),
    Scenario("cancel_by_name_and_date", "cancel", (
        "i'd like to cancel my booking", "i don't have the code", "ben carter", "next friday",
        "yes please"),
        _cancelled("CRT8N2", 0)),
    Scenario("change_by_name_and_date", "change", (
        "i need to change my booking", "i haven't got it", "it's ben carter",
        "the fourth of december", "make it three nights", "yes"),
        _modified("CRT8N2", B, FRI, 3, 2)),
]


@pytest.mark.parametrize("sc", SCENARIOS, ids=[s.name for s in SCENARIOS])
async def test_scenario(sc: Scenario, template_db: Path, tmp_path: Path) -> None:
    try:
        await run_scenario(sc, template_db, tmp_path)
    except AssertionError as e:
        raise AssertionError(f"{sc.name}: {e}") from e


async def test_scenario_table(template_db: Path, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    """All scenarios in one run: a per-task table and the overall task success rate."""
    started = time.perf_counter()
    results: list[tuple[Scenario, str | None]] = []
    for sc in SCENARIOS:
        try:
            await run_scenario(sc, template_db, tmp_path)
            results.append((sc, None))
        except AssertionError as e:
            results.append((sc, str(e) or "assertion failed"))
    by_task: dict[str, list[bool]] = {}
    for sc, err in results:
        by_task.setdefault(sc.task, []).append(err is None)
    lines = ["", f"{'task':<14} {'passed':>6} / {'total':<5}"]
    lines += [f"{task:<14} {sum(ok):>6} / {len(ok):<5}" for task, ok in sorted(by_task.items())]
    passed = sum(err is None for _, err in results)
    lines.append(f"task success rate: {passed}/{len(results)} = "
                 f"{100 * passed / len(results):.1f}% ({time.perf_counter() - started:.1f} s)")
    lines += [f"FAILED {sc.name}: {err}" for sc, err in results if err]
    with capsys.disabled():
        print("\n".join(lines))
    assert len(results) >= 30
    assert passed == len(results), [sc.name for sc, err in results if err]
