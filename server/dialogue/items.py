"""What guests ask to have brought up: room-service items with quantities ("two club
sandwiches and a pot of tea") and housekeeping items ("extra towels", "two pillows")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from server.dialogue.words import count_at, tokens

# Menu code -> phrases (singular and plural forms; longest are tried first).
MENU_PHRASES: dict[str, tuple[str, ...]] = {
    "club_sandwich": ("club sandwiches", "club sandwich", "clubs", "club", "sandwiches",
                      "sandwich"),
    "margherita_pizza": ("margherita pizzas", "margherita pizza", "margheritas", "margherita",
                         "pizzas", "pizza"),
    "caesar_salad": ("caesar salads", "caesar salad", "caesars", "salads", "salad", "caesar"),
    "fish_and_chips": ("portions of fish and chips", "portion of fish and chips",
                       "fish and chips", "fish and chip", "fish"),
    "chocolate_brownie": ("chocolate brownies", "chocolate brownie", "brownies", "brownie"),
    "pot_of_tea": ("pots of tea", "pot of tea", "cups of tea", "cup of tea", "teas", "tea"),
    "sparkling_water": ("bottles of sparkling water", "bottle of sparkling water",
                        "sparkling waters", "sparkling water", "bottles of water",
                        "bottle of water", "fizzy water", "waters", "water"),
}
MENU_NAMES = {"club_sandwich": "Club sandwich", "margherita_pizza": "Margherita pizza",
              "caesar_salad": "Caesar salad", "fish_and_chips": "Fish and chips",
              "chocolate_brownie": "Chocolate brownie", "pot_of_tea": "Pot of tea",
              "sparkling_water": "Sparkling water"}
HOUSEKEEPING_WORDS = ("towels", "towel", "pillows", "pillow", "blanket", "blankets",
                      "toiletries", "shampoo", "soap", "toilet paper", "toilet roll",
                      "hair dryer", "hairdryer", "iron", "coffee pods", "coffee", "tea bags",
                      "sheets", "bedding", "duvet", "slippers", "robe", "robes", "cot",
                      "conditioner", "shower gel", "toothbrush", "toothpaste", "hangers",
                      "milk", "ironing board", "ice")
_HK_ADJ = ("extra", "fresh", "clean", "more", "bath", "hand", "feather free", "spare", "new")
_MAINTENANCE = ("broken", "not working", "isn't working", "doesn't work", "leak",
                "leaking", "blocked", "no hot water", "stopped working", "flickering", "fix",
                "too cold", "too hot", "freezing", "no heating", "smell", "smells", "smelly",
                "damp", "mould", "mold")
_CLEANING = (r"\b(clean|tidy|make up|service|hoover|vacuum) (up )?(my|the|our) (room|bathroom)\b|"
             r"\b(room|bathroom) (be |to be |get |got )?(cleaned|tidied|made up|serviced)\b|"
             r"\b(hasn't|has not|wasn't|was not|isn't|haven't) been (cleaned|made up|serviced)\b|"
             r"\b(room cleaning|housekeeping service|tidy up)\b")
# "Can someone take away the room service tray?": not an order.
TRAY_COLLECTION = "tray collection"
_TRAY = (r"\b(take away|collect|pick up|remove|clear) (the |my |our )?(room service )?"
         r"(tray|dishes|plates)\b")
# The request for no visit: the guest's words ("tomorrow morning") go to staff with it.
DO_NOT_DISTURB = "do not disturb"
# "Please don't clean the room today", "don't disturb us tomorrow morning".
_NO_CLEANING = (r"\b(don't|do not) (clean|disturb)\b|\bno need to clean\b|"
                r"\b(don't|do not) need (housekeeping|cleaning|the room cleaned|our room cleaned|"
                r"my room cleaned)\b")
# When a visit is wanted, in the guest's words: "later this afternoon", "after lunch", "at
# three o'clock", "in about an hour", "while we're at breakfast". Said back after "someone
# will come"; none means as soon as possible.
_CLOCK = (r"(?:(?:half|quarter) (?:past|to) )?(?:one|two|three|four|five|six|seven|eight|nine|"
          r"ten|eleven|twelve|\d{1,2})(?: (?:o'clock|o clock|fifteen|thirty|forty five|\d\d))?"
          r"(?: (?:am|pm|a m|p m|in the (?:morning|afternoon|evening)))?")
_VISIT_TIMING = re.compile(
    r"\b(?:(?:while|when) (?:we're|we are|i'm|i am) (?P<away>out(?: for (?:the day|dinner|"
    r"lunch|breakfast))?|away|at (?:breakfast|dinner|lunch|the pool|the gym|the spa))"
    r"|in (?:about |around )?(?:an hour|half an hour|a few minutes|a couple of hours|"
    r"(?:\w+ ){1,2}(?:minutes|hours))"
    r"|(?:after|before|around|at|about|by) (?:breakfast|lunch|lunchtime|dinner|noon|midday|"
    + _CLOCK + r")"
    r"|later (?:on|today|this (?:morning|afternoon|evening))|(?:this|tomorrow) (?:morning|"
    r"afternoon|evening)|tomorrow|tonight|later|today)\b")


def visit_timing(lines: list[str]) -> str | None:
    """When the guest wants housekeeping or maintenance to come (or to stay away), as words
    that follow "someone will come" ("tomorrow morning", "while you're at breakfast")."""
    said: list[str] = []
    for line in lines:
        for m in _VISIT_TIMING.finditer(" ".join(tokens(line))):
            said.append(f"while you're {m['away']}" if m["away"] else m[0])
    return " ".join(dict.fromkeys(said)) or None


# Words kept before a housekeeping item: how many, and which kind ("two bath towels").
_HK_LEAD = ("a", "an", "another", "two", "three", "four", "five", "six", *_HK_ADJ)
_ORDER_LEADS = ("order", "have", "get", "like", "want", "send", "bring", "add")


@dataclass(frozen=True)
class OrderLine:
    """One menu item with how many."""

    code: str
    quantity: int
    counted: bool = field(default=True, compare=False)  # said with a number ("two pizzas")

    @property
    def name(self) -> str:
        return MENU_NAMES[self.code]


def menu_items(toks: list[str]) -> list[OrderLine]:
    """Menu items with quantities, in the order said; repeats are added together."""
    taken = [False] * len(toks)
    found: list[tuple[int, OrderLine]] = []
    phrases = sorted(((p, code) for code, ps in MENU_PHRASES.items() for p in ps),
                     key=lambda x: -len(x[0].split()))
    for phrase, code in phrases:
        words = phrase.split()
        for i in range(len(toks) - len(words) + 1):
            if toks[i:i + len(words)] != words or any(taken[i:i + len(words)]):
                continue
            if words[0].startswith("water") and i > 0 and toks[i - 1] in _NOT_DRINKING:
                continue  # "there's no hot water" is a fault, not an order
            for k in range(i, i + len(words)):
                taken[k] = True
            qty: int | None = None
            for back in (1, 2, 3):  # "two club", "a couple of", "two more"
                j = i - back
                if j < 0 or taken[j]:
                    break
                n = count_at(toks, j)
                if n is not None and (n.end == i or toks[n.end:i] == ["more"]):
                    qty = n.value
                    break
            # "a margherita" names the item; "two margheritas" also says how many.
            counted = qty is not None and toks[i - 1] not in ("a", "an")
            found.append((i, OrderLine(code, qty or 1, counted=counted)))
    merged: dict[str, OrderLine] = {}
    for _, line in sorted(found, key=lambda x: x[0]):
        old = merged.get(line.code)
        merged[line.code] = line if old is None else OrderLine(
            line.code, old.quantity + line.quantity, counted=old.counted or line.counted)
    return list(merged.values())


_NOT_DRINKING = ("hot", "cold", "no", "running", "dirty", "brown")


def bare_count(toks: list[str]) -> int | None:
    """A number said alone to change how many of the one item ordered: "make that two",
    "no, three please"."""
    text = " ".join(toks)
    m = re.fullmatch(r"((no|actually|sorry|oh)\s+)*((make (that|it)|can (i|we) have|"
                     r"i'll have|we'll have|i'd like|we'd like)\s+)?(?P<n>.+?)"
                     r"(\s+(please|of them|instead|thanks))?", text)
    if m is None:
        return None
    start = len(text[:m.start("n")].split())
    n = count_at(toks, start)
    return n.value if n is not None and n.end == len(text[:m.end("n")].split()) else None


def unknown_item(toks: list[str]) -> str | None:
    """What was asked for when it is not on the menu: the words after "order"/"have"/"get"."""
    text = " ".join(toks)
    m = re.search(r"\b(?:order|have|get|like|want|send|bring)\s+(?:me\s+|us\s+|to\s+order\s+)?"
                  r"(?:some\s+|a\s+|an\s+|one\s+|two\s+|three\s+)?([a-z ]+?)"
                  r"(?:\s+(?:please|to room.*|sent.*|for room.*))?$", text)
    if not m:
        return None
    what = m.group(1).strip()
    if not what or what in ("room service", "some food", "food", "something", "to order"):
        return None
    return what


_NOT_AN_ITEM = frozenset({"that's", "that", "all", "it", "everything", "thanks", "thank", "you",
                          "please", "room", "me", "us", "the", "also", "then", "i", "we"})


# How an order is to be made, for the kitchen: "with no cheese", "but no mayo", "without
# onions", "hold the sauce", "I'm allergic to nuts", "gluten free".
_ORDER_NOTES = re.compile(
    r"\b(?:(?:with|but|and) (?P<no>no [a-z]+(?: [a-z]+)?)|(?P<without>without (?:any )?"
    r"[a-z]+)|hold the (?P<hold>[a-z]+)|(?P<allergy>(?:allergic to|an allergy to) [a-z]+|"
    r"(?:a )?[a-z]+ allergy)|(?P<free>(?:gluten|dairy|nut|lactose) free))\b")
_NOTE_TAIL = re.compile(r" (please|thanks|thank you|as well|too|and|on it|in it)$")


def order_notes(toks: list[str]) -> list[str]:
    """What the guest asked of the dishes ("no cheese", "allergic to nuts"), in their words."""
    notes: list[str] = []
    for m in _ORDER_NOTES.finditer(" ".join(toks)):
        note = m["no"] or m["without"] or m["allergy"] or m["free"] or f"no {m['hold']}"
        while _NOTE_TAIL.search(note):
            note = _NOTE_TAIL.sub("", note)
        notes.append(note)
    return notes


def also_asked(toks: list[str]) -> str | None:
    """Something asked for after a menu item that is not one ("a club sandwich and a coke" ->
    "coke"): it was dropped without a word."""
    text = f" {' '.join(toks)} "
    for phrase in sorted((p for ps in MENU_PHRASES.values() for p in ps), key=len,
                         reverse=True):
        text = text.replace(f" {phrase} ", " ITEM ")
    m = re.search(r" ITEM (?:and|with|plus) (?:a |an |some |one |two |three |a glass of |"
                  r"a bottle of |a cup of |a can of )?([a-z']+(?: [a-z']+){0,2}?)"
                  r"(?: please| thanks| to room .*| for room .*)? $", text)
    if m is None or housekeeping_items(toks):
        return None
    what = m.group(1)
    if what.startswith("no "):
        return None  # "a pizza with no cheese": how it is made, not another item
    return None if set(what.split()) & _NOT_AN_ITEM else what


def housekeeping_items(toks: list[str]) -> list[str]:
    """Phrases for what housekeeping should bring or do ("extra towels", "two pillows",
    "room cleaning")."""
    text = " ".join(toks)
    out: list[str] = []
    if re.search(_NO_CLEANING, text):
        out.append(DO_NOT_DISTURB)
    elif re.search(_CLEANING, text):
        out.append("room cleaning")
    if re.search(_TRAY, text):
        out.append(TRAY_COLLECTION)
    for word in sorted(HOUSEKEEPING_WORDS, key=lambda w: -len(w.split())):
        m = re.search(rf"\b((?:\w+ )?(?:(?:{'|'.join(_HK_ADJ)}) )?){word}\b", text)
        if not m or any(re.search(rf"\b{word}\b", o) for o in out):
            continue
        lead = " ".join(m.group(1).split())
        adj = next((a for a in _HK_ADJ if lead.endswith(a) and a != "more"), "")
        first = lead[:len(lead) - len(adj)].split()
        # "two more pillows": the number before "more"
        words = [w for w in [w for w in first if w != "more"][-1:] if w in _HK_LEAD]
        words += adj.split()
        phrase = " ".join([*words, word]).strip()
        out.append(phrase)
    return out


# "There's a problem with the air conditioning": a fault when a thing in the room is named
# (not "a problem with my booking").
_FAULTY = re.compile(r"\b(problem|something wrong|an issue|a fault) with (the|my|our) (shower|tv|"
                     r"television|heating|heater|air conditioning|air con|aircon|kettle|toilet|"
                     r"light|lights|hair dryer|fridge|radiator|safe|key card|door|lock|sink|"
                     r"bath|taps?|curtains|window|windows|wifi|wi fi|internet|remote)\b")


# "The tv won't turn on", "the door won't lock" (not "i won't like to book a room", as a
# phone line heard "i would like ...").
_WONT = re.compile(r"\bwon't (turn|switch|come|work|open|close|shut|lock|unlock|flush|drain|"
                   r"start|stop|heat|warm|cool|charge|connect|go)\b")


def is_maintenance(toks: list[str]) -> bool:
    text = " ".join(toks)
    return any(p in text for p in _MAINTENANCE) or _FAULTY.search(text) is not None or \
        _WONT.search(text) is not None
