"""The DialogueManager's API: greeting, replies and their tool calls, repeat, interruptions,
silence and low-confidence input."""

from __future__ import annotations

from server.dialogue import DialogueManager
from tests.server.conftest import MakeCtx
from tests.server.dialogue_fixtures import ALICE, BEN, STRANGER, FakeOutbound


async def test_greets_unknown_caller_with_the_standard_greeting(make_ctx: MakeCtx) -> None:
    dm = DialogueManager(make_ctx(caller=STRANGER))
    reply = await dm.greeting()
    assert reply.text == "Thank you for calling Harbor View Hotel, how can I help you?"
    assert [c.name for c in reply.tool_calls] == ["get_caller_history"]
    assert not reply.end_call and reply.outcome is None


async def test_greets_known_callers_by_name(make_ctx: MakeCtx) -> None:
    for caller, first in ((ALICE, "Alice"), (BEN, "Ben")):
        reply = await DialogueManager(make_ctx(caller=caller)).greeting()
        assert reply.text.startswith(f"Good morning {first},"), reply.text


async def test_no_caller_id_skips_history(make_ctx: MakeCtx) -> None:
    reply = await DialogueManager(make_ctx()).greeting()
    assert reply.tool_calls == () and "how can I help" in reply.text


async def test_reply_carries_tool_calls_and_expecting(make_ctx: MakeCtx) -> None:
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    r = await dm.handle("i'd like to book a deluxe king for next friday for two nights")
    assert r.intent == "book" and r.expecting == "guests" and r.tool_calls == ()
    r = await dm.handle("nine people")
    [call] = r.tool_calls
    assert call.name == "check_availability" and not call.ok
    assert call.error_code == "too_many_guests"
    assert call.arguments == {"check_in": "2026-12-04", "nights": 2, "guests": 9,
                              "room_type": "deluxe king"}
    assert "more than one room" in r.text and r.expecting == "multi_room"
    r = await dm.handle("sorry i meant three people")
    assert "Family Room" in r.text and r.expecting == "pick_room"
    r = await dm.handle("yes")
    assert r.expecting == "room_type" and "a family room or the Harbor Suite" in r.text


async def test_repeat_returns_the_last_reply(make_ctx: MakeCtx) -> None:
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    first = await dm.handle("how much is parking")
    for phrase in ("repeat that", "say that again", "sorry what was that", "pardon"):
        again = await dm.handle(phrase)
        assert again.text == first.text and again.tool_calls == ()


async def test_empty_and_low_confidence_input_is_reasked(make_ctx: MakeCtx) -> None:
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    r = await dm.handle("")
    assert r.text == "Sorry, could you say that again?" and r.tool_calls == ()
    r = await dm.handle("i'd like to book a room", confidence=0.1)
    assert r.expecting == "offer_transfer"  # second miss in a row: the front desk is offered
    r = await dm.handle("no")
    assert "How else can I help" in r.text
    r = await dm.handle("i'd like to book a room")
    assert r.expecting == "check_in"


async def test_interrupted_before_the_question_checks_once(make_ctx: MakeCtx) -> None:
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    for turn in ("book a twin for tomorrow for one night for one person", "room only"):
        await dm.handle(turn)
    confirm = await dm.handle("my name is lily moore")
    assert confirm.expecting == "confirm_booking"
    dm.on_interrupted(confirm.text[:30])
    r = await dm.handle("yes")
    assert r.text.startswith("Just to check: shall I book it?") and r.tool_calls == ()
    r = await dm.handle("yes")
    assert [c.name for c in r.tool_calls] == ["make_reservation"] and r.outcome == "booked"


async def test_interrupted_during_the_question_commits(make_ctx: MakeCtx) -> None:
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    await dm.handle("book a twin for tomorrow for one night for one person")
    await dm.handle("room only")
    confirm = await dm.handle("my name is lily moore")
    dm.on_interrupted(confirm.text[:-5])
    r = await dm.handle("yes")
    assert r.outcome == "booked"


async def test_silence_checks_in_then_ends(make_ctx: MakeCtx) -> None:
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    assert await dm.on_silence(2.0) is None  # a pause, not a silence
    r = await dm.on_silence(10.0)
    assert r is not None and r.text == "Are you still there?" and not r.end_call
    await dm.handle("yes sorry i'm here")  # speaking resets the silence count
    r = await dm.on_silence(10.0)
    assert r is not None and r.text == "Are you still there?"
    r = await dm.on_silence(10.0)
    assert r is not None and r.end_call and r.outcome == "abandoned"
    assert await dm.on_silence(10.0) is None  # the call is over


