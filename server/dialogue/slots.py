"""Slot values in one utterance: room type, guests, nights, rate plan, names, phone numbers,
confirmation codes, room numbers, departments and hotel-info topics."""

from __future__ import annotations

import re
from dataclasses import dataclass

from server.dialogue.words import UNITS, count_at, digit_string, numbers
from server.hotel.booking import CODE_ALPHABET
from server.hotel.enums import RatePlan, Topic

# Room-type code -> phrases callers use for it (longest phrases are tried first).
ROOM_TYPE_PHRASES: dict[str, tuple[str, ...]] = {
    "standard_double": ("standard double", "double room", "double", "doubles"),
    "standard_twin": ("standard twin", "twin room", "twin beds", "twin", "two single beds",
                      "two singles"),
    "deluxe_king": ("deluxe king", "deluxe", "king size", "king", "sea view", "sea facing"),
    "family_room": ("family room", "family", "family suite"),
    "harbor_suite": ("harbor suite", "harbour suite", "suite"),
}
ROOM_TYPE_NAMES = {"standard_double": "Standard Double", "standard_twin": "Standard Twin",
                   "deluxe_king": "Deluxe King", "family_room": "Family Room",
                   "harbor_suite": "Harbor Suite"}
NATO = {"alpha": "A", "alfa": "A", "bravo": "B", "charlie": "C", "delta": "D", "echo": "E",
        "foxtrot": "F", "golf": "G", "hotel": "H", "india": "I", "juliet": "J", "juliett": "J",
        "kilo": "K", "lima": "L", "mike": "M", "november": "N", "oscar": "O", "papa": "P",
        "quebec": "Q", "romeo": "R", "sierra": "S", "tango": "T", "uniform": "U",
        "victor": "V", "whiskey": "W", "whisky": "W", "xray": "X", "x ray": "X",
        "yankee": "Y", "zulu": "Z"}
# Letters as a recognizer writes them ("bee" for b is rare; single letters are the norm).
LETTER_WORDS = {**{c: c.upper() for c in "abcdefghijklmnopqrstuvwxyz"},
                "bee": "B", "see": "C", "sea": "C", "dee": "D", "gee": "G", "jay": "J",
                "kay": "K", "pee": "P", "queue": "Q", "are": "R", "tee": "T", "vee": "V",
                "ex": "X", "why": "Y", "zed": "Z", "zee": "Z"}
CODE_LENGTH = 6
DEPARTMENT_PHRASES: dict[str, tuple[str, ...]] = {
    "front_desk": ("front desk", "reception", "receptionist", "operator", "someone",
                   "somebody", "a person", "a real person", "a human", "human", "a member of staff",
                   "anyone", "front office"),
    "reservations": ("reservations", "reservation team", "bookings team", "booking team"),
    "housekeeping": ("housekeeping", "house keeping", "cleaning team"),
    "room_service": ("room service", "kitchen"),
    "concierge": ("concierge",),
    "manager": ("duty manager", "manager on duty", "the manager", "manager", "supervisor"),
}
TOPIC_WORDS: dict[Topic, tuple[str, ...]] = {
    Topic.BREAKFAST: ("breakfast", "restaurant"),
    Topic.PARKING: ("parking", "park", "car park", "car"),
    Topic.POOL: ("pool", "swimming", "swim"),
    Topic.GYM: ("gym", "fitness"),
    Topic.PETS: ("pets", "pet", "dog", "dogs", "cat"),
    Topic.WIFI: ("wifi", "wi fi", "internet", "wireless", "password"),
    Topic.CHECK_IN: ("check in", "checking in", "check in time", "early check in",
                     "what time can i arrive", "what time can we arrive", "room ready",
                     "room be ready", "get into the room", "get into my room",
                     "get into our room"),
    Topic.CHECK_OUT: ("check out", "checking out", "late check out", "checkout"),
    Topic.SMOKING: ("smoke", "smoking", "cigarette", "vape"),
    Topic.CANCELLATION: ("cancellation policy", "cancellation fee", "cancellation",
                         "cancel without paying", "cancel for free", "if i cancel",
                         "if we cancel", "refundable", "refund", "cancel by",
                         "avoid a charge", "avoid the charge"),
    Topic.ADDRESS: ("address", "located", "location", "where are you", "find you",
                    "postcode", "get to you", "get to the hotel", "directions"),
    # The hotel's number, never the guest's ("my number is ...").
    Topic.PHONE: ("your phone number", "your number", "your telephone number",
                  "the hotel's number", "the hotel's phone number", "number for the hotel",
                  "phone number for the hotel", "how do i call you", "number to call you",
                  "number do i call", "number should i call"),
}
_GUEST_NOUNS = ("people", "persons", "person", "adults", "adult", "guests", "guest", "of us")
_CHILD_NOUNS = ("children", "child", "kids", "kid", "baby", "babies")
_NIGHT_UNITS = {"night": 1, "nights": 1, "week": 7, "weeks": 7, "fortnight": 14}


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def _find_phrase(toks: list[str], phrase: str, start: int = 0) -> int:
    words = phrase.split()
    for i in range(start, len(toks) - len(words) + 1):
        if toks[i:i + len(words)] == words:
            return i
    return -1


