"""Everyday requests found by saying them to the dialogue (2026-12-01, fourth round): room
service and housekeeping wording, requests another department handles, prices without dates,
follow-up questions, and leaving a task."""

from __future__ import annotations

import datetime as dt

from server.db.database import Database
from server.dialogue import DialogueManager, Reply, slots
from server.dialogue.words import tokens
from server.hotel.models import Reservation, ServiceRequest
from tests.server.conftest import TODAY, Clock, MakeCtx
from tests.server.dialogue_fixtures import (
    ALICE,
    BEN,
    CHLOE,
    STRANGER,
    FakeOutbound,
    reservation,
    rows,
)


async def _call(make_ctx: MakeCtx, caller: str | None, *lines: str) -> list[Reply]:
    dm = DialogueManager(make_ctx(caller=caller))
    await dm.greeting()
    return [await dm.handle(line) for line in lines]


# --- room service and housekeeping ---------------------------------------------------------

async def test_no_hot_water_is_a_fault_not_an_order(make_ctx: MakeCtx, db: Database) -> None:
    """It ordered a sparkling water to the room."""
    r, = await _call(make_ctx, CHLOE, "the shower has no hot water")
    assert [c.name for c in r.tool_calls] == ["request_housekeeping"]
    assert r.tool_calls[0].arguments["kind"] == "maintenance"
    assert r.text.startswith("I've asked maintenance to come to room one twelve")
    assert [q.kind for q in await rows(db, ServiceRequest)] == ["maintenance"]


async def test_a_problem_with_a_thing_in_the_room_is_a_fault(make_ctx: MakeCtx) -> None:
    r, = await _call(make_ctx, CHLOE, "there's a problem with the air conditioning")  # a miss
    assert r.tool_calls[0].arguments["kind"] == "maintenance", r.text
    r, = await _call(make_ctx, BEN, "there's a problem with my booking")  # not a fault
    assert [c.name for c in r.tool_calls] == ["find_reservation"], r.text


async def test_a_guest_who_wants_no_visit_is_told_nobody_will_come(make_ctx: MakeCtx,
                                                                   db: Database) -> None:
    """"Please don't clean the room today" was answered "I've asked housekeeping to come to
    room one twelve for no cleaning today. Someone will be with you shortly."; "don't disturb
    us tomorrow morning" started a booking."""
    for line in ("please don't clean the room today", "please don't disturb us tomorrow morning",
                 "we don't need housekeeping today thanks", "please do not clean the room",
                 "we don't need the room cleaned"):
        r, = await _call(make_ctx, CHLOE, line)
        assert r.text.startswith("I've let housekeeping know not to disturb you in room one "
                                 "twelve"), (line, r.text)
    assert r.text.startswith("I've let housekeeping know not to disturb you in room one twelve."
                             " Is there anything else"), r.text
    requests = await rows(db, ServiceRequest)
    assert [q.items for q in requests] == [[{"item": "do not disturb"}]] * 5
    assert [q.kind for q in requests] == ["do_not_disturb"] * 5
    assert requests[1].notes == "please don't disturb us tomorrow morning"  # for staff


async def test_a_visit_at_a_time_is_said_back_with_its_time(make_ctx: MakeCtx,
                                                            db: Database) -> None:
    """Every request was answered "Someone will be with you shortly", whenever the guest
    wanted the visit; and "no visit tomorrow morning" was said back without its morning."""
    r, = await _call(make_ctx, ALICE, "can you clean my room later this afternoon")
    assert r.text.startswith("I've asked housekeeping to come to room three oh five for room "
                             "cleaning. Someone will come later this afternoon. Is there"), r.text
    *_, r = await _call(make_ctx, ALICE, "could housekeeping come at three o'clock",
                        "to clean the room please")
    assert "Someone will come at three o'clock." in r.text, r.text
    r, = await _call(make_ctx, CHLOE, "can someone fix the shower tomorrow morning")
    assert r.text.startswith("I've asked maintenance to come to room one twelve to sort it out."
                             " Someone will come tomorrow morning."), r.text
    r, = await _call(make_ctx, CHLOE, "please don't disturb us tomorrow morning")
    assert r.text.startswith("I've let housekeeping know not to disturb you in room one twelve "
                             "tomorrow morning."), r.text
    r, = await _call(make_ctx, CHLOE, "could you send up some more towels")
    assert "Someone will be with you shortly." in r.text
    assert [q.notes.split(";")[0] for q in await rows(db, ServiceRequest)] == [
        "can you clean my room later this afternoon",
        "could housekeeping come at three o'clock", "can someone fix the shower tomorrow morning",
        "please don't disturb us tomorrow morning", "could you send up some more towels"]


async def test_room_cleaning_at_a_time_keeps_the_guests_words(make_ctx: MakeCtx,
                                                              db: Database) -> None:
    """"Could my room be cleaned at three?" asked what to bring, and the "yes" that followed
    was sent to housekeeping as the item."""
    r, = await _call(make_ctx, ALICE, "could my room be cleaned at three pm")
    assert r.tool_calls[0].arguments["items"] == ["room cleaning"]
    req, = await rows(db, ServiceRequest)
    assert req.items == [{"item": "room cleaning"}] and "three pm" in req.notes


async def test_towels_and_a_pot_of_tea(make_ctx: MakeCtx, clock: Clock, db: Database) -> None:
    """The housekeeping request was made and the pot of tea dropped unsaid."""
    r1, r2, r3 = await _call(make_ctx, ALICE, "i need more towels and can you also send up a "
                             "pot of tea", "yes please", "yes")
    assert r1.text.endswith("Shall I also order a pot of tea from room service?"), r1.text
    assert r1.outcome == "housekeeping_requested" and r2.expecting == "confirm_order"
    assert r3.outcome == "room_service_ordered"
    assert sorted(q.kind for q in await rows(db, ServiceRequest)) == ["housekeeping",
                                                                      "room_service"]
    *_, r = await _call(make_ctx, STRANGER, "can i get some towels and a club sandwich",
                        "room one twelve", "yes")
    assert r.text.startswith("That's a club sandwich to room one twelve"), r.text
    clock.set_local(TODAY, 23, 30)
    r, = await _call(make_ctx, ALICE, "can i get a pot of tea and some extra towels")
    assert "Room service is closed right now" in r.text and r.expecting == "anything_else"


async def test_yes_is_not_a_housekeeping_item(make_ctx: MakeCtx, db: Database) -> None:
    r1, r2 = await _call(make_ctx, ALICE, "could housekeeping come to my room", "yes")
    assert r1.expecting == r2.expecting == "items" and not r2.tool_calls
    assert await rows(db, ServiceRequest) == []


async def test_naming_the_pizza_keeps_how_many(make_ctx: MakeCtx, db: Database) -> None:
    *_, r2, r3 = await _call(make_ctx, ALICE, "can i order two pizzas", "margherita", "yes")
    assert r2.text.startswith("That's two margherita pizzas to room three oh five, thirty pounds")
    assert r3.outcome == "room_service_ordered"
    req, = await rows(db, ServiceRequest)
    assert [(i["code"], i["quantity"]) for i in req.items] == [("margherita_pizza", 2)]


