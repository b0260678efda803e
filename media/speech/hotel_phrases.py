"""What callers say to Harbor View Hotel: phrase templates and slot values as plain data.

Templates are lowercase spoken-form text (numbers as words) with `{slot}` placeholders. A slot's
values may contain further placeholders, so dates, orders and phone numbers compose from parts.
`SLOT_CATEGORY` says which slots count as keywords (date, number, room, menu, name, code) for
scoring. The speech recognizer's language model and grammar are built from this module, and a
dialogue manager can import the same data to share the vocabulary.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_ORDINAL_WORDS = {"one": "first", "two": "second", "three": "third", "five": "fifth",
                  "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}


def number_words(n: int) -> str:
    """Cardinal 0..999 in words: 21 -> 'twenty one'."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return _TEENS[n - 10]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _TENS[tens] + ("" if unit == 0 else " " + _DIGITS[unit])
    hundreds, rest = divmod(n, 100)
    head = _DIGITS[hundreds] + " hundred"
    return head if rest == 0 else f"{head} and {number_words(rest)}"


def ordinal_words(n: int) -> str:
    """Ordinal in words: 21 -> 'twenty first'."""
    words = number_words(n).split()
    last = words[-1]
    if last in _ORDINAL_WORDS:
        words[-1] = _ORDINAL_WORDS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
ROOM_TYPES = ("standard double", "standard twin", "deluxe king", "family room", "harbor suite")
# Shorter names callers use for the same rooms ("a double room", "a twin", "the suite").
ROOM_SYNONYMS = ("double room", "double", "twin room", "twin", "king", "king size room",
                 "deluxe room", "sea view room", "family room", "suite")
# (singular, plural) of each room-service item, as guests say them.
MENU_ITEMS = (
    ("club sandwich", "club sandwiches"),
    ("margherita pizza", "margherita pizzas"),
    ("caesar salad", "caesar salads"),
    ("fish and chips", "portions of fish and chips"),
    ("chocolate brownie", "chocolate brownies"),
    ("pot of tea", "pots of tea"),
    ("sparkling water", "sparkling waters"),
    ("bottle of sparkling water", "bottles of sparkling water"),
)
FIRST_NAMES = (
    "oliver", "george", "harry", "jack", "jacob", "noah", "charlie", "thomas", "oscar", "james",
    "william", "henry", "daniel", "david", "michael", "peter", "paul", "john", "richard", "mark",
    "amelia", "olivia", "emily", "isla", "ava", "jessica", "sophie", "grace", "lily", "emma",
    "sarah", "rachel", "hannah", "laura", "lucy", "charlotte", "ella", "mia", "ruby", "anna",
    "alice", "ben", "chloe", "tom", "sam", "joe", "matthew", "andrew", "chris", "kate",
    "helen", "jane", "claire", "lisa", "megan", "katie",
)
SURNAMES = (
    "smith", "jones", "williams", "taylor", "brown", "davies", "evans", "wilson", "thomas",
    "johnson", "roberts", "robinson", "thompson", "wright", "walker", "white", "edwards", "hughes",
    "green", "hall", "lewis", "harris", "clarke", "patel", "jackson", "wood", "turner", "martin",
    "cooper", "hill", "ward", "morris", "moore", "clark", "lee", "king", "baker", "harrison",
    "morgan", "carter", "allen", "scott",
)
KNOWN_GUESTS = ("alice morgan", "ben carter", "chloe davies")
DEPARTMENTS = ("reception", "the front desk", "reservations", "housekeeping", "room service",
               "the concierge", "the manager", "the duty manager", "someone", "a person",
               "a real person", "somebody at reception")
HOUSEKEEPING_ITEMS = ("towels", "fresh towels", "extra towels", "bath towels", "pillows",
                      "extra pillows", "an extra blanket", "feather free pillows", "a blanket",
                      "toiletries", "shampoo", "soap", "toilet paper", "a hair dryer", "an iron",
                      "coffee pods", "tea bags")
# The booking-code alphabet (server/hotel/booking.py): no I, O, 0 or 1.
LETTERS = ("a", "b", "c", "d", "e", "f", "g", "h", "j", "k", "l", "m", "n", "p", "q", "r", "s",
           "t", "u", "v", "w", "x", "y", "z")
NATO = {"a": "alpha", "b": "bravo", "c": "charlie", "d": "delta", "e": "echo", "f": "foxtrot",
        "g": "golf", "h": "hotel", "j": "juliet", "k": "kilo", "l": "lima", "m": "mike",
        "n": "november", "p": "papa", "q": "quebec", "r": "romeo", "s": "sierra", "t": "tango",
        "u": "uniform", "v": "victor", "w": "whiskey", "x": "x ray", "y": "yankee", "z": "zulu"}
