"""What the guest wants, from one utterance: the dialogue's intent classifier (rules)."""

from __future__ import annotations

import re
from enum import StrEnum

from server.dialogue import items, slots
from server.dialogue.dates import takes_nights_off


class Intent(StrEnum):
    BOOK = "book"
    AVAILABILITY = "availability"
    CHANGE = "change"
    CANCEL = "cancel"
    HOUSEKEEPING = "housekeeping"
    ROOM_SERVICE = "room_service"
    INFO = "info"
    TRANSFER = "transfer"
    CALLBACK = "callback"
    SMS = "sms"
    MY_BOOKING = "my_booking"
    REFER = "refer"  # a request another department handles: a taxi, a wake-up call
    ROOMS = "rooms"  # what rooms there are, or what one costs, with no dates
    ARRIVING_LATE = "arriving_late"
    ASK = "ask"  # "I have a question": the question comes next
    DROP = "drop"  # "never mind": leave the task in progress
    REPEAT = "repeat"
    GREETING = "greeting"
    THANKS = "thanks"
    BYE = "bye"
    HOLD = "hold"
    PRESENCE = "presence"
    COMPLAINT = "complaint"
    NONE = "none"


def _has(text: str, pattern: str) -> bool:
    return re.search(pattern, text) is not None


_QUESTION = (r"^(what|when|where|how|is|are|do|does|can|could|will|would|may|have you|"
             r"tell me|i was wondering|i wanted to know|any)\b|\b(will (i|we) be|"
             r"what time|how much|is there|"
             r"do you|are there|can i|what's|where's|allowed|policy|open|close|ask about|"
             r"asking about|know about|enquire|inquire|information about)\b")
_TRANSFER = (r"\b(speak to|speak with|talk to|talk with|put me through|connect me|transfer me|"
             r"get me|let me speak|through to|a human|a real person|an operator|operator)\b")
_BARE_TRANSFER = (r"^(the )?(reception|front desk|manager|duty manager|concierge|operator|"
                  r"reservations|someone|somebody|a person|a real person|a human|"
                  r"somebody at reception|someone at reception)( please)?$")


# Stays the front desk arranges: answered with the time that applies, then offered.
EARLY_OR_LATE = (r"\b(late check ?out|check ?out late|leave late|early check in|check in early|"
                 r"extend (my |the |our )?check ?out)\b")
# "Do I need to book parking?": not a room (the parking fact, then the front desk).
RESERVE_PARKING = (r"\b(book|reserve|booking|reserving)( a| the| my)? (parking|car parking|"
                   r"parking space|parking spot|car park space)\b")
# Requests the agent has no tool for, and who does them. Before room service, bookings and
# hotel facts: "order me a cab" is not food, "book a table for dinner" not a room, "can I check
# out late?" not only a question about the time, "cancel my order" not a booking.
REFERRALS: dict[str, str] = {
    "room_service": r"\b(ordered|my order|our order|the order|my food|our food)\b",
    "concierge": (r"\b(taxi|cab|a table|restaurant reservation|dinner reservation|theatre|"
                  r"theater|tickets|tour|tours|excursion|car hire|hire a car|flowers)\b"),
    "front_desk": (r"\b(wake up call|wakeup call|wake me up|morning call|alarm call|bill|"
                   r"invoice|receipt|locked out|key card|keycard|room key|my key|lost property|"
                   r"left something|left my|luggage|my bags|our bags|suitcase|pay by|pay with|"
                   r"pay (now|later|on arrival|when (i|we) (arrive|get there|check in)|at the "
                   r"hotel|at check in|in advance|up front|upfront|in cash|cash|online)|deposit|"
                   r"payment|owe|spent so far|my tab|my balance|leave a message|message for "
                   r"(a|the|one of your) guest)\b|" +
                   EARLY_OR_LATE + "|" + RESERVE_PARKING),
}
# "We can't make it on Friday", "we won't be coming": a booking cancelled (not "we can't come
# until nine", a late arrival, nor "the tv won't come on").
NOT_COMING = (r"\b(can't|cannot|can no longer|won't be able to|not able to) (make it|come)"
              r"( any ?more| after all)?\b(?! (until|till|before|after|in time|early|late|to))|"
              r"\b(not coming|won't be coming|aren't coming)\b")
# "Can you email me the confirmation?" (only texts are sent: one is offered), not "what's your
# email address?" (a fact the hotel's list does not hold).
_EMAIL_US = r"\b(?<!your )(?<!the hotel's )(email|e mail)\b(?! address)"
# "What's your cheapest room?": a question about room prices.
CHEAPEST = r"\b(cheapest|cheaper|least expensive|most affordable|lowest (price|rate))\b"
# More rooms than one booking holds ("four rooms for a wedding"): offered to reservations.
SEVERAL_ROOMS = (r"\b(two|three|four|five|six|seven|eight|nine|ten|several|a few|multiple) "
                 r"rooms\b|\bmore than one room\b")