async def test_make_that_two_at_the_read_back(make_ctx: MakeCtx, db: Database) -> None:
    """It was a miss, and the "yes" after it ordered one."""
    _, r2, _ = await _call(make_ctx, ALICE, "i'd like a pot of tea", "actually make that two",
                           "yes")
    assert r2.text.startswith("That's two pots of tea to room three oh five, eight pounds")
    req, = await rows(db, ServiceRequest)
    assert [(i["code"], i["quantity"]) for i in req.items] == [("pot_of_tea", 2)]


async def test_a_price_question_is_answered_then_offered(make_ctx: MakeCtx, db: Database) -> None:
    """"How much is the pizza?" was read back as an order."""
    r1, r2, r3 = await _call(make_ctx, ALICE, "how much is the margherita pizza", "yes please",
                             "yes")
    assert r1.text == "The margherita pizza is fifteen pounds. Would you like to order one?"
    assert not r1.tool_calls
    assert r2.expecting == "confirm_order" and r3.outcome == "room_service_ordered"
    r, = await _call(make_ctx, ALICE, "do you have sparkling water")
    assert r.text.startswith("Yes, the sparkling water is five pounds.")


async def test_an_item_matched_by_a_word_is_read_back_first(make_ctx: MakeCtx,
                                                            db: Database) -> None:
    """"Can I order some chips?" placed a fish and chips order at once, then read the menu."""
    r, = await _call(make_ctx, ALICE, "can i order some chips")
    assert r.text.startswith("That's fish and chips to room three oh five") and not r.tool_calls
    assert await rows(db, ServiceRequest) == []


async def test_how_long_room_service_takes(make_ctx: MakeCtx) -> None:
    r, = await _call(make_ctx, ALICE, "how long will room service take")
    assert r.text.startswith("Room service usually arrives in about thirty minutes.")
    *_, r = await _call(make_ctx, ALICE, "a pot of tea please", "yes", "how long will it take")
    assert r.text.startswith("Room service usually arrives in about thirty minutes.")


async def test_room_service_hours_come_before_the_order(make_ctx: MakeCtx, clock: Clock,
                                                        db: Database) -> None:
    """At 23:30 the order was read back with its total, and refused only after "yes"."""
    clock.set_local(TODAY, 23, 30)
    r, = await _call(make_ctx, ALICE, "how much is the margherita pizza")
    assert r.text == ("The margherita pizza is fifteen pounds. Room service is closed right "
                      "now; it opens at half past six in the morning. Is there anything else I "
                      "can help you with?")
    r1, r2 = await _call(make_ctx, ALICE, "can i get two club sandwiches to my room",
                         "no thanks")
    assert r1.text.startswith("I'm sorry. Room service is closed right now; it opens at "
                              "half past six in the morning.") and not r1.tool_calls
    assert r2.end_call
    clock.set_local(TODAY, 6, 30)  # open again
    r, = await _call(make_ctx, ALICE, "can i get two club sandwiches to my room")
    assert r.expecting == "confirm_order"
    assert await rows(db, ServiceRequest) == []


# --- requests another department handles ---------------------------------------------------

async def test_requests_for_other_departments(make_ctx: MakeCtx) -> None:
    cases = {
        "i ordered a pizza can you cancel it": "room service",  # was: cancel the booking
        "what's my bill so far": "front desk",
        "i'm locked out of my room": "front desk",
        "i left something in my room": "front desk",
        "how much do i owe": "front desk",  # was a miss
        "can i pay when i arrive": "front desk",  # these three were misses
        "do i have to pay now": "front desk",
        "do you take a deposit": "front desk",
    }
    for said, dept in cases.items():
        r1, r2 = await _call(make_ctx, ALICE, said, "yes please")
        assert r1.expecting == "offer_transfer" and not r1.tool_calls, (said, r1.text)
        assert r2.tool_calls[0].arguments["department"] == dept, said


async def test_a_declined_offer_in_a_booking_goes_back_to_the_booking(make_ctx: MakeCtx,
                                                                       db: Database) -> None:
    """"Can I pay when we get there?" asked for the booking's name was offered the front desk,
    and "no" dropped the booking: "No problem. How else can I help?", and the name that
    followed was a miss."""
    before = len(await rows(db, Reservation))
    lines = ("i'd like to book a double for friday", "two nights", "two", "room only")
    *_, r1, r2, r3, r4 = await _call(make_ctx, STRANGER, *lines, "can i pay when we get there",
                                     "no", "sam hughes", "yes")
    assert r1.expecting == "offer_transfer"
    assert r2.text == "No problem. May I have the name for the booking?"
    assert r3.expecting == "confirm_booking" and r4.outcome == "booked", r4.text
    # At the read-back: its question again, and a yes to it books.
    *_, r1, r2, r3 = await _call(make_ctx, "+447700900556", *lines, "sam hughes",
                                 "can i pay by card", "no thanks", "yes")
    assert r2.text == "No problem. Shall I book it?" and r2.expecting == "confirm_booking"
    assert r3.outcome == "booked"
    assert len(await rows(db, Reservation)) == before + 2
    # With no task in progress, as before.
    _, r = await _call(make_ctx, STRANGER, "can i pay by card", "no")
    assert r.text == "No problem. How else can I help?"


async def test_late_check_out_gives_the_time_and_offers_the_front_desk(
        make_ctx: MakeCtx) -> None:
    r, = await _call(make_ctx, ALICE, "can i have a late checkout")
    assert r.text == ("Check-out is by eleven o'clock in the morning. The front desk can tell "
                      "you whether that's possible. Would you like me to put you through?")
    r, = await _call(make_ctx, ALICE, "i'd like an early check in tomorrow")  # was a booking
    assert r.text.startswith("Check-in is from three o'clock") and r.expecting == "offer_transfer"


async def test_reserving_parking_is_not_a_room(make_ctx: MakeCtx) -> None:
    """"Do I need to book parking?", or "do I need to book it?" after the parking answer,
    asked for a room's arrival date."""
    parking = ("We have twenty parking spaces, at fifteen pounds per night. The front desk can "
               "help you with that. Would you like me to put you through?")
    r1, r2 = await _call(make_ctx, STRANGER, "do i need to book parking", "yes")
    assert r1.text == parking
    assert r2.tool_calls[0].arguments["department"] == "front desk"
    _, r = await _call(make_ctx, ALICE, "is there parking", "do i need to book it")
    assert r.text == parking
    _, r = await _call(make_ctx, STRANGER, "is there parking", "can i book a double for friday")
    assert r.expecting == "nights"  # a room named: a booking


async def test_a_question_about_a_fact_the_hotel_does_not_hold_is_said_so(
        make_ctx: MakeCtx) -> None:
    """"Are your rooms wheelchair accessible?", "do you do dinner?" were misses ("Sorry,
    could you say that again?"): the guest repeated a question the agent could never
    answer."""
    for line in ("are your rooms wheelchair accessible", "do you do dinner",
                 "does the room have a kettle", "is the hotel near the station",
                 # the breakfast times, and a booking for tonight, and a miss:
                 "is the restaurant open for dinner tonight", "what's the nearest train station"):
        r, = await _call(make_ctx, STRANGER, line)
        assert r.text == ("I'm afraid I don't have that information to hand. Would you like me "
                          "to put you through to the front desk?"), (line, r.text)
    for line in ("do you serve breakfast", "what time does the restaurant open"):  # held
        r, = await _call(make_ctx, STRANGER, line)
        assert r.text.startswith("Breakfast is served from seven"), (line, r.text)
    r, = await _call(make_ctx, STRANGER, "are you there")
    assert r.text.startswith("Yes, I'm here."), r.text