CODE_DIGITS = ("two", "three", "four", "five", "six", "seven", "eight", "nine")
# Things in the room that break ("the shower isn't working").
FIXTURES = ("shower", "tv", "television", "heating", "air conditioning", "kettle", "toilet",
            "light", "hair dryer", "fridge", "radiator", "safe", "key card", "door lock",
            "sink", "bath")
FIXTURES_PLURAL = ("lights", "taps", "curtains", "windows")
# Things callers ask for that are not on the room-service menu.
OFF_MENU = ("a burger", "a steak", "some pasta", "some soup", "some chips", "a coffee",
            "a glass of wine", "a beer")
SMS_WHAT = ("the confirmation", "my confirmation", "my booking confirmation", "the details",
            "the booking details", "my reservation details", "the confirmation code", "it")

# Slot name -> alternatives. Values may reference other slots.
SLOTS: dict[str, tuple[str, ...]] = {
    "date": ("tomorrow", "today", "tonight", "next {weekday}", "this {weekday}", "on {weekday}",
             "{weekday}", "the {day} of {month}", "{month} the {day}", "on the {day} of {month}",
             "the {day}", "on the {day}", "this weekend", "next weekend", "next week",
             "the day after tomorrow", "{day} of {month}", "{month} {day}", "{month} {day}",
             "{weekday} the {day}"),
    # Relative dates read oddly after "to"/"from", so they have their own templates.
    "reldate": ("in two weeks", "in three weeks", "in a week", "in {n2} days", "in a fortnight"),
    "weekday": WEEKDAYS,
    "month": MONTHS,
    "day": tuple(ordinal_words(d) for d in range(1, 32)),
    # Repeated values are more likely: short stays are far commoner than "two weeks".
    "nights": ("one night", "a night", "two nights", "two nights", "two nights", "three nights",
               "three nights", "four nights", "{n2} nights", "{n2} nights", "{n2} nights",
               "{n2} nights", "a week", "two weeks", "the weekend", "a couple of nights",
               "a couple of nights", "a few nights", "just one night", "just the one night"),
    "guests": ("one person", "{n2} people", "{n2} people", "{n2} adults",
               "two adults and {n1} children", "two adults and a child", "just me",
               "me and my wife", "me and my husband", "{n2} guests", "one guest", "one adult",
               "the two of us", "just myself", "me and my partner", "{n2} of us"),
    # A stay moved without a date (`dates.find_shift`); only the answer and request templates
    # use it.
    "shift": ("a day earlier", "a day later", "a day later", "one day earlier", "two days later",
              "two days earlier", "three days later", "a week later", "a week earlier",
              "a week later"),
    # A stay made longer or shorter (`slots.extra_nights`, `dates.find_shift`): only the
    # answer and request templates use them.
    "more": ("an extra night", "another night", "one more night", "two more nights",
             "three more nights", "an extra two nights", "a day longer", "two days longer",
             "a night longer", "a few more days"),
    "early": ("a day early", "two days early", "a day earlier", "a day later", "tomorrow instead",
              "today", "on {weekday} instead"),
    # Everyone in a party named ("me and my two kids"): the guests slot's values stay as they
    # were, so the held-out splits are the same sentences.
    "party": ("me and my two kids", "me and my wife and two kids", "me and my son",
              "me and my husband and our daughter", "me and my wife and the kids",
              "me and my partner and our three children", "me and my two children",
              "me and my daughter"),
    # When a housekeeping visit is wanted (`items.visit_timing`): only the request templates
    # use it.
    "visit": ("later this afternoon", "this afternoon", "after lunch", "tomorrow morning",
              "at {time}", "in {minutes}", "while we're at breakfast", "while we're out",
              "later today", "later", "this evening", "after {hour}", "before {hour}",
              "in about an hour"),
    # Someone joining a stay (`slots.extra_guests`): only the request templates use it.
    "companion": ("wife", "husband", "friend", "son", "daughter", "partner", "sister",
                  "brother", "mum", "dad", "colleague", "two kids", "kids"),
    # How a dish is to be made, and what a guest cannot eat (`items.order_notes`): only the
    # request templates use them.
    "hold": ("cheese", "mayo", "onions", "tomato", "sauce", "peas", "dressing", "croutons",
             "salt", "ice"),
    "allergen": ("nuts", "peanuts", "gluten", "dairy", "shellfish", "eggs", "fish"),
    "n1": tuple(number_words(n) for n in range(1, 4)),
    "n2": tuple(number_words(n) for n in range(2, 11)),
    "room": ROOM_TYPES + ROOM_TYPES + ROOM_SYNONYMS,
    "board": ("bed and breakfast", "room only", "with breakfast", "without breakfast"),
    "order": ("{qty1} {item}", "{qtyn} {items}", "{item}"),
    "qty1": ("a", "one"),
    "qtyn": tuple(number_words(n) for n in range(2, 6)),
    "item": tuple(sg for sg, _ in MENU_ITEMS),
    "items": tuple(pl for _, pl in MENU_ITEMS),
    "first": FIRST_NAMES,
    "surname": SURNAMES,
    "fullname": ("{first} {surname}", *KNOWN_GUESTS),
    # UK numbers: 11-digit mobiles and landlines said digit by digit, or +44 without the 0.
    "phone": ("oh seven {pd} {pd} {pd} {pd} {pd} {pd} {pd} {pd} {pd}",
              "oh seven seven oh oh {pd} {pd} {pd} {pd} {pd} {pd}",
              "oh seven seven oh oh {pd} {pd} {pd} {pd} {pd} {pd}",
              "oh {pd} {pd} {pd} {pd} {pd} {pd} {pd} {pd} {pd} {pd}",
              "zero seven {pd} {pd} {pd} {pd} {pd} {pd} {pd} {pd} {pd}",
              "plus four four seven {pd} {pd} {pd} {pd} {pd} {pd} {pd} {pd} {pd}",
              "plus four four seven seven oh oh {pd} {pd} {pd} {pd} {pd} {pd}"),
    "pd": ("oh", "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    # Six characters from the code alphabet, said as letters and digits, NATO words and
    # digits, or "c for charlie" spellings.
    "code": ("{cl} {cl} {cl} {cl} {cl} {cl}", "{cl} {cl} {cl} {cl} {cl} {cl}",
             "{cn} {cn} {cn} {cn} {cn} {cn}", "{cf} {cf} {cf} {cf} {cf} {cf}"),
    "cl": ("{letter}", "{letter}", "{digit}"),
    "cn": ("{nato}", "{nato}", "{digit}"),
    "cf": ("{spelled}", "{letter}", "{digit}"),
    "letter": LETTERS,
    "nato": tuple(NATO[c] for c in LETTERS),
    "spelled": tuple(f"{c} for {NATO[c]}" for c in LETTERS),
    "digit": CODE_DIGITS,
    "room_number": tuple(f"{number_words(f)} oh {number_words(r)}" for f in range(1, 6)
                         for r in range(1, 9))
    + tuple(f"{number_words(f)} {number_words(r)}" for f in range(1, 3) for r in range(10, 21)),
    "dept": DEPARTMENTS,
    "hk": HOUSEKEEPING_ITEMS,
    "minutes": ("five minutes", "ten minutes", "half an hour", "an hour", "twenty minutes"),
    "time": ("{hour}", "{hour}", "noon", "midday", "half past {hour}", "{hour} o'clock",
             "{hour} thirty", "{hour} pm", "quarter past {hour}"),
    "hour": ("seven", "eight", "nine", "ten", "eleven", "twelve", "one", "two", "three", "four",
             "five", "six"),
    "fixture": FIXTURES,
    "fixtures": FIXTURES_PLURAL,
    "offmenu": OFF_MENU,
    "sms_what": SMS_WHAT,
    "range": ("from {weekday} to {weekday}", "from the {day} to the {day}",
              "from {date} until {date}", "from {weekday} until {weekday}"),
    "short_items": ("pizzas", "sandwiches", "salads", "brownies", "teas", "waters"),
}

# Which slots are scored as keywords, and as what.
SLOT_CATEGORY: dict[str, str] = {
    "date": "date", "reldate": "date", "nights": "number", "guests": "number", "qtyn": "number",
    "room_number": "number", "phone": "number", "room": "room", "item": "menu", "items": "menu",
    "fullname": "name", "code": "code",
}

# Intent -> templates.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "greeting": ("hello", "hi", "hi there", "hello there", "good morning", "good afternoon",
                 "good evening", "hello is that the harbor view hotel", "hi is this the hotel",
                 "hello i was hoping you could help me", "morning", "hello yes hi"),
    "book": (
        "i'd like to book a room", "i'd like to book a {room} for {nights} from {date}",
        "i'd like to book a room for {date}", "can i book a {room} for {date}",
        "i want to make a reservation for {guests} {date}", "do you have a {room} available {date}",
        "do you have any rooms {date}", "i need a room for {nights}",
        "we need a {room} for {nights}", "arriving {date} for {nights}", "{nights} please",
        "for {nights}", "it's for {guests}", "for {guests} please", "there will be {guests}",
        "a {room} please", "{room}", "the {room} please", "{room} {board}",
        "i'd like a {room} {board}", "{board} please", "{board}", "{date}", "from {date}",
        "checking in {date}", "we're arriving {date}", "{date} for {nights}",
        "how much is a {room} per night", "how much is the {room}",
        "what's the difference between the {room} and the {room}",
        "is there availability {date}", "can i book for {guests} {date} for {nights}",
        "i'd like to book {nights} in a {room} from {date}", "a {room} for {guests}",
        "i'm looking for a room {date}", "is breakfast included",
        "i'd like to book a {room} for {date}", "i'd like to book a {room} {date}",
        "i'd like to book a {room} for {date} for {nights}",
        "i'd like to book a {room} for {nights} for {guests}",
        "i'd like to book a {room} {date} for {nights} for {guests}",
        "i'd like to book a {room} for {date} for {nights} for {guests}",
        "can i book a {room} for {nights} from {date}",
        "i'd like to book a {room} {range} for {guests}", "i'd like to book a room {range}",
        "can i book a {room} for {guests} from {date}", "can i book a {room} {range}",
        "we need a {room} for {nights} {date}", "we'd like a {room} for {nights}",
        "i need a {room} for {date}", "we need a room for {guests} {date}",
        "do you have any rooms {date} for {nights}", "is there availability {date} for {nights}",
        "do you have a {room} for {guests} {date}", "{guests}", "for {n2}", "for {n2} please",
        "{nights}", "{date} please", "just {nights}", "{date} for {nights} for {guests}",
        "{range}", "{month} {day} for {nights}", "i'd like to book a room {reldate}",
        "do you have any rooms {reldate}", "i need a {room} for {nights} {reldate}",
        "{reldate}", "{reldate} for {nights}",
    ),
    "identify": (
        "my name is {fullname}", "it's {fullname}", "this is {fullname}", "{fullname}",
        "the booking is under {surname}", "the name is {fullname}", "it's under {fullname}",
        "i'm staying in room {room_number}", "room {room_number}", "i'm in room {room_number}",
        "my room number is {room_number}", "it's {surname}", "{first} {surname} room {room_number}",
        # Bare names answer "what name shall I put the booking under?": weighted up.
        "{fullname}", "{fullname}", "{fullname} please", "my name's {fullname}",
        "yes it's {fullname}", "the name's {fullname}", "it's {fullname} please",
        "my name is {fullname} please", "{first} {surname}", "it's {first} {surname}",
    ),
    "phone": ("my number is {phone}", "{phone}", "you can reach me on {phone}",
              "my phone number is {phone}", "it's {phone}", "call me on {phone}"),
    "code": ("my confirmation code is {code}", "the reference is {code}", "{code}",
             "it's {code}", "my booking reference is {code}", "the confirmation number is {code}",
             "the code is {code}", "yes it's {code}", "it's {code} i think"),
    "cancel": (
        "i need to cancel my booking", "i'd like to cancel my reservation",
        "i want to cancel my booking for {date}", "can i cancel my room",
        "please cancel the booking", "is there a cancellation fee",
        "can i cancel without paying", "cancel it please",
    ),
    "change": (
        "can i change my booking to {date}", "can i change it to {nights}",
        "i'd like to move my booking to {date}", "can i add a night", "can i stay another night",
        "can i upgrade to a {room}", "i'd like to change my room to a {room}",
        "can i change the dates", "can we make it {guests}", "can i switch to {board}",
        "i need to change my reservation", "can i extend my stay until {date}",
        "can i change my booking to {nights}", "can i move my booking to {date}",
        "i'd like to change my booking", "can i change the room to a {room}",
    ),
    "housekeeping": (
        "could i have some {hk}", "can you send up some {hk}", "can i get {hk} please",
        "can someone clean my room", "could housekeeping come to room {room_number}",
        "i need more {hk} in room {room_number}", "we've run out of {hk}",
        "can i have {hk} sent to room {room_number}", "the room hasn't been cleaned",
        "please make up the room", "can i get my room cleaned", "could we have {hk} please",
        "i'd like {hk}", "please don't clean the room today",
        "the {fixture} isn't working", "the {fixture} is broken", "the {fixture} doesn't work",
        "the {fixture} in my room isn't working", "the {fixture} in room {room_number} is broken",
        "my {fixture} isn't working", "the {fixtures} are broken", "the {fixtures} are not working",
        "the {fixture} has stopped working", "the {fixture} is leaking",
        "can someone fix the {fixture}", "the {fixture} is not working",
    ),
    "room_service": (
        "i'd like to order {order}", "can i get {order} and {order}", "{order} please",
        "could you send {order} to room {room_number}", "i'd like {order} and {order} please",
        "can i order {order}", "can we have {order}", "what's on the room service menu",
        "i'd like room service please", "i'd like to order some food",
        "{order} and {order} to room {room_number}", "{order} and {order}",
        "do you have {item}", "how much is the {item}", "could i add {order}",
        "can i get {order} to room {room_number} please", "can i order {offmenu}",
        "i'd like to order {offmenu}", "can i order {offmenu} please", "{order} and {order} please",
        "i'd like to order {order} and {order}",
    ),
    "facts": (
        "what time is breakfast", "when is breakfast served", "where is breakfast",
        "how much is breakfast", "do you have parking", "how much is parking",
        "is there parking at the hotel", "is there a pool", "what time does the pool open",
        "what time does the pool close", "is there a gym", "when is the gym open",
        "can i bring my dog", "do you allow pets", "are dogs allowed", "what's the wifi password",
        "is the wifi free", "what's the wifi network", "what time is check in",
        "what time is check out", "can i check out late", "can i check in early",
        "where are you located", "what's your address", "do you have a restaurant",
        "is there a bar", "can i smoke in the room", "what time does the restaurant open",
        "is the hotel near the station", "do you have a lift", "is there air conditioning",
        "what's the cancellation policy", "how much is a room {date}",
        "can i check in at {time}", "is breakfast at {time}",
    ),
    "transfer": (
        "can i speak to {dept}", "can i talk to {dept}", "put me through to {dept}",
        "i'd like to speak to {dept} please", "can you connect me to {dept}", "{dept} please",
        "could you transfer me to {dept}", "i want to talk to {dept}", "get me {dept}",
        "let me speak to {dept}", "i need to speak to someone", "can i speak to a human",
        "is there someone i can talk to", "transfer me please", "operator", "{dept}",
        "put me through to {dept} please", "actually can i speak to {dept}",
        "could i speak to {dept} please", "can i speak to {dept} please",
    ),
    "callback": (
        "can someone call me back", "please call me back on {phone}",
        "could you call me back later", "call me back in {minutes}",
        "can you ring me back", "can {dept} call me back", "please call me back",
        "can someone call me back {date}", "call me back at {time}",
        "can someone call me back at {time}", "call me back in {minutes} please",
        "could you call me back {date} at {time}",
        "can you ring me back at {time}",
        "call me back {date} at {time}",
    ),
    # Answers to "when shall we call you back?"
    "callback_time": ("{date} at {time}", "at {time}", "at {time} please",
                      "{date} at {time} please", "in {minutes}", "in {minutes} please",
                      "{date} morning", "{date} afternoon", "around {time}", "any time {date}"),
    "sms": (
        "can you text me {sms_what}", "text me {sms_what}", "text me {sms_what} please",
        "could you send {sms_what} by text", "send it by text please", "can you text it to me",
        "can i get {sms_what} by text", "please text {sms_what} to my mobile",
        "send me a text with {sms_what}", "could you text {sms_what} to my phone",
        "can you send me {sms_what} by text", "can i have {sms_what} by text message",
    ),
    "yes": ("yes", "yes please", "yeah", "yep", "yes that's right", "that's right", "correct",
            "that's correct", "sure", "okay", "ok then", "sounds good", "perfect", "great",
            "absolutely", "that's fine", "go ahead", "yes go ahead", "lovely", "please do",
            "yeah that's it", "uh huh", "definitely", "of course", "yes it is", "that's it"),
    "no": ("no", "no thanks", "no thank you", "nope", "no that's wrong", "not quite",
           "no it isn't", "no that's not right", "no i don't", "not really", "no need",
           "that's wrong", "nah", "no that's all"),
    "correction": (
        "no {nights}", "no i said {date}", "sorry i meant {guests}", "actually make that {nights}",
        "no it's {fullname}", "not the {room} i wanted the {room}", "no {date}",
        "sorry i meant {date}", "actually {nights}", "no it's {phone}", "no it's {code}",
        "no {guests}", "actually can we make it {guests}", "no the {room}", "no {order}",
        "i said {room_number}", "no room {room_number}", "sorry {nights} not {nights}",
        "not {weekday} {weekday}", "no not {weekday} {weekday}", "not {date} {date}",
        "actually make it {guests}", "make it {guests}", "make it {board}",
        "actually make it {board}", "make it {nights}", "actually make it {nights}",
        "no {nights} please", "no {qtyn} {short_items}", "no {qtyn} {items}",
        "make that {nights}", "can you make it {board}", "no it's for {guests}",
        "no the {room} please", "{weekday} not {weekday}",
    ),
    "repeat": ("can you repeat that", "sorry what was that", "say that again please", "pardon",
               "sorry i didn't catch that", "could you say that again", "what did you say",
               "sorry", "come again", "can you repeat that please", "i didn't hear you",
               "could you repeat the price", "repeat that", "say that again",
               "could you repeat that", "can you say that again", "sorry say that again",
               "repeat that please", "what was that again"),
    "thanks": ("thank you", "thanks", "thanks very much", "thanks a lot", "cheers",
               "thank you so much", "brilliant thanks", "that's great thank you", "many thanks",
               "thank you very much"),
    "bye": ("goodbye", "bye", "bye bye", "that's all thanks", "thank you goodbye",
            "have a nice day", "that's everything", "that's all i needed", "cheers bye",
            "okay bye", "thanks bye", "see you then"),
    "other": ("is anyone there", "hold on a second", "one moment please", "hang on",
              "can you hear me", "hello are you there", "i have a question",
              "i'm calling about my booking", "i'm calling about my stay",
              "i have a complaint", "i left something in my room", "i'm running late",
              "i'll be arriving late", "what's the price", "how much will that be"),
}