def _negated(toks: list[str], i: int) -> bool:
    return (i > 0 and toks[i - 1] in ("not", "instead")) or (
        i > 1 and toks[i - 1] in ("the", "a") and toks[i - 2] == "not")


def _room_mentions(toks: list[str]) -> list[tuple[int, str]]:
    """(position, room-type code) of each room type mentioned and not negated, in order."""
    found: list[tuple[int, str]] = []
    taken: set[int] = set()
    phrases = sorted(((p, code) for code, ps in ROOM_TYPE_PHRASES.items() for p in ps),
                     key=lambda x: -len(x[0].split()))
    for phrase, code in phrases:
        i = _find_phrase(toks, phrase)
        while i >= 0:
            span = set(range(i, i + len(phrase.split())))
            if not span & taken:
                taken |= span
                if not _negated(toks, i):
                    found.append((i, code))
            i = _find_phrase(toks, phrase, i + 1)
    return sorted(found)


def room_types(toks: list[str]) -> list[str]:
    """Every room type mentioned and not negated, in the order first said."""
    return list(dict.fromkeys(code for _, code in _room_mentions(toks)))


def room_type(toks: list[str]) -> str | None:
    """The last room type mentioned and not negated ("not the twin, the double")."""
    found = _room_mentions(toks)
    return found[-1][1] if found else None


_PERSON = frozenset({"wife", "husband", "partner", "son", "daughter", "child", "kid", "baby",
                     "friend", "mum", "mom", "dad", "mother", "father", "brother", "sister",
                     "boyfriend", "girlfriend", "colleague", "fiance", "fiancee", "mate",
                     "grandson", "granddaughter", "nephew", "niece", "teenager"})
_PEOPLE = frozenset({"kids", "children", "friends", "sons", "daughters", "parents", "boys",
                     "girls", "colleagues", "babies", "brothers", "sisters", "grandchildren",
                     "mates", "teenagers"})


def _companions(toks: list[str]) -> int:
    """How many people are listed after "me and": "my wife" 1, "my two kids" 2, "my wife and
    our son" 2, "the kids" 2; 0 when what follows names nobody ("my dog")."""
    total = 0
    for part in " ".join(toks).split(" and "):
        words = [w for w in part.split() if w not in ("my", "our", "the", "his", "her")]
        n = count_at(words, 0)
        start = n.end if n else 0
        noun = words[start] if start < len(words) else ""
        if noun in _PEOPLE:
            total += n.value if n else 2
        elif noun in _PERSON:
            total += 1
        else:
            break
    return total


def guests(toks: list[str], *, bare: bool = False) -> int | None:
    """"three people", "for three", "two adults and a child", "just me", "me and my wife".

    `bare`: a lone number counts (the question was "how many guests?")."""
    text = " ".join(toks)
    m = re.search(r"\b(me|myself|my (wife|husband|partner) and (me|i)|the two of us|us two) and ",
                  text)
    extra = _companions(text[m.end():].split()) if m else 0
    if m and extra:
        return (1 if m.group(1) in ("me", "myself") else 2) + extra
    if re.search(r"\b(just me|only me|myself|on my own|just myself|by myself)\b", text):
        return 1
    if re.search(r"\b(my (wife|husband|partner) and (me|i)|the two of us|us two)\b", text):
        return 2
    total = None
    i = 0
    while i < len(toks):
        n = count_at(toks, i)
        if n is None or _negated(toks, i):
            i += 1
            continue
        after = " ".join(toks[n.end:n.end + 2])
        if any(after == w or after.startswith(w + " ") for w in _GUEST_NOUNS):
            total = n.value
            j = n.end + 1
            if toks[j:j + 1] == ["and"]:
                kids = count_at(toks, j + 1)
                if kids is not None and toks[kids.end:kids.end + 1] and \
                        toks[kids.end] in _CHILD_NOUNS:
                    total += kids.value
            return total
        if toks[n.end:n.end + 1] and toks[n.end] in _CHILD_NOUNS and total is None:
            i = n.end
            continue
        if (i > 0 and toks[i - 1] == "for" and toks[i] not in ("a", "an")
                and not toks[n.end:n.end + 1]) or \
                (i > 0 and toks[i - 1] == "for" and toks[n.end:n.end + 1] in (["please"],
                                                                              ["people"])):
            return n.value
        i = n.end
    if bare:
        found = numbers(toks)
        if len(found) == 1 and 0 < found[0].value < 50:
            return found[0].value
    return None