async def test_the_room_question_for_a_party_names_the_rooms_that_sleep_it(
        make_ctx: MakeCtx) -> None:
    """"Me and my two kids" was four guests, and the room question listed the doubles too."""
    *_, r = await _call(make_ctx, STRANGER, "i'd like to book a room for me and my two kids",
                        "friday", "two nights")
    assert r.text == ("For three guests, we have a family room or the Harbor Suite. Which "
                      "would you like?")
    *_, r = await _call(make_ctx, STRANGER, "i'd like to book a room for friday", "two nights",
                        "two people")
    assert r.text.startswith("Which type of room would you like: a standard double"), r.text


async def test_a_complaint_for_the_manager_offers_the_manager(make_ctx: MakeCtx) -> None:
    r, = await _call(make_ctx, STRANGER, "i want to complain to the manager")
    assert r.text.endswith("put you through to the manager on duty?")


async def test_arriving_late_and_a_question_to_come(make_ctx: MakeCtx) -> None:
    """Both were "I'm sorry to hear that" and an offer of the front desk."""
    r, = await _call(make_ctx, BEN, "i'm running late")
    assert r.text.startswith("That's no problem. Check-in is from three o'clock") and \
        "open around the clock" in r.text
    r, = await _call(make_ctx, BEN, "i have a question")
    assert r.text == "Of course. What would you like to know?"


# --- callbacks, changes, leaving a task ------------------------------------------------------

async def test_a_department_named_for_a_callback_is_who_calls(make_ctx: MakeCtx) -> None:
    """"Reservations" after "when shall we call you back?" transferred the call."""
    _, r2, r3 = await _call(make_ctx, STRANGER, "can someone call me back", "reservations",
                            "tomorrow at ten")
    assert r2.text == "When would be a good time for reservations to call you back?"
    assert not r2.tool_calls
    assert r3.text.startswith("So reservations will call you back tomorrow at ten")


async def test_never_mind_leaves_the_task(make_ctx: MakeCtx) -> None:
    _, r2, r3 = await _call(make_ctx, STRANGER, "i want to book a room", "never mind", "no")
    assert r2.text == "No problem. Is there anything else I can help you with?"
    assert r3.end_call


async def test_no_thanks_after_what_else_ends_the_call(make_ctx: MakeCtx) -> None:
    *_, r = await _call(make_ctx, ALICE, "can i get some more towels", "yes", "no thanks")
    assert r.end_call and r.outcome == "housekeeping_requested"


async def test_great_thanks_after_what_else_is_thanks(make_ctx: MakeCtx) -> None:
    """"Great, thanks" after an answer was taken as yes to "anything else?"."""
    *_, r = await _call(make_ctx, BEN, "what time can i check in", "great thanks")
    assert r.text == "You're welcome. Is there anything else I can help you with?"
    *_, r = await _call(make_ctx, BEN, "what time can i check in", "yes please")
    assert r.text == "Of course. What can I do for you?"


# --- hotel facts and rooms ------------------------------------------------------------------

async def test_follow_up_questions_about_facts(make_ctx: MakeCtx) -> None:
    _, r = await _call(make_ctx, STRANGER, "what time is checkout", "and check in")
    assert r.text.startswith("Check-in is from three o'clock")
    _, r = await _call(make_ctx, STRANGER, "is there a gym", "what time does it open")
    assert r.text.startswith("The gym is open from six")
    r, = await _call(make_ctx, STRANGER, "what time does the restaurant open")
    assert r.text.startswith("Breakfast is served from seven")


async def test_text_me_the_address_says_it_without_a_booking(make_ctx: MakeCtx) -> None:
    _, r = await _call(make_ctx, STRANGER, "where are you located", "can you text me the address")
    assert r.text.startswith("I can only text booking confirmations, I'm afraid. We're at 12 "
                             "Quay Street")
    assert [c.name for c in r.tool_calls] == ["hotel_info"]


async def test_room_prices_without_dates(make_ctx: MakeCtx) -> None:
    r1, r2 = await _call(make_ctx, STRANGER, "how much is a double room", "yes")
    assert r1.text == ("The standard double is one hundred and twenty pounds a night room only, "
                       "or one hundred and fifty pounds with breakfast. Would you like to book "
                       "one?")
    assert r2.expecting == "check_in"
    r, = await _call(make_ctx, STRANGER, "what rooms do you have")
    assert r.text.startswith("We have a standard double at one hundred and twenty pounds, ")
    assert "the Harbor Suite at three hundred and fifty pounds a night" in r.text
    r, = await _call(make_ctx, STRANGER, "do you have a double for the two of us the fifth of "
                     "february")  # was "I don't have that information"
    assert r.expecting == "nights"


async def test_the_difference_between_two_rooms(make_ctx: MakeCtx) -> None:
    """It listed every room type at its price."""
    r, = await _call(make_ctx, STRANGER, "what's the difference between the double and the king")
    assert r.text == ("The standard double, a double bed, at one hundred and twenty pounds a "
                      "night; the deluxe king, a king bed and a sea view, at one hundred and "
                      "eighty pounds a night, room only. Would you like to book a room?")
    *_, r = await _call(make_ctx, STRANGER, "i'd like to book a room for next friday",
                        "two nights", "two", "what's the difference between the double and "
                        "the twin")
    assert r.text.startswith("The standard double, a double bed, at one hundred and twenty "
                             "pounds a night; the standard twin, two single beds") and \
        r.expecting == "room_type"
    assert slots.room_type(tokens("the double no wait the twin actually the double")) == \
        "standard_double"  # the last said, as before


async def test_asking_for_my_confirmation_code_reads_the_booking(make_ctx: MakeCtx) -> None:
    r, = await _call(make_ctx, BEN, "what's my confirmation code")
    assert r.text.startswith("I have your booking C, R, T, 8, N, 2")


async def test_is_this_the_hotel(make_ctx: MakeCtx) -> None:
    r, = await _call(make_ctx, STRANGER, "hi is this the hotel")
    assert r.text == "Yes, this is Harbor View Hotel. How can I help you today?"


# --- read-backs and corrections --------------------------------------------------------------

async def test_no_make_it_another_item_replaces_the_order(make_ctx: MakeCtx,
                                                          db: Database) -> None:
    """It was added to the club sandwich."""
    _, r2, _ = await _call(make_ctx, CHLOE, "can i get a club sandwich",
                           "no make it fish and chips", "yes")
    assert r2.text.startswith("That's fish and chips to room one twelve, eighteen pounds")
    req, = await rows(db, ServiceRequest)
    assert [i["code"] for i in req.items] == ["fish_and_chips"]


async def test_no_to_an_order_then_nothing(make_ctx: MakeCtx, db: Database) -> None:
    """"No" asked "What would you like instead? What would you like?", and "nothing, thanks"
    read the old order back again."""
    _, r2, r3 = await _call(make_ctx, CHLOE, "can i get a club sandwich", "no", "nothing thanks")
    assert r2.text == "No problem. What would you like instead?"
    assert r3.text == "No problem. Is there anything else I can help you with?"
    assert await rows(db, ServiceRequest) == []


async def test_whats_the_total_at_the_read_back_says_it_again(make_ctx: MakeCtx) -> None:
    r1, r2 = await _call(make_ctx, ALICE, "i'd like a pot of tea", "what's the total")
    assert r2.text == r1.text and r2.expecting == "confirm_order"