# Answers that only follow one question: that question's context LM learns them
# (`hotel_lm.CONTEXTS`), the general LM, for turns when nothing was asked, does not.
ANSWER_TEMPLATES: dict[str, tuple[str, ...]] = {
    # To "could you give me the booking's confirmation code?" without one.
    "no_code": ("i don't have the code", "i don't have it", "i haven't got it",
                "i haven't got the code", "sorry i don't have it", "no i don't have it",
                "i don't know it", "i've lost it", "i don't have the reference"),
    # To "which date would you like to arrive?": days booked by name. Only there: in the
    # general LM they were rarely heard ("new year's eve" -> "two year's eve") and moved other
    # turns (a phone-line scenario's surname).
    "holiday_date": tuple(f"{lead}{day}" for day in ("christmas eve", "christmas day",
                                                      "boxing day", "new year's eve",
                                                      "new year's day")
                          for lead in ("", "on ", "arriving on ", "from ")),
    # To "which type of room?" and "room only, or bed and breakfast?" (the booking context):
    # a choice by what it costs or includes, or a question about prices before choosing.
    "room_choice": ("breakfast please", "breakfast", "the breakfast one",
                    "the breakfast one please", "yes breakfast please",
                    "with the breakfast please", "breakfast as well please",
                    "what's the cheapest", "what's the cheapest room", "what's the cheapest one",
                    "which is the cheapest", "which one is the cheapest",
                    "the cheapest one please", "the cheapest please", "the cheapest one",
                    "i'll take the cheapest", "how much are the rooms"),
    # To "what would you like to change?" and a read-back: the stay moved without a date.
    "stay_shift": ("{shift}", "{shift} please", "move it {shift}", "can we move it {shift}",
                   "push it back a day", "bring it forward a day", "can we arrive {shift}",
                   "actually can we arrive {shift}", "we'd like to leave {shift}",
                   "make it {shift}", "the following week", "to the following week please",
                   "arrive {shift}", "leave {shift}"),
    # To "what would you like to change?" from a guest in house: a longer or shorter stay.
    "stay_longer": ("{more}", "{more} please", "until {date}", "till {date}", "until {date} please",
                    "i'd like to stay {more}", "we'd like to stay until {weekday}",
                    "we'd like to leave {early}", "i need to leave {early}"),
    # To "how many guests?": a party named ("me and my wife and two kids").
    "party_answer": ("{party}", "it's {party}", "just {party}", "there's {party}"),
    # To a callback's read-back: "So reception will call you back at three ... ?"
    "callback_correction": ("no at {time}", "no {date} at {time}", "no make it {time}",
                            "actually at {time}", "no in {minutes}", "no call me on {phone}",
                            "no it's {phone}", "no {date}"),
}