async def test_goodbye_ends_with_the_calls_outcome(make_ctx: MakeCtx) -> None:
    dm = DialogueManager(make_ctx(caller=ALICE))
    await dm.greeting()
    r = await dm.handle("what time is check out")
    assert r.outcome == "info_given" and r.expecting == "anything_else"
    r = await dm.handle("no that's all thanks")
    assert r.end_call and r.outcome == "info_given"
    assert [c.name for c in r.tool_calls] == ["end_call"]


async def test_question_during_confirmation_keeps_the_booking(make_ctx: MakeCtx) -> None:
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    for turn in ("book a twin for tomorrow for one night for one person", "room only"):
        await dm.handle(turn)
    await dm.handle("this is lily moore")
    r = await dm.handle("what time is check in")
    assert "three o'clock" in r.text and r.text.endswith("Shall I book it?")
    assert r.expecting == "confirm_booking"
    r = await dm.handle("yes")
    assert r.outcome == "booked" and "Lily" in r.text


async def test_no_and_two_weekdays_at_the_read_back_moves_the_date(make_ctx: MakeCtx) -> None:
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    for turn in ("we need a double room for one night on friday", "just me", "room only"):
        await dm.handle(turn)
    r = await dm.handle("peter king")
    assert "Friday" in r.text and r.expecting == "confirm_booking"
    r = await dm.handle("no friday saturday")
    assert "Saturday the 5th" in r.text and r.expecting == "confirm_booking"


async def test_goodbye_reports_the_most_consequential_outcome(make_ctx: MakeCtx) -> None:
    dm = DialogueManager(make_ctx(caller=ALICE))
    await dm.greeting()
    r = await dm.handle("could i have some extra pillows")
    assert r.outcome == "housekeeping_requested"
    r = await dm.handle("what time is breakfast")
    assert r.outcome == "info_given"
    r = await dm.handle("no thanks bye")
    assert r.end_call and r.outcome == "housekeeping_requested"


async def test_choose_picks_the_hypothesis_that_answers_the_question(make_ctx: MakeCtx) -> None:
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    # Nothing asked yet: the recognizer's best hypothesis stands.
    assert dm.choose(["do you have any rooms", "i'd like to book a room"]) == (
        "do you have any rooms")
    r = await dm.handle("i'd like to book a standard double for next friday for two nights")
    assert r.expecting == "guests"
    assert dm.choose(["i'm people", "nine people"]) == "nine people"
    assert dm.choose(["i'm people", "when people"]) == "i'm people"  # none fits: the best
    await dm.handle("two people")
    r = await dm.handle("room only")
    assert r.expecting == "guest_name"
    # A booking needs a full name: "tom please" is passed over for "tom green".
    assert dm.choose(["tom please", "tom green"]) == "tom green"
    r = await dm.handle("tom green")
    assert r.expecting == "confirm_booking"
    assert dm.choose(["the ahead", "yes go ahead"]) == "yes go ahead"
    # A request that answers any question is not passed over for a yes (a phone-line run
    # took "great that again" for "say that again").
    assert dm.choose(["say that again", "great that again"]) == "say that again"


async def test_expected_answer_is_believed_at_lower_confidence(make_ctx: MakeCtx) -> None:
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    await dm.handle("i'd like to book a standard double for next friday for two nights")
    r = await dm.handle("two people", confidence=0.3)  # answers "how many guests?"
    assert r.expecting == "rate_plan"
    r = await dm.handle("what time is breakfast", confidence=0.3)  # does not answer it
    assert r.text == "Sorry, could you say that again?" and r.expecting == "rate_plan"
    r = await dm.handle("room only", confidence=0.1)  # a booking detail: read back before commit
    assert r.expecting == "guest_name"
    r = await dm.handle("jane porter", confidence=0.1)  # the name is read back too
    assert r.expecting == "confirm_booking" and "under the name Jane Porter." in r.text