async def test_no_make_it_four_at_a_callback_read_back(make_ctx: MakeCtx) -> None:
    """It asked for the time again."""
    _, r2 = await _call(make_ctx, STRANGER, "can someone call me back at three",
                        "no make it four")
    assert r2.text.startswith("So one of the team will call you back today at four o'clock")


async def test_now_three_people_changes_the_booking(make_ctx: MakeCtx) -> None:
    """It started a new booking."""
    r, = await _call(make_ctx, BEN, "we're now three people")
    assert r.expecting == "confirm_change" and "for three guests" in r.text


async def test_a_code_after_booking_in_the_first_request(make_ctx: MakeCtx) -> None:
    r, = await _call(make_ctx, STRANGER, "i want to cancel booking c r t eight n two")
    assert r.text.startswith("I have booking C, R, T, 8, N, 2")


async def test_the_weekend_answers_the_arrival_question(make_ctx: MakeCtx) -> None:
    _, r2 = await _call(make_ctx, STRANGER, "i'd like a twin room", "the weekend")
    assert r2.expecting == "guests"  # Friday the 4th, two nights


async def test_a_text_to_a_different_number_asks_which(make_ctx: MakeCtx) -> None:
    """"Yes, to a different number" texted the caller's line at once."""
    outbound = FakeOutbound()
    dm = DialogueManager(make_ctx(caller=STRANGER, outbound=outbound))
    await dm.greeting()
    for line in ("i'd like to book a double for friday for two nights", "two", "room only",
                 "sam jones", "yes"):
        r = await dm.handle(line)
    assert r.expecting == "offer_sms"
    r = await dm.handle("yes to a different number")
    assert r.text == "Of course. Which number should I text it to?" and not outbound.sent
    r = await dm.handle("oh seven seven oh oh nine oh oh one two three")
    assert r.expecting == "confirm_sms"
    r = await dm.handle("yes")
    assert [to for to, _ in outbound.sent] == ["+447700900123"]


async def test_how_much_before_the_read_back_says_the_stays_total(make_ctx: MakeCtx) -> None:
    """It said the nightly rates again; and "what's the total?" to the name question booked
    the room under the name "What's"."""
    r1, r2, _, r3, r4 = await _call(
        make_ctx, STRANGER, "i'd like to book a double room for friday for two nights for two "
        "people", "how much is it", "room only", "what's the total", "lisa morgan")
    assert r1.expecting == "rate_plan"
    assert r2.text == ("For two nights, that's two hundred and forty pounds room only, or "
                       "three hundred pounds with breakfast. Would you like room only, or bed "
                       "and breakfast?")
    assert r3.text == ("For two nights, that's two hundred and forty pounds in total, room "
                       "only. May I have the name for the booking?")
    assert "under the name Lisa Morgan" in r4.text, r4.text


async def test_several_rooms_are_offered_to_reservations(make_ctx: MakeCtx) -> None:
    """One room per booking: "four rooms for a wedding" was booked as one."""
    r1, r2 = await _call(make_ctx, STRANGER, "i'd like to book four rooms for a wedding",
                         "yes please")
    assert r1.text.startswith("For more than one room, our reservations team")
    assert r2.tool_calls[0].arguments["department"] == "reservations"


async def test_luggage_is_the_front_desks(make_ctx: MakeCtx) -> None:
    r, = await _call(make_ctx, CHLOE, "can i leave my bags after checkout")
    assert r.text == ("The front desk can help you with that. Would you like me to put you "
                      "through?")


async def test_friday_the_eleventh_is_one_date(make_ctx: MakeCtx) -> None:
    """"Change my booking to Friday the 11th" was read as two dates, this Friday and the 11th:
    the booking became seven nights from the 4th."""
    r, = await _call(make_ctx, BEN, "i'd like to change my booking to friday the eleventh")
    assert "arriving Friday the 11th of December for two nights" in r.text, r.text


async def test_monday_the_fourth_is_in_january(make_ctx: MakeCtx) -> None:
    """On Tuesday 1 December "Monday the 4th" was taken as Friday the 4th of December."""
    _, r = await _call(make_ctx, STRANGER, "do you have a double for monday the fourth",
                       "two nights")
    assert "arriving Monday the 4th of January 2027 for two nights" in r.text, r.text


async def test_a_date_corrected_at_the_nights_question(make_ctx: MakeCtx) -> None:
    *_, r = await _call(make_ctx, STRANGER, "i'd like to book a room", "next friday",
                        "sorry i meant saturday", "two nights", "two", "a double",
                        "room only", "mary brown")
    assert "arriving Saturday the 5th of December for two nights" in r.text, r.text


async def test_breakfast_please_chooses_the_rate(make_ctx: MakeCtx) -> None:
    """At "room only, or bed and breakfast?" it was taken as a question about breakfast: the
    breakfast fact, and the rate question again."""
    *_, r1, r2 = await _call(make_ctx, STRANGER, "i'd like to book a double for next friday",
                             "two nights", "two people", "breakfast please")
    assert r1.expecting == "rate_plan" and r2.expecting == "guest_name" and not r2.tool_calls
    *_, r = await _call(make_ctx, STRANGER, "i'd like to book a double for next friday",
                        "two nights", "two people", "the breakfast one please", "mary brown")
    assert "for two guests, bed and breakfast, at three hundred pounds" in r.text, r.text
    *_, r = await _call(make_ctx, STRANGER, "i'd like to book a double for next friday",
                        "two nights", "two people", "what time is breakfast")
    assert r.text.startswith("Breakfast is served") and r.expecting == "rate_plan"


async def test_a_detail_after_the_availability_offer_is_a_yes(make_ctx: MakeCtx) -> None:
    """"Two people" to "Would you like me to book one for you?" repeated the offer."""
    *_, r = await _call(make_ctx, STRANGER, "do you have a double for next friday",
                        "two nights", "two people")
    assert r.expecting == "rate_plan", r.text
    *_, r = await _call(make_ctx, STRANGER, "do you have a double for next friday",
                        "two nights", "two nights")  # the nights offered, said again
    assert r.expecting == "guests", r.text
    *_, r = await _call(make_ctx, STRANGER, "do you have a double for next friday",
                        "two nights", "three nights")  # another stay: checked again
    assert r.expecting == "offer_booking" and "for three nights" in r.text, r.text


async def test_the_cheapest_room(make_ctx: MakeCtx) -> None:
    """"What's the cheapest?" at the room question was a miss, and "how much are the
    rooms?" in the middle of a booking started over without its dates."""
    r, = await _call(make_ctx, STRANGER, "what's your cheapest room")
    assert r.text == ("Our least expensive rooms are the standard double and the standard "
                      "twin, at one hundred and twenty pounds a night room only. Would you "
                      "like to book a room?")
    *_, r1, r2, r3 = await _call(make_ctx, STRANGER, "i'd like to book a room for three people",
                                 "next friday", "two nights", "what's the cheapest",
                                 "how much are the rooms", "the cheapest one please")
    assert r1.text.startswith("Our least expensive room is the family room, at two hundred "
                              "and ten pounds a night room only. Which type of room")
    assert r2.text.startswith("We have a standard double at") and r2.expecting == "room_type"
    assert r3.expecting == "rate_plan" and "family room" in r3.text, r3.text
    *_, r = await _call(make_ctx, STRANGER, "i'd like to book a room for next friday",
                        "two nights", "how much is the family room")
    assert r.text == ("The family room is two hundred and ten pounds a night room only, or "
                      "two hundred and sixty pounds with breakfast. How many guests will be "
                      "staying?")