# Topics a short answer names alone ("parking?"); the others only as their bare words ("check
# in friday" answers the date question).
_SHORT_TOPICS = ("breakfast", "parking", "pool", "gym", "pets", "wifi", "smoking", "address")


def asks_total(text: str) -> bool:
    """"What's the total?", "how much will that be?": at a read-back, which says it."""
    return _has(text, r"\b(what('s| is| was) the (total|price|cost)|how much (is|was|will|would) "
                      r"(it|that|this)|what does it come to|how much altogether|the price "
                      r"again)\b")


def names_department(text: str) -> bool:
    """A department said alone ("reservations, please"): who, not a request to be put through."""
    return _has(text, r"^(the )?(reception|front desk|reservations|housekeeping|room service|"
                      r"concierge|manager|duty manager|manager on duty)( please)?$")


def referral(text: str) -> str | None:
    """The department a request with no tool of its own goes to (REFERRALS), if any."""
    return next((dept for dept, pattern in REFERRALS.items() if _has(text, pattern)), None)


def classify(toks: list[str]) -> Intent:
    """The guest's main intent in this utterance, or NONE (slots may still be present)."""
    text = " ".join(toks)
    if not text:
        return Intent.NONE
    if _has(text, r"^(never mind|nevermind|forget it|forget about it|don't worry about it|"
                  r"scratch that|it doesn't matter)\b"):
        return Intent.DROP
    if _has(text, r"\b(repeat|say that again|say again|pardon|come again|what was that|"
                  r"didn't catch|did not catch|what did you say|didn't hear|didn't get that)\b") \
            or text in ("sorry", "what", "sorry what", "eh"):
        return Intent.REPEAT
    if _has(text, r"\b(call me back|ring me back|call back|callback|phone me back|"
                  r"call me later|give me a call|ring me)\b"):
        return Intent.CALLBACK
    if _has(text, _TRANSFER) or _has(text, _BARE_TRANSFER) or \
            _has(text, r"\b(speak|talk) to (someone|somebody|a person|anyone)\b"):
        return Intent.TRANSFER
    if _has(text, r"\b(text|sms|send (me )?(it|the confirmation|a confirmation|the details)|"
                  r"message me|to my (phone|mobile)|resend|re send|send it again|"
                  r"didn't get the text|didn't receive the text)\b|" + _EMAIL_US) and \
            not _has(text, r"\bcancel\b"):
        return Intent.SMS
    if referral(text) is not None and not _has(text, r"\b(book|booking|reservation)\b"):
        return Intent.REFER
    if _has(text, r"\b(running late|arriving late|arrive late|be late|be arriving late|"
                  r"late arrival|get there late|get in late)\b"):
        return Intent.ARRIVING_LATE
    if takes_nights_off(toks) or _has(text, r"\bshorten (my|our|the) (stay|booking|"
                                           r"reservation)\b"):
        return Intent.CHANGE  # "cancel one night of my booking": not the whole booking
    if (_has(text, r"\b(cancel|cancelling|canceling)\b") and
            not _has(text, r"\b(policy|fee|without paying|charge for|charged|a charge)\b")) or \
            _has(text, NOT_COMING):
        return Intent.CANCEL
    if _has(text, r"\b(we're now|we are now|there'll now be|now be|instead of)\b") and \
            slots.guests(toks) is not None:
        return Intent.CHANGE  # "we're now three people": the booking's guests
    if _has(text, r"\b(change|modify|move my|move the|move to a different room|a different room|"
                  r"extend|another night|extra night|make it|"
                  r"add a night|one more night|upgrade|switch|stay longer|amend|"
                  r"more nights|add breakfast)\b|\bbreakfast to (my|our|the) (booking|"
                  r"reservation|stay)\b"):
        return Intent.CHANGE
    topic = slots.topic(toks)
    question = _has(text, _QUESTION)
    # "Can I have my room cleaned while I'm at breakfast?" names a topic, and asks for cleaning.
    if topic is not None and question and not _has(text, r"\b(book|reserve)\b") and \
            not items.menu_items(toks) and (slots.rate_plan(toks) is None or
                                            _has(text, r"^(what|when|how|is|does)\b")) and \
            not _has(text, r"\b(cleaned|cleaning|clean (my|our|the) room)\b"):
        return Intent.INFO
    if referral(text) is not None:
        return Intent.REFER
    housekeeping = items.housekeeping_items(toks)
    if (_has(text, r"\b(room service|menu|order|hungry|something to eat|food|vegetarian|"
                   r"vegan|gluten free|dairy free)\b") and
            items.TRAY_COLLECTION not in housekeeping) or \
            (_has(text, r"\b(allergic|allergy)\b") and not housekeeping) or \
            ((items.menu_items(toks) or _has(text, r"\b(sent|send|bring|brought) up\b"))
             and not housekeeping and not items.is_maintenance(toks)):
        return Intent.ROOM_SERVICE
    if housekeeping or items.is_maintenance(toks) or \
            _has(text, r"\b(housekeeping|house keeping|clean|cleaned|maintenance)\b"):
        return Intent.HOUSEKEEPING
    if _has(text, r"\b(available|availability|any rooms|any room|have a room|"
                  r"have rooms|free rooms|rooms free|how much is a room|room free)\b") and \
            not _has(text, r"\b(book|reserve)\b"):
        return Intent.AVAILABILITY
    room = slots.room_type(toks)
    if not _has(text, r"\b(book|reserve)\b") and (
            (room is not None and _has(text, r"\b(how much|price|prices|cost|rate|rates|"
                                             r"difference)\b"))
            or _has(text, r"\b(what|which) (rooms|kind of rooms?|kinds of rooms?|types? of "
                          r"rooms?|sort of rooms?)\b|\broom (prices|rates)\b|"
                          r"\bhow much (are|do) (your |the )?rooms\b|" + CHEAPEST)):
        return Intent.ROOMS
    if room is not None and _has(text, r"^(do you have|have you got|is there|are there)\b"):
        return Intent.AVAILABILITY
    if _has(text, r"\b(book|booking a|reserve|make a reservation|new reservation|make a booking|"
                  r"(need|want|like|looking for) an? (\w+ )?room|a room for|"
                  r"stay with you)\b|" + SEVERAL_ROOMS) and \
            not _has(text, r"\b(my booking|my reservation)\b"):
        return Intent.BOOK
    if _has(text, r"\b(about|regarding|with|check) my (booking|reservation|stay)\b") or \
            _has(text, r"\bmy (booking|reservation|confirmation (code|number))\b"):
        return Intent.MY_BOOKING
    if topic is not None and question:
        return Intent.INFO
    if _has(text, r"^(is there|do you have|what time does|is the hotel|are there|where is|"
                  r"where's|how far|do you (do|offer|serve|provide)|can you provide|"
                  r"(are|is) (your|the) (rooms?|hotel|restaurant|bar)|"
                  r"does (the|your|my|our) (hotel|room)|do (the|your) rooms)\b|"
                  r"\b(your|the hotel's) (email|e mail)\b|"
                  r"\b(nearest|nearby|near the hotel|close to the hotel)\b"):
        return Intent.INFO  # a fact we may not hold ("do you do dinner?") is said so
    if _has(text, r"\b(goodbye|bye|have a (nice|good|great) day|that's all|that is all|"
                  r"that's everything|nothing else|"
                  r"all i needed|that's it thanks|that'll be all|see you)\b"):
        return Intent.BYE
    if _has(text, r"^(thank you|thanks|cheers|many thanks|brilliant thanks|"
                  r"that's great thank you)\b|^(great|lovely|perfect|brilliant|fantastic|"
                  r"wonderful|excellent|ok|okay|right|fine)( then)? (thanks|thank you|cheers)"
                  r"( very much| so much)?$"):
        return Intent.THANKS
    if _has(text, r"\b(hold on|one moment|hang on|just a (second|sec|moment|minute)|"
                  r"give me a (second|moment|minute))\b"):
        return Intent.HOLD
    if _has(text, r"\b(are you there|anyone there|can you hear me|you still there)\b"):
        return Intent.PRESENCE
    if _has(text, r"\b(complaint|complain|lost|not happy|unhappy|disappointed|noisy|noise|"
                  r"too loud)\b"):
        return Intent.COMPLAINT
    if _has(text, r"\b(a question|ask you something|ask something|a quick question)\b"):
        return Intent.ASK
    if _has(text, r"^(hello|hi|hey|good morning|good afternoon|good evening|morning|"
                  r"afternoon|evening)\b") or \
            _has(text, r"^(is this|is that|am i through to|have i got|have i reached)\b.*\b"
                       r"(hotel|harbor|harbour)\b"):
        return Intent.GREETING
    # A bare topic, or one added to the last answer: "and check-out?", "what about parking?"
    bare = toks[2:] if toks[:2] in (["what", "about"], ["how", "about"]) else \
        toks[1:] if toks[:1] == ["and"] else toks
    if topic is not None and slots.rate_plan(bare) is None and len(bare) <= 3 and \
            slots.topic(bare) is topic and (topic.value in _SHORT_TOPICS or
                                            " ".join(bare) in slots.TOPIC_WORDS[topic]):
        return Intent.INFO
    return Intent.NONE