async def test_an_answer_not_read_back_needs_the_confidence_floor(make_ctx: MakeCtx) -> None:
    """A housekeeping request is made as soon as its room number is heard, with no read-back
    first: a room number heard under the floor is asked again."""
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    r = await dm.handle("could i have some extra towels please")
    assert r.expecting == "room_number"
    r = await dm.handle("room two oh four", confidence=0.1)
    assert r.text == "Sorry, could you say that again?" and r.expecting == "room_number"
    r = await dm.handle("sorry", confidence=0.1)  # a second miss in a row
    assert r.expecting == "offer_transfer"


async def test_a_callback_is_read_back_before_it_is_arranged(make_ctx: MakeCtx) -> None:
    """Its time and number are said back first (a time heard under the floor is believed for
    that reason); "no, at four" puts the right time in and reads it back again."""
    ctx = make_ctx(caller=STRANGER)
    dm = DialogueManager(ctx)
    await dm.greeting()
    r = await dm.handle("could someone call me back please")
    assert r.expecting == "when"
    r = await dm.handle("at three o'clock", confidence=0.1)
    assert r.expecting == "confirm_callback" and not r.tool_calls
    assert r.text == ("So one of the team will call you back today at three o'clock in the "
                      "afternoon on oh seven seven hundred, nine hundred, five five five. "
                      "Shall I arrange that?")
    r = await dm.handle("no at four")
    assert r.expecting == "confirm_callback" and not r.tool_calls
    assert "today at four o'clock in the afternoon" in r.text
    r = await dm.handle("yes please call me back then")  # a callback request, and a yes
    assert r.outcome == "callback_scheduled"
    assert [c.name for c in r.tool_calls] == ["schedule_callback"]
    assert r.tool_calls[0].arguments["when"].endswith("T16:00")


async def test_a_callback_number_can_be_changed_at_the_read_back(make_ctx: MakeCtx) -> None:
    """The caller's own line is read back, so a guest who wants their mobile can say so; a plain
    "no" asks for the time again and arranges nothing."""
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    r = await dm.handle("can reservations call me back tomorrow at ten")
    assert r.expecting == "confirm_callback"
    assert r.text.startswith("So reservations will call you back tomorrow at ten")
    r = await dm.handle("no")
    assert r.expecting == "when" and r.text.startswith("No problem.") and not r.tool_calls
    r = await dm.handle("tomorrow at eleven")
    assert r.expecting == "confirm_callback"
    r = await dm.handle("no it's oh seven seven oh oh nine oh oh one two three")
    assert r.expecting == "confirm_callback"
    assert r.text.endswith("on oh seven seven hundred, nine hundred, one two three. "
                           "Shall I arrange that?")
    r = await dm.handle("that's right")
    assert r.outcome == "callback_scheduled"
    assert r.tool_calls[0].arguments["phone"] == "07700900123"


async def test_a_phone_number_the_guest_gave_is_read_back_with_the_booking(
        make_ctx: MakeCtx) -> None:
    """The confirmation is texted to it, so a misheard number must be caught before booking;
    a "no" with the right number puts it in and reads the booking back again."""
    dm = DialogueManager(make_ctx(caller=None))
    await dm.greeting()
    await dm.handle("i'd like to book a standard double for next friday for two nights")
    await dm.handle("two people")
    await dm.handle("room only")
    r = await dm.handle("jane porter")
    assert r.expecting == "phone"
    r = await dm.handle("oh seven seven oh oh nine oh oh five oh five")
    assert r.expecting == "confirm_booking"
    assert r.text.endswith("under the name Jane Porter, phone number oh seven seven hundred, "
                           "nine hundred, five oh five. Shall I book it?")
    r = await dm.handle("no it's oh seven seven oh oh nine oh oh five five five")
    assert r.expecting == "confirm_booking" and "nine hundred, five five five." in r.text


async def test_answers_says_when_a_partial_turn_is_whole(make_ctx: MakeCtx) -> None:
    """Semantic endpointing: an answer to the question, or one whole question about a hotel
    fact, is whole at a 200 ms pause, another request at 400 ms; a bare "no" (a correction
    follows) and noise never are."""
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    assert dm.answers("what time is breakfast", 200)  # one whole question about a fact
    assert not dm.answers("i'd like to book a room", 200)  # a request may go on
    assert dm.answers("i'd like to book a room", 400)
    assert not dm.answers("what time", 200)  # no topic yet
    assert dm.answers("can i speak to housekeeping", 200)
    assert not dm.answers("", 400) and not dm.answers("um", 400)
    r = await dm.handle("i'd like to book a family room for two nights")
    assert r.expecting == "check_in"
    assert dm.answers("next friday", 200)
    assert not dm.answers("two people", 200)  # not what was asked: waits like a request
    assert dm.answers("two people", 400)
    for said in ("next friday", "two people", "room only", "tom green"):
        r = await dm.handle(said)
    assert r.expecting == "confirm_booking", r.expecting
    assert dm.answers("yes please", 200)
    assert not dm.answers("no", 200) and not dm.answers("no", 400)