async def test_a_room_for_the_weekend(make_ctx: MakeCtx) -> None:
    r, = await _call(make_ctx, STRANGER, "do you have a sea view room for the weekend")
    assert r.text.startswith("Yes, arriving Friday the 4th of December for two nights we "
                             "have a Deluxe King"), r.text
    r, = await _call(make_ctx, STRANGER, "what are your weekend rates")
    assert "Friday" not in r.text  # "weekend" alone is not a date


async def test_adding_breakfast_to_a_booking_changes_it(make_ctx: MakeCtx,
                                                        db: Database) -> None:
    """"Could I add breakfast?" was answered with the breakfast fact ("to my booking" was
    understood)."""
    r1, r2 = await _call(make_ctx, BEN, "could i add breakfast please", "yes")
    assert r1.expecting == "confirm_change" and "bed and breakfast" in r1.text, r1.text
    assert r2.tool_calls[-1].name == "modify_reservation"
    assert r2.tool_calls[-1].arguments["rate_plan"] == "bnb"
    booking, _ = await reservation(db, "CRT8N2")
    assert booking.rate_plan == "bnb" and booking.total_pence == 30000


async def test_a_booking_moved_by_a_day_or_a_week(make_ctx: MakeCtx, db: Database) -> None:
    """"We'd like to arrive a day earlier" was a miss, and "move my booking to the following
    week" asked what to change."""
    r1, _ = await _call(make_ctx, BEN, "we'd like to arrive a day earlier", "yes")
    assert "arriving Thursday the 3rd of December for three nights" in r1.text, r1.text
    booking, _ = await reservation(db, "CRT8N2")
    assert (booking.check_in, booking.check_out) == (dt.date(2026, 12, 3), dt.date(2026, 12, 6))
    r, = await _call(make_ctx, BEN, "can i move my booking to the following week")
    assert "arriving Thursday the 10th of December for three nights" in r.text, r.text
    *_, r = await _call(make_ctx, BEN, "i'd like to change my booking", "push it back a day")
    assert "arriving Friday the 4th of December for three nights" in r.text, r.text


async def test_a_new_booking_moved_at_its_read_back(make_ctx: MakeCtx) -> None:
    *_, r = await _call(make_ctx, STRANGER, "i'd like to book a double for next friday for two "
                        "nights", "two", "room only", "amy lee", "can we arrive a day earlier")
    assert "arriving Thursday the 3rd of December for three nights" in r.text, r.text
    *_, r = await _call(make_ctx, STRANGER, "do you have a double next friday", "two nights",
                        "a day later")  # to the offer: checked again, not a yes
    assert r.expecting == "offer_booking" and "Saturday the 5th" in r.text, r.text


async def test_a_change_during_an_availability_check_is_to_the_check(make_ctx: MakeCtx) -> None:
    """It started changing the caller's own booking ("can we change that to Saturday"), or
    asked a stranger for a booking code ("actually a week later")."""
    for caller, said, day in ((STRANGER, "actually a week later", "Friday the 11th"),
                              (BEN, "can we change that to saturday", "Saturday the 5th")):
        *_, r = await _call(make_ctx, caller, "do you have any rooms next friday", said,
                            "two nights")
        assert r.expecting == "offer_booking" and f"arriving {day}" in r.text, r.text
    r, = await _call(make_ctx, BEN, "can i change my booking to saturday")
    assert r.expecting == "confirm_change"  # the caller's booking, named


async def test_more_everyday_lines(make_ctx: MakeCtx) -> None:
    r, = await _call(make_ctx, STRANGER, "hello i'd like to make a booking please")
    assert r.expecting == "check_in"  # was "Hello! How can I help you today?"
    r, = await _call(make_ctx, STRANGER, "yes hi i wanted to ask about breakfast")
    assert r.text.startswith("Breakfast is served")
    r, = await _call(make_ctx, ALICE, "what's my room number")
    assert r.text.startswith("You're in room three oh five.")
    r, = await _call(make_ctx, CHLOE, "the room is too cold")
    assert r.tool_calls[0].arguments["kind"] == "maintenance"
    r, = await _call(make_ctx, CHLOE, "it's very noisy next door")
    assert r.expecting == "offer_transfer"
    r, = await _call(make_ctx, ALICE, "can i pay by card")
    assert r.expecting == "offer_transfer"
    r, = await _call(make_ctx, CHLOE, "can i have two more pillows and some towels")
    assert sorted(r.tool_calls[0].arguments["items"]) == ["towels", "two pillows"]
    *_, r1, r2 = await _call(make_ctx, STRANGER, "i'd like to book a room for next friday for "
                             "three nights for two", "twin", "bed and breakfast", "mary brown",
                             "wait what was the price again")
    assert r2.text == r1.text


async def test_an_item_not_on_the_menu_beside_one_that_is(make_ctx: MakeCtx,
                                                          db: Database) -> None:
    """"A club sandwich and a coke" read back the sandwich alone, without a word on the coke."""
    r, = await _call(make_ctx, CHLOE, "i'd like a club sandwich and a coke")
    assert r.text.startswith("I'm sorry, coke isn't on our room-service menu. That's a club "
                             "sandwich to room one twelve"), r.text
    r, = await _call(make_ctx, STRANGER, "fish and chips and a beer please")
    assert r.text == "I'm sorry, beer isn't on our room-service menu. What's your room number?"
    r, = await _call(make_ctx, CHLOE, "a margherita pizza and some chips")
    assert r.text.startswith("That's a margherita pizza and fish and chips"), r.text
    r, = await _call(make_ctx, CHLOE, "a club sandwich and a pot of tea please")
    assert r.text.startswith("That's a club sandwich and a pot of tea"), r.text


# --- the hotel's own number ----------------------------------------------------------------

async def test_the_hotels_phone_number_is_said(make_ctx: MakeCtx) -> None:
    """"What's your phone number?" was a miss: the number was no fact the tool held."""
    for line in ("what's your phone number", "what number do i call to reach the hotel",
                 "can i have the hotel's phone number"):
        r, = await _call(make_ctx, STRANGER, line)
        assert r.text.startswith("Our phone number is oh two three, nine two hundred, oh oh oh "
                                 "oh."), (line, r.text)
        assert [(c.name, c.arguments) for c in r.tool_calls] == [("hotel_info",
                                                                  {"topic": "phone"})]


async def test_the_guests_own_number_is_not_the_hotels(make_ctx: MakeCtx) -> None:
    *_, r = await _call(make_ctx, STRANGER, "i'd like a callback", "reservations",
                        "tomorrow at ten", "my number is oh seven seven oh oh nine oh oh one "
                        "two three")
    assert "Our phone number" not in r.text
    assert "on oh seven seven hundred, nine hundred, one two three. Shall I" in r.text, r.text


# --- the caller's own booking --------------------------------------------------------------