def nights(toks: list[str], *, bare: bool = False) -> int | None:
    """"two nights", "a couple of nights", "a week", "two weeks", "the weekend"."""
    result = None
    for i in range(len(toks)):
        n = count_at(toks, i)
        if n is None or n.end >= len(toks) or _negated(toks, i):
            continue
        unit = toks[n.end]
        if unit in ("week", "weeks", "fortnight") and toks[i - 1:i] == ["in"]:
            continue  # "in two weeks" is when, not how long
        if unit in _NIGHT_UNITS:
            result = n.value * _NIGHT_UNITS[unit]
            if toks[n.end + 1:n.end + 2] == ["not"]:
                return result
    if result is not None:
        return result
    if "the weekend" in " ".join(toks) and "this weekend" not in " ".join(toks) \
            and "next weekend" not in " ".join(toks):
        return 2
    if bare:
        found = numbers(toks)
        if len(found) == 1 and 0 < found[0].value <= 60:
            return found[0].value
    return None


# Someone joining a stay: "can my friend join us", "my wife will be coming too", "can I bring
# my son", "add my daughter to the booking" (who: `_companions`).
_JOINING = (re.compile(r"\b(?:can|could|may) (?P<who>(?:my|our) [a-z ]+?) (?:join|come|stay)\b"),
            re.compile(r"\b(?P<who>(?:my|our) [a-z ]+?) (?:will be|is|are|will) (?:coming|joining|"
                       r"come|join)(?: (?:too|as well|also)\b| (?:us|me)\b)"),
            re.compile(r"\b(?:bring|add) (?P<who>(?:my|our) [a-z ]+?)(?: to\b| too\b| as well\b|"
                       r" with\b|$)"))


def extra_guests(toks: list[str]) -> int | None:
    """People added to a stay: "another person", "one more guest", "two extra people", "my
    wife will be coming too", "can my friend join me"."""
    text = " ".join(toks)
    if re.search(r"\b(speak|talk) to\b", text):  # "can I speak to another person?"
        return None
    if re.search(r"\b(another|an extra|one more|one extra|add a|add one|an additional) "
                 r"(person|guest|adult|child|kid)\b", text):
        return 1
    m = re.search(r"\b(\w+) (more|extra|additional) (people|guests|adults|children|kids)\b", text)
    if m:
        n = count_at([m.group(1)], 0)
        return n.value if n else None
    for pattern in _JOINING:
        joined = pattern.search(text)
        if joined:
            return _companions(joined.group("who").split()) or None
    return None


def extra_nights(toks: list[str]) -> int | None:
    """"another night", "an extra night", "add a night", "two more nights", "an extra two
    nights", "extend my stay by a night"."""
    text = " ".join(toks)
    if re.search(r"\b(another|an extra|one more|add a|add one|extra) night\b", text) or \
            re.search(r"\b(extend|longer)\b.*\bby (a|an|one) night\b", text):
        return 1
    m = re.search(r"\b(\w+) (more|extra) nights\b", text) or \
        re.search(r"\b(?:an )?extra (\w+) nights\b", text) or \
        re.search(r"\b(?:extend|longer)\b.*\bby (\w+) nights\b", text)
    if m:
        n = count_at([m.group(1)], 0)
        return n.value if n else None
    return None


# First words of a question, which is no answer: "is breakfast included?" chooses no rate,
# "what's the total?" is no name, "what's the cheapest?" chooses no room.
QUESTION_LEADS = frozenset({"what", "what's", "when", "how", "is", "does", "do", "are", "where",
                            "which"})