# Everyday requests the dialogue answers (docs/dialogue.md, "How an utterance is handled") that
# the templates above lacked: the general LM and the "anything else?" context (`next`) learn
# them. Kept apart from TEMPLATES so the held-out splits, generated from TEMPLATES, stay the
# same sentences and the LMs can be compared on them.
REQUEST_TEMPLATES: dict[str, tuple[str, ...]] = {"requests": (
    # leaving the task in progress
    "never mind", "never mind then", "forget it", "forget about it", "it doesn't matter",
    # the front desk's
    "can i have my bill please", "what's my bill so far", "can i get a copy of my bill",
    "can i get a receipt", "i'm locked out of my room", "i've lost my key",
    "my key card doesn't work", "can i have a late check out", "can i get a late check out",
    "i'd like an early check in", "is an early check in possible", "can i pay by card",
    "can i leave my bags after check out", "can i leave my luggage with you",
    "it's very noisy next door", "what's my room number",
    # room service already ordered
    "can you cancel my order", "i ordered {order} can you cancel it", "where's my order",
    "my food hasn't arrived", "how long will room service take", "how long will it take",
    # faults
    "there's no hot water", "the shower has no hot water",
    "there's no hot water in room {room_number}", "the room is too cold", "my room is too hot",
    # rooms and what they cost
    "what rooms do you have", "what kind of rooms do you have", "how much are your rooms",
    "how much is a {room}", "i'd like to book two rooms", "we need three rooms {date}",
    "what's your cheapest room", "what's the cheapest room", "which is your cheapest room",
    "what's the cheapest room you have", "do you have a room for the weekend",
    "do you have a {room} for the weekend", "i need a room for the weekend",
    "we'd like a room for the weekend",
    "hello i'd like to make a booking please",
    # texts
    "yes to a different number please", "can you text it to a different number",
    # corrections, follow-ups, questions
    "make that {qtyn}", "actually make that {qtyn}", "what's the total", "we're now {guests}",
    "and check in", "and check out", "what about parking", "what about breakfast",
    "i want to complain to the manager", "i'd like to make a complaint",
    "can i ask you something",
    # the hotel's own number
    "what's your phone number", "what's your number", "can i have your phone number",
    "what's the hotel's phone number", "what number do i call", "how do i call you",
    # the caller's own booking
    "does my booking include breakfast", "is breakfast included in my booking",
    "is breakfast included in my stay", "does our reservation include breakfast",
    # the stay moved without a date (before the breakfast lines, as measured: the templates'
    # order is part of the LM's training draw)
    "we'd like to arrive {shift}", "can we arrive {shift}", "can i move my booking {shift}",
    "could you move my booking {shift}", "can i move my booking to the following week",
    "can you push my booking back a day", "can i bring my booking forward a week",
    "can we check out {shift}",
    # breakfast added to the caller's booking
    "can i add breakfast to my booking", "i'd like to add breakfast to my booking",
    "can we add breakfast to our reservation", "could i add breakfast to my stay",
    # a stay that has started, made longer or shorter (last, so the draws above are as
    # measured)
    "can i stay {more}", "can we stay {more}", "we'd like to stay {more}",
    "i'd like to stay {more}", "i'd like to extend my stay by one night",
    "can i extend my stay by a night", "can we extend our stay by {n2} nights",
    "can i extend my stay", "can we extend our stay", "can i stay until {weekday}",
    "can we stay until {date}", "can i stay till {weekday}", "i'd like to stay until {date}",
    "i need to check out {early}", "we need to leave {early}", "can i check out {early}",
    "i'm leaving {date} instead", "we're leaving {weekday} instead", "i need to leave today",
    # a booking cancelled in other words, a text asked for again, when the room is ready,
    # charges, facts the hotel may not hold, parking, the bill, a party (after the lines
    # above, as measured)
    "i won't be able to make it on {weekday}", "we can't make it {date}",
    "we can't come anymore", "we won't be coming", "i can't make it after all",
    "can you resend my confirmation", "can you resend the confirmation",
    "i didn't get the text", "i didn't receive the text", "is my room ready",
    "is our room ready", "what time can we arrive {date}", "what time can i arrive",
    "if i cancel now will i be charged", "will i be charged if i cancel",
    "do you do dinner", "do you serve dinner", "do i need to book parking",
    "can i reserve a parking space", "how much do i owe", "i'd like to book a room for {party}",
    "we need a room for {party} {date}",
    # "I would like ...", which callers say as often as "I'd like" (heard "i want like" or
    # "i won't like" without these)
    "i would like to book a room please", "i would like to book a room {date}",
    "i would like to book a {room} {date}", "i would like to make a reservation",
    "i would like a {room} for {nights}", "i would like to order {order}",
    "i would like some {hk} please", "i would like to speak to {dept}",
    "i would like to change my booking", "i would like to cancel my booking",
    # a visit at a time, or none (after the lines above, as measured)
    "can you clean my room {visit}", "could housekeeping come {visit}",
    "can someone clean the room {visit}", "could my room be cleaned {visit}",
    "can i get my room cleaned {visit}", "can i have {hk} {visit}",
    "could you bring some {hk} {visit}", "can someone fix the {fixture} {visit}",
    "please don't disturb us {visit}", "please don't clean the room {visit}",
    "could you send up an iron and an ironing board", "can i have an ironing board",
    # people added to a stay, an email asked for, when to pay (after the lines above, as
    # measured)
    "can i add another person to my booking", "can we add {qtyn} more people",
    "we need to add {qtyn} more people", "there'll be one more guest", "can i add an extra guest",
    "my {companion} will be coming too", "my {companion} is joining us",
    "can my {companion} join me", "can my {companion} join me in the room {date}",
    "can my {companion} join us {date}", "can i bring my {companion}",
    "can i get an email confirmation", "could you email me {sms_what}",
    "can you email me the confirmation", "can you send it by email",
    "what's your email address", "what's the hotel's email address",
    "can i pay when i arrive", "can i pay when we get there", "do i have to pay now",
    "do i need to pay a deposit", "do you take a deposit", "can i pay in cash",
    "can i pay at the hotel", "can i pay on arrival",
    # a guest in house: another room, ice, the tray, a smell, check-out extended; a group
    # booking, a message for a guest; a fact asked beside another request (after the lines
    # above, as measured)
    "the room is too noisy can i change rooms", "can i change rooms",
    "can i move to a different room", "could we have a different room", "can i get some ice",
    "could i have some ice please", "can someone take away the room service tray",
    "could you collect the tray", "there's a strange smell in my room",
    "the room smells of smoke", "can i extend my check out to {time}",
    "could i extend my check out", "is there anyone i can talk to about a group booking",
    "i'd like to speak to someone about a wedding booking",
    "can someone call me back about a group booking", "can i leave a message for a guest",
    "i'd like to leave a message for one of your guests",
    "can i get {hk} and what time is breakfast", "what time is check in and is there parking",
    "what time is breakfast and is there a gym", "is there parking and what time is check in",
    "could you send up {hk} and what time does the pool open",
    # how a dish is made and what is in it; a night taken off; refunds (after the lines
    # above, as measured)
    "i'd like to order {order} with no {hold}", "can i get {order} but no {hold} please",
    "{order} please hold the {hold}",
    "{order} please i'm allergic to {allergen}", "i'm allergic to {allergen}",
    "i have a nut allergy", "can i have a gluten free {item}", "is the {item} gluten free",
    "does the {item} have {allergen} in it", "what vegetarian options do you have",
    "do you have any vegan options", "what's in the {item}",
    "i'd like to cancel one night of my booking", "can i cancel the last night",
    "can we cancel the first night", "can i shorten my stay by a night",
    "we'd like one night less", "is my booking refundable", "can i get a refund",
    "when do i need to cancel by to avoid a charge",
)}

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True, slots=True)
class Keyword:
    """A scored slot value inside an utterance: `category` is date/number/room/menu/name/code."""

    category: str
    slot: str
    text: str