async def test_request_with_unheard_content_words_is_reasked(make_ctx: MakeCtx) -> None:
    """Nonsense comes out of the recognizer as hotel words; with nothing asked, a request
    whose content words were heard with low confidence is not believed (captured decodes of
    'purple monkey dishwasher')."""
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    dm.heard([("could", 0.29), ("i", 0.01), ("add", 0.09), ("a", 0.16), ("fish", 0.86),
              ("and", 0.79), ("chips", 0.09)])
    r = await dm.handle("could i add a fish and chips", confidence=0.33)
    assert r.text == "Sorry, could you say that again?" and r.tool_calls == ()
    # Function words heard poorly, content words well: a request ("for a" 0.04 / 0.16).
    dm.heard([("is", 0.45), ("there", 0.34), ("availability", 1.0), ("next", 0.66),
              ("friday", 1.0), ("for", 0.08), ("a", 0.2), ("week", 0.99)])
    r = await dm.handle("is there availability next friday for a week", confidence=0.59)
    assert r.intent == "availability"
    # Content words a little unsure but the whole utterance heard (8 kHz phone audio).
    dm3 = DialogueManager(make_ctx(caller=STRANGER))
    await dm3.greeting()
    dm3.heard([("call", 0.3), ("me", 0.9), ("back", 0.3), ("in", 0.9), ("five", 0.3),
               ("minutes", 0.3), ("please", 0.9)])
    r = await dm3.handle("call me back in five minutes please", confidence=0.56)
    assert r.intent == "callback"
    # Words of another hypothesis (n-best choice) do not describe the text handled.
    dm2 = DialogueManager(make_ctx(caller=STRANGER))
    await dm2.greeting()
    dm2.heard([("double", 0.01), ("monday", 0.4), ("the", 0.7), ("shower", 0.2)])
    r = await dm2.handle("i'd like to book a room", confidence=0.9)
    assert r.expecting == "check_in"
    # An answer to a question is not held to the request bar.
    dm2.heard([("next", 0.1), ("friday", 0.1)])
    r = await dm2.handle("next friday", confidence=0.3)
    assert r.expecting == "nights"


async def test_a_phone_number_a_digit_short_is_asked_again(make_ctx: MakeCtx) -> None:
    """'nine oh oh five' heard as 'nine oh five' (a repeated 'oh' dropped) must not be stored
    and texted as the guest's number."""
    dm = DialogueManager(make_ctx())  # no caller id: the booking asks for a number
    await dm.greeting()
    for line in ("i'd like to book a king for tomorrow", "one night", "one person",
                 "room only", "my name is david wilson"):
        r = await dm.handle(line)
    assert r.expecting == "phone", r.text
    # The short number still ends the turn at the answer pause (the recognizer's final pass
    # may find the lost digit), but it is not taken as the number.
    assert dm.answers("oh seven seven oh oh nine oh five five five", 200)
    assert not dm.answers("oh seven seven oh oh nine", 200)
    r = await dm.handle("oh seven seven oh oh nine oh five five five")  # ten digits
    assert r.text == "Sorry, I think I missed a digit of that number. Could you say it again?"
    assert r.expecting == "phone" and r.tool_calls == ()
    r = await dm.handle("oh seven seven oh oh nine oh oh five five five")
    assert r.expecting == "confirm_booking", r.text
    r = await dm.handle("yes")
    booked = [c for c in r.tool_calls if c.name == "make_reservation"]
    assert booked and booked[0].ok, r.tool_calls
    assert booked[0].arguments["phone"] == "07700900555"