async def test_does_my_booking_include_breakfast_answers_from_the_booking(
        make_ctx: MakeCtx) -> None:
    """It got the breakfast fact alone, whatever the booking's rate plan."""
    r, = await _call(make_ctx, BEN, "does my booking include breakfast")  # room only
    assert r.text.startswith("Your booking is room only, so breakfast isn't included. "
                             "Breakfast is served from seven"), r.text
    r, = await _call(make_ctx, ALICE, "is breakfast included in my stay")  # bed and breakfast
    assert r.text.startswith("Yes, your booking includes breakfast. Breakfast is served"), r.text
    # No booking under the caller's number, or a question not about one: the fact alone.
    for caller, line in ((STRANGER, "does my booking include breakfast"),
                         (BEN, "is breakfast included")):
        r, = await _call(make_ctx, caller, line)
        assert r.text.startswith("Breakfast is served from seven"), (line, r.text)


# --- a stay that has started (2026-12-01, seventh round) ------------------------------------

async def test_a_guest_in_house_stays_longer(make_ctx: MakeCtx, db: Database) -> None:
    """Every way of asking went to the front desk ("You're already checked in..."), or started
    a new booking ("can I stay until Saturday?" asked for an arrival date)."""
    r1, r2 = await _call(make_ctx, ALICE, "can i stay an extra night", "yes")
    assert r1.text == ("So instead of leaving Thursday the 3rd of December, you'll leave Friday "
                       "the 4th of December, four nights in all, at two hundred and ten pounds "
                       "a night as now. Shall I go ahead?")
    assert r2.outcome == "modified" and "Check-out that day is by eleven" in r2.text, r2.text
    booking, _ = await reservation(db, "MRG4X7")
    assert booking.check_out == dt.date(2026, 12, 4) and booking.status == "checked_in"
    assert booking.total_pence == 4 * 21000
    r1, r2 = await _call(make_ctx, CHLOE, "can i stay until saturday", "yes")
    assert r1.expecting == "confirm_change", r1.text
    assert r1.text.startswith("So instead of leaving tomorrow, Wednesday the 2nd of December, "
                              "you'll leave Saturday the 5th of December, four nights"), r1.text
    booking, _ = await reservation(db, "DVS5K3")
    assert booking.check_out == dt.date(2026, 12, 5) and booking.total_pence == 4 * 12000
    r, = await _call(make_ctx, ALICE, "can you add breakfast for tomorrow")  # no departure
    assert r.text.startswith("You're already checked in, so the front desk"), r.text
    for line in ("we'd like to leave a day later", "can we stay a day longer",
                 "i'd like to extend my stay by one night"):
        r, = await _call(make_ctx, ALICE, line)
        assert "you'll leave Saturday the 5th of December, five nights" in r.text, (line, r.text)
    r, = await _call(make_ctx, STRANGER, "can i stay until saturday")  # no stay to extend
    assert r.expecting == "check_in"
    r1, r2 = await _call(make_ctx, CHLOE, "can i extend my stay", "until sunday")
    assert r1.text == ("You're booked to leave Saturday the 5th of December. Until when would "
                       "you like to stay?")  # not her whole booking read out (as above)
    assert "you'll leave Sunday the 6th of December, five nights" in r2.text, r2.text


async def test_a_guest_in_house_leaves_sooner(make_ctx: MakeCtx, db: Database) -> None:
    """"I need to check out a day early" was a miss; leaving today is the front desk's."""
    r1, r2 = await _call(make_ctx, ALICE, "i need to check out a day early", "yes")
    assert r1.text.startswith("So instead of leaving Thursday the 3rd of December, you'll leave "
                              "tomorrow, Wednesday the 2nd of December, two nights in all. "
                              "Shall"), r1.text
    assert r2.outcome == "modified"
    booking, _ = await reservation(db, "MRG4X7")
    assert booking.check_out == dt.date(2026, 12, 2) and booking.total_pence == 2 * 21000
    r1, r2 = await _call(make_ctx, ALICE, "i need to leave today", "yes")
    assert r1.text == ("If you're leaving today, the front desk will check you out. Would you "
                       "like me to put you through?")
    assert r2.outcome == "transferred"
    assert r2.tool_calls[0].arguments["department"] == "front desk"


async def test_a_guest_in_house_whose_room_is_taken_is_offered_the_front_desk(
        make_ctx: MakeCtx, db: Database) -> None:
    """The tool refuses when their own room is booked for a night asked for; the front desk
    can move them (an offer, not "is there anything else?" after the tool's question)."""
    for _ in range(5):  # Deluxe Kings 301-305 for the night of the 3rd: 305 is Alice's
        *_, r = await _call(make_ctx, STRANGER, "i'd like to book a king for thursday",
                            "one night", "one", "room only", "kim lane", "yes")
        assert r.outcome == "booked", r.text
    _, r2, r3 = await _call(make_ctx, ALICE, "can i stay an extra night", "yes", "yes")
    assert r2.text == ("I'm sorry, room three oh five is booked for those nights, and the front "
                       "desk can see about moving you to another Deluxe King. Shall I put you "
                       "through to the front desk?")
    assert r3.outcome == "transferred"
    assert r3.tool_calls[0].arguments["department"] == "front desk"
    booking, _ = await reservation(db, "MRG4X7")
    assert booking.check_out == dt.date(2026, 12, 3)


async def test_a_change_asked_before_the_booking_is_found_is_kept(make_ctx: MakeCtx) -> None:
    """A caller whose number finds no booking gives the code next; what they asked to change
    was dropped ("What would you like to change?")."""
    for line, said in (("can i move my booking a day later", "arriving Saturday the 5th of "
                        "December for two nights"),
                       ("can i change my booking to three nights", "arriving Friday the 4th of "
                        "December for three nights")):
        _, r = await _call(make_ctx, STRANGER, line, "c r t eight n two")
        assert r.expecting == "confirm_change" and said in r.text, (line, r.text)


async def test_a_guest_added_to_a_booking(make_ctx: MakeCtx, db: Database) -> None:
    """"Can I add another person to my booking?" found it and asked what to change; "my wife
    will be coming too" was a miss; "can my friend join me in the room tonight?" from a guest
    in house started a new booking. And a change to more guests than the room sleeps was
    refused with "What would you like to change?", the tool's rooms that fit unsaid and the
    guests dropped."""
    r, = await _call(make_ctx, BEN, "can i add another person to my booking")
    assert r.expecting == "confirm_change" and "for three guests" in r.text, r.text
    r1, r2, r3, r4 = await _call(make_ctx, BEN, "my wife will be coming too", "yes",
                                 "family room", "yes")
    assert "standard double for three guests" in r1.text, r1.text
    assert r2.text == ("The Standard Double sleeps up to two. Would you like a Family Room or "
                       "Harbor Suite instead?") and r2.expecting == "changes"
    assert "to a family room for three guests" in r3.text, r3.text
    assert r4.outcome == "modified", r4.text
    booking, _ = await reservation(db, "CRT8N2")
    assert booking.guests == 3
    r1, r2 = await _call(make_ctx, CHLOE, "can my friend join me in the room tonight", "yes")
    assert r1.expecting == "offer_transfer" and "front desk" in r1.text, r1.text
    assert r2.outcome == "transferred"


# --- bookings, callbacks and texts in other words (seventh round) ---------------------------