def rate_plan(toks: list[str]) -> RatePlan | None:
    text = " ".join(toks)
    if re.search(r"\b(room only|without breakfast|no breakfast|just the room|not breakfast)\b",
                 text):
        return RatePlan.ROOM_ONLY
    if re.search(r"\b(bed and breakfast|b and b|with breakfast|breakfast included|"
                 r"include breakfast|including breakfast|add breakfast|bnb)\b", text):
        return RatePlan.BNB
    return None


def cheaper_chosen(toks: list[str]) -> bool:
    """"The cheaper one, please" to the rate question: room only (a question about which is
    cheaper is not a choice)."""
    return bool(toks) and toks[0] not in QUESTION_LEADS and \
        re.search(r"\b(cheaper|cheapest)\b", " ".join(toks)) is not None


def breakfast_chosen(toks: list[str]) -> bool:
    """"Breakfast please", "the breakfast one": said to the rate question, bed and breakfast
    (a question about breakfast is not a choice)."""
    return "breakfast" in toks and toks[0] not in QUESTION_LEADS


_NAME_LEADS = ("my name is", "my name's", "the name is", "the name's", "name is", "it's under",
               "under the name", "under the name of", "booking is under", "book it under",
               "it is", "it's", "this is", "i'm", "i am", "under", "call me", "name")
_NAME_STOP = {"and", "room", "please", "thanks", "thank", "for", "my", "the", "on", "in",
              "calling", "staying", "i", "i'm", "booking", "number", "is", "i'd", "we",
              "we'd", "can", "could", "would", "like", "about", "here", "speaking", "from",
              "with", "at", "to", "arriving", "arrive", "checking", "coming"}


def person_name(toks: list[str], *, bare: bool = False) -> str | None:
    """"my name is anna smith" -> "Anna Smith"; with `bare`, the whole answer is the name."""
    text = " ".join(toks)
    rest: list[str] | None = None
    for lead in sorted(_NAME_LEADS, key=len, reverse=True):
        i = _find_phrase(toks, lead)
        weak = lead in ("it's", "it is", "this is", "i'm", "i am", "under", "name", "call me")
        if i >= 0 and (not weak or bare):
            rest = toks[i + len(lead.split()):]
            break
    if rest is None:
        if not bare or (toks and toks[0] in QUESTION_LEADS):
            return None
        rest = toks
    while rest and rest[0] in ("yes", "yeah", "sure", "it's", "its", "mr", "mrs", "ms", "miss",
                               "doctor", "dr", "a", "the", "oh", "um", "er", "okay", "ok"):
        rest = rest[1:]
    words: list[str] = []
    for w in rest:
        if w in _NAME_STOP or w.isdigit() or w in UNITS:
            break
        words.append(w)
    if not words or len(words) > 4 or text in ("no", "yes"):
        return None
    return " ".join(w.capitalize() for w in words)


def phone_number(toks: list[str]) -> str | None:
    """A spoken phone number ("oh seven seven oh oh nine oh oh one oh five", "plus four four
    ..."): at least ten digits, returned as digits (with + when said). Its length is not
    checked here: see `phone_whole`."""
    for i in range(len(toks)):
        plus = toks[i] == "plus"
        digits, _ = digit_string(toks, i + plus)
        if len(digits) >= 10:
            return ("+" if plus else "") + digits
    return None


def phone_whole(number: str) -> bool:
    """Does `number` (from `phone_number`) have a UK number's length: 11 digits from the
    trunk zero, 10 after +44? A recognizer that drops a repeated "oh" leaves one short, which
    would otherwise be stored and texted. Other countries' numbers vary in length (E.164 allows
    up to 15 digits) and are taken as heard."""
    digits = number.lstrip("+")
    if number.startswith("+44") or (digits.startswith("44") and not number.startswith("+")):
        return len(digits) == 12
    if digits.startswith("0") and not digits.startswith("00"):
        return len(digits) == 11
    return len(digits) <= 15