async def test_a_correction_to_an_availability_answer_checks_again(make_ctx: MakeCtx) -> None:
    """"this saturday" heard as "this sunday" over a phone line: the answer reads the date
    back, and "no, saturday" checks that date instead of declining the offer to book."""
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    await dm.handle("do you have any rooms this sunday")
    r = await dm.handle("just one night")
    assert "Sunday the 6th" in r.text and r.expecting == "offer_booking"
    r = await dm.handle("no saturday")
    [call] = r.tool_calls
    assert call.name == "check_availability" and call.arguments["check_in"] == "2026-12-05"
    assert "Saturday the 5th" in r.text and r.expecting == "offer_booking"
    r = await dm.handle("no two nights")
    [call] = r.tool_calls
    assert call.arguments["check_in"] == "2026-12-05" and call.arguments["nights"] == 2
    r = await dm.handle("yes please")
    assert r.expecting == "guests"


async def test_a_plain_no_to_the_offer_to_book_declines_it(make_ctx: MakeCtx) -> None:
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    await dm.handle("is there availability next friday for a week")
    r = await dm.handle("no thanks")
    assert r.tool_calls == () and r.expecting == "anything_else"


async def test_a_number_to_text_is_read_back_before_the_text_is_sent(
        make_ctx: MakeCtx) -> None:
    """The text carries the booking: a number the guest said is read back first, and "no, it's
    ..." replaces it. The booking's own number is texted without asking."""
    outbound = FakeOutbound()
    dm = DialogueManager(make_ctx(caller=BEN, outbound=outbound))
    await dm.greeting()
    r = await dm.handle("can you text my booking confirmation to oh seven seven oh oh nine oh oh "
                        "one two three")
    assert r.expecting == "confirm_sms"
    assert [c.name for c in r.tool_calls] == ["find_reservation"]  # the caller's booking
    assert r.text == "I'll text it to oh seven seven hundred, nine hundred, one two three. " \
                     "Is that right?"
    r = await dm.handle("no it's oh seven seven oh oh nine oh oh four five six")
    assert r.expecting == "confirm_sms" and "four five six" in r.text and not r.tool_calls
    r = await dm.handle("yes")
    assert r.outcome == "sms_sent"
    assert r.tool_calls[0].arguments["phone"] == "07700900456"
    r = await dm.handle("and text it to me again please")
    assert r.outcome == "sms_sent" and "phone" not in r.tool_calls[0].arguments
    assert [to for to, _ in outbound.sent] == ["+447700900456", BEN]


async def test_a_number_that_cannot_be_texted_is_asked_for_again(make_ctx: MakeCtx) -> None:
    outbound = FakeOutbound()
    dm = DialogueManager(make_ctx(caller=BEN, outbound=outbound))
    await dm.greeting()
    r = await dm.handle("can you text my booking details to nine eight seven six five four "
                        "three two two two")
    assert r.expecting == "confirm_sms"
    r = await dm.handle("yes")
    assert r.expecting == "phone" and r.outcome is None and not outbound.sent
    assert r.text == "I didn't catch that number. Which mobile number should I text?"
    r = await dm.handle("oh seven seven oh oh nine oh oh four five six")
    assert r.expecting == "confirm_sms"
    r = await dm.handle("yes")
    assert r.outcome == "sms_sent" and [to for to, _ in outbound.sent] == ["+447700900456"]


async def test_requests_without_a_tool_offer_the_department_that_does_them(
        make_ctx: MakeCtx) -> None:
    """A taxi or a table is the concierge's, a wake-up call the front desk's: neither starts a
    room booking."""
    for said, dept in (("can you book me a taxi for eight", "concierge"),
                       ("i'd like to book a table for dinner", "concierge"),
                       ("can i have a wake up call at seven", "front desk")):
        dm = DialogueManager(make_ctx(caller=ALICE))
        await dm.greeting()
        r = await dm.handle(said)
        assert r.expecting == "offer_transfer" and not r.tool_calls, said
        r = await dm.handle("yes please")
        assert r.outcome == "transferred"
        assert r.tool_calls[0].arguments["department"] == dept


async def test_extending_a_stay_by_a_night_adds_one(make_ctx: MakeCtx) -> None:
    dm = DialogueManager(make_ctx(caller=BEN))
    await dm.greeting()
    r = await dm.handle("i'd like to extend my stay by one night")
    assert r.expecting == "confirm_change" and "for three nights" in r.text, r.text


