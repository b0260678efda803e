"""What guests ask to have brought up: room-service items with quantities ("two club
sandwiches and a pot of tea") and housekeeping items ("extra towels", "two pillows")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from server.dialogue.words import count_at

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
                      "milk")
_HK_ADJ = ("extra", "fresh", "clean", "more", "bath", "hand", "feather free", "spare", "new")
_MAINTENANCE = ("broken", "not working", "isn't working", "doesn't work", "won't", "leak",
                "leaking", "blocked", "no hot water", "stopped working", "flickering", "fix")
_CLEANING = ("clean my room", "clean the room", "room cleaned", "make up the room",
             "make up my room", "hasn't been cleaned", "room cleaning", "service the room",
             "tidy")
_ORDER_LEADS = ("order", "have", "get", "like", "want", "send", "bring", "add")


@dataclass(frozen=True)
class OrderLine:
    """One menu item with how many."""

    code: str
    quantity: int

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
            for k in range(i, i + len(words)):
                taken[k] = True
            qty = 1
            for back in (1, 2, 3):  # "two club", "a couple of", "two more"
                j = i - back
                if j < 0 or taken[j]:
                    break
                n = count_at(toks, j)
                if n is not None and (n.end == i or toks[n.end:i] == ["more"]):
                    qty = n.value
                    break
            found.append((i, OrderLine(code, qty)))
    merged: dict[str, int] = {}
    for _, line in sorted(found, key=lambda x: x[0]):
        merged[line.code] = merged.get(line.code, 0) + line.quantity
    return [OrderLine(code, q) for code, q in merged.items()]


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


def housekeeping_items(toks: list[str]) -> list[str]:
    """Phrases for what housekeeping should bring or do ("extra towels", "two pillows",
    "room cleaning")."""
    text = " ".join(toks)
    out: list[str] = []
    if any(p in text for p in _CLEANING) and "don't clean" not in text:
        out.append("room cleaning")
    if "don't clean" in text or "do not clean" in text or "do not disturb" in text:
        out.append("no cleaning today")
    for word in sorted(HOUSEKEEPING_WORDS, key=lambda w: -len(w.split())):
        m = re.search(rf"\b((?:\w+ )?(?:{'|'.join(_HK_ADJ)} )?){word}\b", text)
        if not m or any(word in o for o in out):
            continue
        lead = m.group(1).strip().split()
        words = [w for w in lead if w not in ("some", "a", "an", "me", "more", "of", "up",
                                              "get", "have", "need", "of")]
        phrase = " ".join([*words, word]).strip()
        out.append(phrase)
    return out


def is_maintenance(toks: list[str]) -> bool:
    text = " ".join(toks)
    return any(p in text for p in _MAINTENANCE)