def confirmation_code(toks: list[str], *, expected: bool = False) -> str | None:
    """A six-character code spelled out with letters, NATO words and digits ("c r t eight n
    two", "charlie romeo tango eight november two", "m for mike"). Only characters from the
    code alphabet count (no I, O, 0 or 1), so "oh" is read as O only when the alphabet has it.
    Unless `expected`, the utterance must mention a code/reference, or say "booking" /
    "reservation" and spell exactly six characters, one a letter."""
    text = " ".join(toks)
    named = expected or re.search(r"\b(code|reference|ref|booking number|confirmation)\b",
                                  text) is not None
    # "cancel booking c r t eight n two": after "booking" only a run of exactly six with a
    # letter in it, not the digits of a phone number ("text my booking to nine eight ...").
    after_booking = re.search(r"\b(booking|reservation)\b", text) is not None
    if not named and not after_booking:
        return None
    text = text.replace("x ray", "xray")
    words = text.split()
    chars: list[str] = []
    best = ""
    i = 0
    while i < len(words):
        w = words[i]
        ch: str | None = None
        if w in NATO:
            ch = NATO[w]
        elif w in LETTER_WORDS and (w not in ("a", "i") or chars or _spelled(words, i + 1)):
            ch = LETTER_WORDS[w]
            if words[i + 1:i + 2] == ["for"] and i + 2 < len(words):  # "m for mike"
                i += 2
        elif w in UNITS and w not in ("oh", "zero"):
            ch = str(UNITS[w])
        elif w == "double" and i + 1 < len(words):
            nxt = words[i + 1]
            one = NATO.get(nxt) or LETTER_WORDS.get(nxt) or (str(UNITS[nxt]) if nxt in UNITS
                                                               else None)
            if one:
                chars += [one, one]
                i += 2
                continue
        elif len(w) > 1 and w.isalnum() and all(c.upper() in CODE_ALPHABET for c in w) and \
                any(c.isdigit() for c in w):
            chars += list(w.upper())
            i += 1
            continue
        if ch is not None and ch in CODE_ALPHABET:
            chars.append(ch)
        else:
            best = _run(chars, named) or best
            chars = []
        i += 1
    return _run(chars, named) or best or None


def _run(chars: list[str], named: bool) -> str:
    """The code a run of spelled characters gives ("" for none); see `confirmation_code`."""
    if len(chars) < CODE_LENGTH:
        return ""
    if not named and (len(chars) != CODE_LENGTH or all(c.isdigit() for c in chars)):
        return ""
    return "".join(chars[-CODE_LENGTH:])


def _spelled(words: list[str], i: int) -> bool:
    """The word at i is part of a spelling: a single letter, a NATO word or a digit."""
    return i < len(words) and (len(words[i]) == 1 or words[i] in NATO or
                               (words[i] in UNITS and words[i] not in ("oh", "zero")))


def room_number(toks: list[str], *, bare: bool = False) -> str | None:
    """"room three oh five" -> "305", "room one twelve" -> "112"."""
    for i, w in enumerate(toks):
        after_room = w == "room" or toks[max(0, i - 2):i + 1] == ["number", "is"] \
            or (w == "is" and toks[max(0, i - 2):i] == ["room", "number"])
        if after_room or (bare and (i == 0 or toks[i - 1] not in UNITS)):
            digits, _ = digit_string(toks, i + 1 if after_room else i)
            if 3 <= len(digits) <= 4:
                return digits
    return None


# Words for "a person" that name no department: the front desk, unless one is named too
# ("someone in reservations" is reservations).
_ANYONE = ("someone", "somebody", "anyone", "a person", "a real person", "a human", "human",
           "a member of staff")


def department(toks: list[str]) -> str | None:
    text = " " + " ".join(toks) + " "
    named = [(key, p) for key, phrases in DEPARTMENT_PHRASES.items() for p in phrases
             if f" {p} " in text]
    for key, p in sorted(named, key=lambda kp: kp[1] in _ANYONE):
        if p in _ANYONE and re.search(r" (group|wedding|conference|event|party) (booking|"
                                      r"bookings|reservation|reservations)\b", text):
            return "reservations"  # "anyone I can talk to about a group booking?"
        if p in ("someone", "somebody", "anyone") and "call me" in text:
            continue
        return key
    return None


def topic(toks: list[str]) -> Topic | None:
    text = " " + " ".join(toks) + " "
    text = re.sub(r" e ?mail address ", " email ", text)  # not where the hotel is
    if re.search(r" (dinner|lunch|evening meal|supper) ", text) and " breakfast " not in text:
        text = text.replace(" restaurant ", " ")  # the facts know it only for breakfast
    for t in (Topic.CANCELLATION, Topic.CHECK_IN, Topic.CHECK_OUT, Topic.BREAKFAST,
              Topic.PARKING, Topic.POOL, Topic.GYM, Topic.PETS, Topic.WIFI, Topic.SMOKING,
              Topic.ADDRESS, Topic.PHONE):
        if any(f" {w} " in text for w in TOPIC_WORDS[t]):
            return t
    return None