async def test_a_guest_who_cannot_come_is_offered_the_cancellation(make_ctx: MakeCtx,
                                                                   db: Database) -> None:
    """"I won't be able to make it on Friday" was read as a change ("Your booking is
    already ..."), "we can't come anymore" a miss."""
    for line in ("i won't be able to make it on friday", "we can't come anymore",
                 "we won't be coming"):
        r, = await _call(make_ctx, BEN, line)
        assert r.expecting == "confirm_cancel" and r.text.endswith("Shall I cancel it?"), line
    _, r = await _call(make_ctx, BEN, "we can't make it after all", "yes")
    assert r.outcome == "cancelled"
    booking, _ = await reservation(db, "CRT8N2")
    assert booking.status == "cancelled"
    for line in ("the tv won't come on", "we can't come until nine"):  # no cancellation
        r, = await _call(make_ctx, ALICE, line)
        assert r.expecting != "confirm_cancel", (line, r.text)


async def test_will_i_be_charged_is_the_policy_not_a_cancellation(make_ctx: MakeCtx) -> None:
    r, = await _call(make_ctx, BEN, "if i cancel now will i be charged")  # was "Shall I cancel?"
    assert r.text.startswith("You can cancel free of charge until twenty-four hours"), r.text


async def test_who_calls_back_said_at_the_read_back_is_not_a_transfer(
        make_ctx: MakeCtx) -> None:
    """"Reservations" to the callback's read-back put the caller through to reservations."""
    _, r2, r3 = await _call(make_ctx, STRANGER, "can someone call me back tomorrow morning",
                            "reservations", "yes")
    assert r2.text.startswith("So reservations will call you back tomorrow"), r2.text
    assert r3.tool_calls[0].name == "schedule_callback"
    assert r3.tool_calls[0].arguments["department"] == "reservations"


async def test_a_text_asked_for_again_is_sent_again(make_ctx: MakeCtx) -> None:
    for line in ("can you resend my confirmation", "i didn't get the text"):  # were misses
        r, = await _call(make_ctx, BEN, line)
        assert [c.name for c in r.tool_calls][-1] == "send_sms_confirmation", (line, r.text)


async def test_an_email_asked_for_is_offered_as_a_text(make_ctx: MakeCtx) -> None:
    """"Can I get an email confirmation?" was a miss; "what's your email address?" was given
    the hotel's street address."""
    for line in ("can i get an email confirmation", "could you email me the booking details"):
        r1, r2 = await _call(make_ctx, BEN, line, "yes")
        assert r1.text == ("I can't send emails, I'm afraid, but I can text you the "
                           "confirmation. Would you like that?"), (line, r1.text)
        assert r2.tool_calls[-1].name == "send_sms_confirmation", r2.text
    for line in ("what's your email address", "what is the hotel's email"):
        r, = await _call(make_ctx, STRANGER, line)
        assert r.text.startswith("I'm afraid I don't have that information"), (line, r.text)


async def test_when_a_guest_can_get_into_their_room_is_the_check_in_time(
        make_ctx: MakeCtx) -> None:
    """"What time can we arrive on Friday?" started a booking; "is my room ready?" a miss."""
    for line in ("what time can we arrive on friday", "is my room ready"):
        r, = await _call(make_ctx, BEN, line)
        assert r.text.startswith("Check-in is from three o'clock"), (line, r.text)


# --- two requests in one sentence (2026-12-02) -----------------------------------------------

async def test_a_fact_asked_beside_another_request_is_answered_too(make_ctx: MakeCtx,
                                                                   db: Database) -> None:
    """"Can I get some towels and what time is breakfast?" answered breakfast and dropped the
    towels; "what time is check-in and is there parking?" answered check-in only."""
    r, = await _call(make_ctx, ALICE, "can i get some towels and what time is breakfast")
    assert [c.name for c in r.tool_calls] == ["request_housekeeping", "hotel_info"], r.text
    assert r.text.startswith("I've asked housekeeping to come to room three oh five for towels. "
                             "Someone will be with you shortly. Breakfast is served from seven")
    assert r.text.endswith("Is there anything else I can help you with?")
    assert r.text.count("anything else") == 1 and r.outcome == "housekeeping_requested"
    r, = await _call(make_ctx, BEN, "what time is check in and is there parking")
    assert r.text.startswith("Check-in is from three o'clock in the afternoon. We have twenty "
                             "parking spaces"), r.text
    assert len(await rows(db, ServiceRequest)) == 1


async def test_a_fact_asked_beside_an_answer_keeps_the_answer(make_ctx: MakeCtx) -> None:
    """"Two, and do you have parking?" to the guests question answered parking and asked for
    the guests again; "two nights and is breakfast included?" took the nights and dropped the
    question; "yes, and what time is check-in?" at the read-back booked and dropped it."""
    *_, r = await _call(make_ctx, STRANGER, "i'd like to book a double for friday", "two nights",
                        "two and do you have parking")
    assert r.text.startswith("The standard double is one hundred and twenty pounds a night room "
                             "only"), r.text
    assert "We have twenty parking spaces" in r.text and r.expecting == "rate_plan"
    *_, r = await _call(make_ctx, STRANGER, "i'd like to book a double for friday",
                        "two nights and is breakfast included")
    assert r.text.startswith("Breakfast is served") and r.expecting == "guests", r.text
    *_, r1, r2 = await _call(make_ctx, STRANGER, "i'd like to book a double for friday",
                             "two nights", "two", "room only", "sam hughes",
                             "yes and what time is check in", "no thanks")
    assert r1.outcome == "booked" and r1.expecting == "offer_sms", r1.text
    assert "Check-in is from three o'clock in the afternoon. Would you like me to text" in r1.text
    assert r2.expecting == "anything_else"


async def test_two_questions_about_one_fact_get_one_answer(make_ctx: MakeCtx) -> None:
    """Split at "and", each half answered the same fact: "is there a pool and what time does
    it open?" said the pool's hours twice. And "... can my wife come too" beside a new booking
    is no change to one (it looked for the caller's booking)."""
    for line in ("is there a pool and what time does it open",
                 "do you allow dogs and is there an extra charge",
                 "can i check out late and what time is check out"):
        r, = await _call(make_ctx, STRANGER, line)
        assert len(r.tool_calls) == 1, (line, r.text)
    r, = await _call(make_ctx, STRANGER, "i'd like to book a room for friday and can my wife "
                     "come too")
    assert r.expecting == "nights" and not r.tool_calls, r.text
    # A greeting before the question is no request: split, the question went unanswered.
    r, = await _call(make_ctx, STRANGER, "hello and what time is breakfast")
    assert r.text.startswith("Breakfast is served"), r.text


# --- a guest in house (2026-12-02) -----------------------------------------------------------

async def test_a_guest_in_house_who_wants_another_room_is_offered_the_front_desk(
        make_ctx: MakeCtx) -> None:
    """"The room is too noisy, can I change rooms?" read the booking out and asked what to
    change; "can I move to a different room?" was a miss."""
    for line in ("the room is too noisy can i change rooms", "can i move to a different room"):
        r1, r2 = await _call(make_ctx, ALICE, line, "yes")
        assert r1.text == ("You're already checked in, so the front desk will need to move "
                           "you. Would you like me to put you through?"), (line, r1.text)
        assert r2.outcome == "transferred"
    r, = await _call(make_ctx, BEN, "can i change rooms")  # a stay to come: the booking
    assert r.expecting == "changes", r.text