@dataclass(frozen=True, slots=True)
class Phrase:
    """One generated utterance with its intent and the keywords it contains."""

    intent: str
    text: str
    keywords: tuple[Keyword, ...]


def _expand(template: str, rng: random.Random, slots: Mapping[str, Sequence[str]],
            found: list[Keyword]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        text = _expand(rng.choice(slots[name]), rng, slots, found)
        category = SLOT_CATEGORY.get(name)
        if category is not None:
            found.append(Keyword(category, name, text))
        return text

    return _PLACEHOLDER.sub(fill, template)


def generate(n: int, seed: int, intents: Sequence[str] | None = None,
             templates: Mapping[str, Sequence[str]] = TEMPLATES) -> list[Phrase]:
    """`n` random phrases, intents chosen uniformly then templates uniformly; deterministic.
    `templates` may replace the intents' templates (e.g. a subset for one dialogue state)."""
    rng = random.Random(seed)
    names = list(intents) if intents is not None else list(templates)
    out: list[Phrase] = []
    for _ in range(n):
        intent = rng.choice(names)
        found: list[Keyword] = []
        text = _expand(rng.choice(templates[intent]), rng, SLOTS, found)
        out.append(Phrase(intent, " ".join(text.split()), tuple(found)))
    return out


def vocabulary(answers: Iterable[str] | None = None) -> set[str]:
    """Every word the templates and slot values can produce, with those of the
    `ANSWER_TEMPLATES` and `REQUEST_TEMPLATES` named in `answers` (None: all of them)."""
    apart = {**ANSWER_TEMPLATES, **REQUEST_TEMPLATES}
    extra = apart if answers is None else {a: apart[a] for a in answers}
    words: set[str] = set()
    for values in (*TEMPLATES.values(), *extra.values(), *SLOTS.values()):
        for value in values:
            words.update(_PLACEHOLDER.sub(" ", value).split())
    return words