async def test_a_stay_already_started_is_changed_by_the_front_desk(make_ctx: MakeCtx) -> None:
    """A checked-in guest's change other than the departure is offered to the front desk at
    once: read back, it was refused only after the "yes" ("...checked in. Shall I put you
    through? Is there anything else...")."""
    dm = DialogueManager(make_ctx(caller=ALICE))
    await dm.greeting()
    r = await dm.handle("can we make it two people")
    assert r.text == ("You're already checked in, so the front desk will need to make that "
                      "change. Would you like me to put you through?")
    r = await dm.handle("yes please")
    assert r.outcome == "transferred"
    assert r.tool_calls[0].arguments["department"] == "front desk"
    r2 = await DialogueManager(make_ctx(caller=ALICE)).handle("can i upgrade to a sea view room")
    assert r2.text.startswith("Your booking is already a deluxe king"), r2.text


async def test_a_question_about_the_booking_is_not_a_change(make_ctx: MakeCtx) -> None:
    """"When is my booking?" reads it out and asks whether to change anything; "nothing,
    thanks" leaves it (it was a miss, and two of them offered a transfer)."""
    dm = DialogueManager(make_ctx(caller=BEN))
    await dm.greeting()
    r = await dm.handle("when is my booking")
    assert r.text.endswith("room only. Is there anything you'd like to change?")
    r = await dm.handle("nothing thanks")
    assert r.expecting == "anything_else" and not r.tool_calls
    assert r.text.startswith("No problem, your booking stays as it is.")


async def test_a_change_to_what_the_booking_already_is_is_not_offered(
        make_ctx: MakeCtx) -> None:
    """"Move it to the weekend" is heard as two nights, which it already has: saying "So I'll
    change it to" the same booking and changing nothing on "yes" would mislead."""
    dm = DialogueManager(make_ctx(caller=BEN))
    await dm.greeting()
    r = await dm.handle("i want to move my booking to the weekend after")
    assert r.expecting == "changes" and r.text.startswith("Your booking is already a standard "
                                                          "double for two guests")
    r = await dm.handle("make it saturday")
    assert r.expecting == "confirm_change" and "Saturday the 5th" in r.text


async def test_something_sent_up_that_is_not_on_the_menu_is_answered_with_the_menu(
        make_ctx: MakeCtx) -> None:
    dm = DialogueManager(make_ctx(caller=ALICE))
    await dm.greeting()
    r = await dm.handle("can i get two coffees sent up")
    assert r.expecting == "items" and "isn't on our room-service menu" in r.text, r.text


async def test_one_date_after_the_stay_read_back_is_asked_about(make_ctx: MakeCtx) -> None:
    """"Make it the 14th" for the 10th to the 13th may be a later departure or the stay moved:
    the guest is asked. A date the read-back's stay ends on, or one marked "leaving", is not
    ambiguous."""
    start = ("i'd like a twin room from the 10th to the 13th of december for two", "room only",
             "james wilson")
    for answer, stay in (("leaving", "arriving Thursday the 10th of December for four nights"),
                         ("arriving please", "arriving Monday the 14th of December for three "
                                             "nights")):
        dm = DialogueManager(make_ctx(caller=STRANGER))
        await dm.greeting()
        for line in start:
            r = await dm.handle(line)
        assert r.expecting == "confirm_booking"
        r = await dm.handle("actually can we make it the 14th")
        assert r.text == "Is that arriving or leaving on Monday the 14th of December?"
        assert r.expecting == "which_end" and not r.tool_calls
        r = await dm.handle(answer)
        assert r.expecting == "confirm_booking" and stay in r.text, r.text
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    for line in start:
        await dm.handle(line)
    r = await dm.handle("no leaving on the 14th")
    assert r.expecting == "confirm_booking" and "for four nights" in r.text


async def test_a_follow_up_about_it_answers_the_fact_just_given(make_ctx: MakeCtx) -> None:
    """"How much is it?" right after the parking answer was a miss; it refers to the parking.
    Once another task starts it refers to nothing."""
    dm = DialogueManager(make_ctx(caller=STRANGER))
    await dm.greeting()
    r = await dm.handle("is there parking")
    assert r.tool_calls[0].arguments == {"topic": "parking"}
    r = await dm.handle("how much is it")
    assert [c.arguments for c in r.tool_calls] == [{"topic": "parking"}]
    assert "fifteen pounds" in r.text and r.expecting == "anything_else"
    r = await dm.handle("i'd like to book a room for friday")
    r = await dm.handle("how much is it")
    assert not r.tool_calls or r.tool_calls[0].name != "hotel_info"