async def test_everyday_requests_of_a_guest_in_house(make_ctx: MakeCtx, db: Database) -> None:
    """Misses, or the wrong department: ice; the tray taken away (read as a room-service order
    of "someone to take away the room service tray"); a smell; check-out extended (read as a
    longer stay: "Until when would you like to stay?")."""
    r, = await _call(make_ctx, ALICE, "can i get some ice")
    assert r.text.startswith("I've asked housekeeping to come to room three oh five for ice.")
    r, = await _call(make_ctx, ALICE, "can you send someone to take away the room service tray")
    assert r.text.startswith("I've asked housekeeping to come to room three oh five for tray "
                             "collection."), r.text
    r, = await _call(make_ctx, ALICE, "there's a strange smell in my room")
    assert r.text.startswith("I've asked maintenance to come to room three oh five"), r.text
    assert [q.kind for q in await rows(db, ServiceRequest)] == ["housekeeping", "housekeeping",
                                                                "maintenance"]
    r, = await _call(make_ctx, ALICE, "can i extend my check out to one pm")
    assert r.text.startswith("Check-out is by eleven o'clock in the morning. The front desk can "
                             "tell you whether that's possible."), r.text


async def test_a_group_booking_is_reservations_and_a_message_for_a_guest_the_front_desk(
        make_ctx: MakeCtx) -> None:
    """"Is there anyone I can talk to about a group booking?" went to the front desk (larger
    bookings are reservations'), and "can I leave a message for a guest?" started a booking."""
    r, = await _call(make_ctx, STRANGER, "is there anyone i can talk to about a group booking")
    assert r.tool_calls[0].arguments["department"] == "reservations", r.text
    *_, r = await _call(make_ctx, STRANGER, "can someone call me back about a wedding booking",
                        "tomorrow at ten", "yes")
    assert r.tool_calls[0].arguments["department"] == "reservations", r.text
    r1, r2 = await _call(make_ctx, STRANGER, "can i leave a message for a guest", "yes")
    assert r1.expecting == "offer_transfer", r1.text
    assert r2.tool_calls[0].arguments["department"] == "front desk"


async def test_which_rate_is_cheaper(make_ctx: MakeCtx) -> None:
    """"Which one is cheaper?" to the rate question was a miss; "the cheapest one" chooses
    room only, as "breakfast please" chooses bed and breakfast."""
    lines = ("i'd like to book a double for friday", "two nights", "two")
    *_, r = await _call(make_ctx, STRANGER, *lines, "which one is cheaper")
    assert r.text == ("Room only is the cheaper, at one hundred and twenty pounds a night; "
                      "breakfast adds thirty pounds a night. Would you like room only, or bed "
                      "and breakfast?"), r.text
    *_, r1, r2 = await _call(make_ctx, STRANGER, *lines, "the cheapest one", "sam hughes")
    assert r1.expecting == "guest_name", r1.text
    assert "room only" in r2.text and r2.expecting == "confirm_booking", r2.text


async def test_a_night_taken_off_is_a_change_not_a_cancellation(make_ctx: MakeCtx,
                                                                db: Database) -> None:
    """"I'd like to cancel one night of my booking" offered to cancel the whole booking (a yes
    would have); "can I shorten my stay by a night?" started a new booking; "is my booking
    refundable?" read the booking out; "when do I need to cancel by to avoid a charge?" was a
    miss."""
    r1, r2 = await _call(make_ctx, BEN, "i'd like to cancel one night of my booking", "yes")
    assert r1.expecting == "confirm_change" and "for one night" in r1.text, r1.text
    assert r2.outcome == "modified"
    booking, _ = await reservation(db, "CRT8N2")
    assert (booking.check_in, booking.check_out) == (dt.date(2026, 12, 4), dt.date(2026, 12, 5))
    assert booking.status == "confirmed"
    r, = await _call(make_ctx, BEN, "can i shorten my stay by a night")
    assert r.expecting == "confirm_change", r.text
    # "The first night": the arrival moves ("the first" is not the 1st of the month), which
    # for a guest in house is the front desk's (it read back a stay a night longer).
    r, = await _call(make_ctx, BEN, "can we cancel the first night")
    assert "arriving Saturday the 5th of December for one night" in r.text, r.text
    r, = await _call(make_ctx, CHLOE, "can we cancel the first night")
    assert r.expecting == "offer_transfer" and "front desk" in r.text, r.text
    for line in ("is my booking refundable", "when do i need to cancel by to avoid a charge"):
        r, = await _call(make_ctx, BEN, line)
        assert r.text.startswith("You can cancel free of charge until"), (line, r.text)


# --- how an order is made (2026-12-02) -----------------------------------------------------

async def test_how_a_dish_is_made_reaches_the_kitchen(make_ctx: MakeCtx, db: Database) -> None:
    """"A pizza with no cheese" was answered "I'm sorry, no cheese isn't on our room-service
    menu"; "a club sandwich but no mayo" and "I'm allergic to nuts" were dropped unsaid, so the
    kitchen never heard them."""
    r1, r2 = await _call(make_ctx, ALICE, "i'd like to order a pizza with no cheese", "yes")
    assert r1.text == ("That's a margherita pizza to room three oh five, fifteen pounds in "
                       "total, charged to the room. I'll tell the kitchen: no cheese. Shall I "
                       "place the order?"), r1.text
    assert r2.outcome == "room_service_ordered"
    *_, r = await _call(make_ctx, ALICE, "a caesar salad please i'm allergic to nuts",
                        "actually make that two", "yes")
    assert r.outcome == "room_service_ordered"
    assert [q.notes for q in await rows(db, ServiceRequest)] == ["no cheese", "allergic to nuts"]


async def test_a_question_about_what_is_in_a_dish_is_room_services(make_ctx: MakeCtx,
                                                                   db: Database) -> None:
    """"Is the fish gluten free?" read back an order of fish and chips; "what vegetarian
    options do you have?" was a miss."""
    for line in ("is the fish gluten free", "what vegetarian options do you have",
                 "does the club sandwich have nuts in it"):
        r1, r2 = await _call(make_ctx, ALICE, line, "yes")
        assert r1.text.endswith("room service can tell you. Would you like me to put you "
                                "through?"), (line, r1.text)
        assert r2.tool_calls[0].arguments["department"] == "room service"
    assert await rows(db, ServiceRequest) == []


async def test_an_allergy_said_before_the_order_is_kept(make_ctx: MakeCtx, db: Database) -> None:
    """"I'm allergic to peanuts" on its own was a miss (the recognizer's templates have it)."""
    r1, r2, r3 = await _call(make_ctx, ALICE, "i'm allergic to peanuts", "a caesar salad", "yes")
    assert r1.text.startswith("I'll tell the kitchen: allergic to peanuts. From room service"), \
        r1.text
    assert "I'll tell the kitchen: allergic to peanuts." in r2.text, r2.text
    assert r3.outcome == "room_service_ordered"
    req, = await rows(db, ServiceRequest)
    assert req.notes == "allergic to peanuts"


async def test_an_allergy_does_not_hide_an_item_not_on_the_menu(make_ctx: MakeCtx) -> None:
    """With a note in the order, "and a coke" was dropped unsaid."""
    r, = await _call(make_ctx, ALICE, "i'm allergic to nuts a club sandwich and a coke")
    assert r.text.startswith("I'm sorry, coke isn't on our room-service menu. That's a club "
                             "sandwich"), r.text
    assert "I'll tell the kitchen: allergic to nuts." in r.text
