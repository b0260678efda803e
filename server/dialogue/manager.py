"""`DialogueManager`: the offline engine's dialogue, text in and text out.

Each guest utterance is parsed once (`understand`), then routed: call-wide requests first
(transfer, callback, repeat, goodbye), then the answer to the agent's pending yes/no question,
then a new task, then the slots of the task in progress. Every action goes through
`execute_voice_tool`, the same path the Realtime engine uses.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy.exc import SQLAlchemyError

from server.dialogue import booking_flow, calls_flow, reservation_flow, service_flow, slots
from server.dialogue.conversation import BookingDraft, Conversation, Pending, Say
from server.dialogue.dates import parse_time
from server.dialogue.hearing import HeardWords, content_confidence, matches
from server.dialogue.intents import (
    EARLY_OR_LATE,
    SEVERAL_ROOMS,
    Intent,
    asks_total,
    names_department,
    referral,
)
from server.dialogue.pending import answer, anything_else
from server.dialogue.reply import Outcome, Reply
from server.dialogue.speech import (
    PHONE_AGAIN,
    QUESTIONS,
    REFERRAL_LEADS,
    SORRY_AGAIN,
    offer,
)
from server.dialogue.understanding import Understood, understand
from server.dialogue.words import normalize
from server.dialogue.yesno import Answer
from server.hotel import lookup
from server.hotel.enums import Topic
from server.hotel.speech_format import say_room
from server.tools import ToolContext

log = logging.getLogger(__name__)

STANDARD_GREETING = "Thank you for calling Harbor View Hotel, how can I help you?"
TASKS = (Intent.BOOK, Intent.AVAILABILITY, Intent.CHANGE, Intent.CANCEL, Intent.HOUSEKEEPING,
         Intent.ROOM_SERVICE, Intent.INFO, Intent.SMS, Intent.MY_BOOKING, Intent.ROOMS)
# Requests that answer any question (the dialogue handles them whatever was asked).
CALL_WIDE = (Intent.REPEAT, Intent.TRANSFER, Intent.CALLBACK, Intent.BYE, Intent.DROP)
# Commitments that need the guest to have heard the question before a "yes" counts.
COMMITS = (Pending.CONFIRM_BOOKING, Pending.CONFIRM_CHANGE, Pending.CONFIRM_CANCEL,
           Pending.ACCEPT_CHARGE, Pending.CONFIRM_ORDER, Pending.CONFIRM_CALLBACK,
           Pending.CONFIRM_SMS)


@dataclass(frozen=True, slots=True)
class _Held:
    """A task's question set aside for a transfer offer: its pending yes/no (if any), what the
    answer fills, and the question to ask again."""

    pending: Pending | None
    expecting: str
    question: str


# The call's outcome is its most consequential task's, in this order.
OUTCOME_RANK = (Outcome.BOOKED, Outcome.MODIFIED, Outcome.CANCELLED, Outcome.ROOM_SERVICE_ORDERED,
                Outcome.HOUSEKEEPING_REQUESTED, Outcome.CALLBACK_SCHEDULED, Outcome.TRANSFERRED,
                Outcome.SMS_SENT, Outcome.AVAILABILITY_GIVEN, Outcome.INFO_GIVEN,
                Outcome.COMPLETED, Outcome.ABANDONED)


# Slots read back before committing (so a misheard one is caught): the booking's, with the name
# ("... under the name Peter King": over a phone line a name heard right can have a posterior
# under the floor, "peter king", 0.11, as the second hypothesis), and a callback's time.
READ_BACK_SLOTS = frozenset({"check_in", "check_out", "nights", "guests", "room_type", "rate_plan",
                             "guest_name", "when"})

# What a bare answer to each slot question must contain to count as an answer.
_SLOT_FITS: dict[str, Callable[[Understood], bool]] = {
    "check_in": lambda u: u.check_in is not None or u.check_out is not None,
    "check_out": lambda u: u.check_in is not None or u.check_out is not None,
    "nights": lambda u: u.nights is not None or u.extra_nights is not None,
    "guests": lambda u: u.guests is not None,
    "room_type": lambda u: u.room_type is not None,
    "rate_plan": lambda u: u.rate_plan is not None,
    # A booking needs a full name: "tom green" answers, "tom please" is likely a mishearing.
    "guest_name": lambda u: u.name is not None and len(u.name.split()) >= 2,
    "phone": lambda u: u.phone is not None,
    "confirmation_code": lambda u: (u.code is not None or reservation_flow.no_code(u)
                                    or reservation_flow.full_name(u) is not None),
    "booking_name": lambda u: reservation_flow.full_name(u) is not None,
    "arrival": lambda u: u.check_in is not None,
    "room_number": lambda u: u.room_number is not None,
    "items": lambda u: bool(u.menu or u.housekeeping or u.maintenance),
    "changes": lambda u: u.has_booking_slots,
}


# Semantic endpointing: the pause after which a turn that fits is taken as whole (the VAD's
# hangover, 600 ms, ends every other turn).
ANSWER_PAUSE_MS = 200  # an answer to the question just asked, or a whole short question
REQUEST_PAUSE_MS = 400  # a request when nothing was asked


def _refers_back(u: Understood) -> bool:
    """A question about "it" with no topic of its own ("how much is it?", "is it free?")."""
    return (u.topic is None and bool(u.toks) and u.toks[0] in (
        "how", "what", "what's", "when", "is", "are", "does", "do", "can", "will")
        and any(w in u.toks for w in ("it", "it's", "that", "they", "them", "there")))


def _is_request(u: Understood) -> bool:
    """A recognisable task or booking detail (what counts when no question is pending)."""
    return u.intent is not Intent.NONE or u.has_booking_slots


def _is_whole(u: Understood) -> bool:
    """A request with nothing left to add: a question about one hotel fact ("what time is
    breakfast"), "repeat that", "goodbye", or a transfer to a named department. Unlike a
    booking request ("a double room..." "...from friday"), details rarely follow."""
    if u.intent is Intent.INFO:
        return u.topic is not None
    if u.intent is Intent.TRANSFER:
        return u.department is not None
    return u.intent in (Intent.REPEAT, Intent.BYE)


# Words that open a second request after "and": "... and what time is breakfast?".
_SECOND_LEADS = frozenset({"what", "what's", "when", "where", "is", "are", "do", "does", "can",
                           "could", "how", "also"})


def _is_fact_question(u: Understood) -> bool:
    return u.intent is Intent.INFO and u.topic is not None


def _without_question(text: str) -> str:
    """`text` without its closing question ("... Is there anything else I can help you
    with?"), to say another answer before it."""
    if not text.endswith("?"):
        return text
    cut = max(text.rstrip("?").rfind(". "), text.rstrip("?").rfind("! "))
    return text[:cut + 1] if cut >= 0 else ""


def _part_of_day(hour: int) -> str:
    return "Good morning" if hour < 12 else "Good afternoon" if hour < 18 else "Good evening"


class DialogueManager:
    """One call's dialogue. Not thread-safe; one instance per call."""

    def __init__(self, context: ToolContext, *, min_confidence: float = 0.45,
                 min_confidence_expected: float = 0.15, min_request_confidence: float = 0.45,
                 silence_s: float = 7.0, misses_before_transfer: int = 2) -> None:
        self._conv = Conversation(context)
        self._min_confidence = min_confidence
        # An answer to the question just asked ("yes" after "shall I book it?", a name after
        # "may I have the name?") is believed at a lower recognizer confidence: the
        # recognizer's word posteriors are low for short answers even when they are right.
        self._min_confidence_expected = min(min_confidence, min_confidence_expected)
        # With no question pending, a request is doubted when the recognizer was unsure both
        # of the whole utterance and of its content words (`hearing.content_confidence`):
        # nonsense comes out as hotel words, with the glue words sure and the content not.
        self._min_request_confidence = min_request_confidence
        self._heard: tuple[tuple[str, float], ...] = ()
        self._silence_s = silence_s
        self._misses_before_transfer = misses_before_transfer
        self._misses = 0
        self._silences = 0
        self._last: Reply | None = None
        # The last parse, by (text, date, expectation): `choose()` and `answers()` parse what
        # `handle()` then gets, so one turn's text is understood once.
        self._parsed: tuple[tuple[str, dt.date, str | None], Understood] | None = None
        self._unheard_question: str | None = None
        # The task's question a transfer offer interrupted ("can I pay when I arrive?" asked
        # for the booking's name): asked again if the guest declines.
        self._held: _Held | None = None
        self._codes: tuple[str, ...] = ()
        self.ended = False

    @property
    def conversation(self) -> Conversation:
        """The dialogue state (for tests and the console)."""
        return self._conv

    async def greeting(self) -> Reply:
        """Greets known callers by name (from get_caller_history), others with the standard
        greeting."""
        conv = self._conv
        conv.calls = []
        text = STANDARD_GREETING
        if conv.ctx.caller_e164 is not None:
            result = await conv.tool("get_caller_history")
            names = result.data.get("names")
            if result.ok and isinstance(names, list) and names:
                conv.caller_name = str(names[0])
                stays = result.data.get("stays")
                for s in stays if isinstance(stays, list) else []:
                    if isinstance(s, dict) and s.get("status") == "checked_in" \
                            and s.get("room_number"):
                        conv.caller_room = str(s["room_number"])
                first = conv.caller_name.split()[0]
                text = (f"{_part_of_day(conv.ctx.now().hour)} {first}, thank you for calling "
                        "Harbor View Hotel. How can I help you today?")
        return self._reply(Say(text), None)

    def heard(self, words: HeardWords) -> None:
        """The recognizer's words with their confidences, for the text `handle()` gets next
        (ignored if that text is not these words, e.g. an n-best alternative was chosen)."""
        self._heard = tuple((w, c) for w, c in words)

    @property
    def listening_codes(self) -> tuple[str, ...]:
        """The hotel's live booking codes while the agent waits for one to be spelled, for
        the recognizer to listen for; () otherwise."""
        return self._codes

    async def handle(self, text: str, *, confidence: float = 1.0) -> Reply:
        """One guest utterance (recognizer output) -> the agent's answer."""
        two = self._two_requests(text)
        reply = await (self._answer(text, confidence) if two is None
                       else self._answer_both(*two, confidence=confidence))
        self._codes = await self._live_codes() if reply.expecting == "confirmation_code" else ()
        return reply

    def _two_requests(self, text: str) -> tuple[str, str, Understood] | None:
        """A question about a hotel fact joined to another request or answer ("two nights,
        and is breakfast included?", "can I get some towels and what time is breakfast?"):
        the two halves and the second's parse, else None."""
        toks = normalize(text).split()
        for i, word in enumerate(toks[1:-2], start=1):
            if word != "and" or toks[i + 1] not in _SECOND_LEADS:
                continue
            first, second = " ".join(toks[:i]), " ".join(toks[i + 1:])
            a, b = self._understand(first), understand(second, self._conv.today())
            if a.intent not in (*TASKS, Intent.REFER) and \
                    not (self._conv.expecting and self._fits(a)):
                continue  # "hello, and what time is breakfast?" is the question alone
            if b.intent is Intent.NONE or not (_is_fact_question(a) or _is_fact_question(b)):
                continue
            # Not a question about the same fact ("is there a pool, and what time does it
            # open?", "can I check out late and what time is check-out?"): one answer.
            if a.topic != b.topic and not (b.intent is Intent.INFO and b.topic is None):
                return first, second, b
        return None

    async def _answer_both(self, first: str, second: str, u: Understood, *,
                           confidence: float) -> Reply:
        """Both halves of a two-request utterance (`u`: the second, as parsed with no question
        asked), answered in one reply: the second once the first is done, or, if it is a fact
        question, before the first's question again."""
        conv = self._conv
        one = await self._answer(first, confidence)
        if one.end_call or self._misses:
            return one
        if conv.pending is Pending.ANYTHING_ELSE:
            two = await self._answer(second, 1.0)
        elif conv.expecting is not None and _is_fact_question(u):
            conv.calls = []  # the fact, then the first half's question again
            two = self._reply(await self._aside(u), u.intent)
        else:
            return one
        outcomes = [Outcome(o) for o in (one.outcome, two.outcome) if o is not None]
        both = Reply(text=f"{_without_question(one.text)} {two.text}".strip(),
                     tool_calls=one.tool_calls + two.tool_calls, end_call=two.end_call,
                     outcome=min(outcomes, key=OUTCOME_RANK.index).value if outcomes else None,
                     intent=one.intent or two.intent, expecting=two.expecting)
        self._last = both
        return both

    async def _live_codes(self) -> tuple[str, ...]:
        """The hotel's live codes, for the recognizer to listen for; () if they cannot be
        read (the code is then heard without them)."""
        try:
            return tuple(await self._conv.hotel_rows(functools.partial(
                lookup.live_codes, today=self._conv.today())))
        except SQLAlchemyError:
            log.exception("call %s: live booking codes not read", self._conv.ctx.call_id)
            return ()

    async def _answer(self, text: str, confidence: float) -> Reply:
        conv = self._conv
        conv.calls = []
        self._silences = 0
        heard, self._heard = self._heard, ()
        if not normalize(text):
            return self._miss()
        u = self._understand(text)
        fits = self._fits(u)
        if fits and conv.expecting is None and matches(heard, text) and \
                max(confidence, content_confidence(heard)) < self._min_request_confidence:
            return self._miss()  # a request nobody asked for, neither it nor its words heard
        # A booking detail that answers the question asked is believed at any confidence: the
        # whole booking is read back and confirmed before anything is committed (8 kHz phone
        # audio gives right answers like "bed and breakfast" posteriors under the floor).
        read_back = fits and conv.expecting in READ_BACK_SLOTS
        if (confidence < self._min_confidence_expected and not read_back) or \
                (confidence < self._min_confidence and not fits):
            return self._miss()
        if u.intent is Intent.REPEAT and u.answer is Answer.NONE:
            return self._repeat()
        if asks_total(u.text) and conv.task in (Intent.BOOK, Intent.AVAILABILITY) and \
                conv.pending is None and conv.expecting is not None and \
                not u.has_booking_slots and \
                (total := booking_flow.stay_total(conv.booking)) is not None:
            # The rates were said a night at a time: the stay's total, then the question again.
            return self._reply(self._ask_again(conv.expecting, total), u.intent)
        if conv.expecting == "rate_plan" and u.rate_plan is None and \
                (compared := booking_flow.rates_compared(conv.booking, u)) is not None:
            return self._reply(self._ask_again("rate_plan", compared), u.intent)
        if asks_total(u.text) and self._last is not None and "pounds" in self._last.text \
                and conv.expecting not in (None, Pending.ANYTHING_ELSE.value) \
                and not u.has_booking_slots and not u.menu:
            return self._repeat()  # a read-back or the rates just asked about: it has the price
        if conv.expecting == "phone" and u.phone_short is not None:
            return self._miss(PHONE_AGAIN)  # a digit lost or doubled: not a number to store
        if (self._unheard_question and conv.pending in COMMITS and u.answer is Answer.YES
                and not u.has_booking_slots):
            question, self._unheard_question = self._unheard_question, None
            return self._reply(Say(f"Just to check: {question[0].lower()}{question[1:]}",
                                   expecting=conv.expecting), u.intent)
        self._unheard_question = None
        say = await self._route(u)
        if say is None:
            return self._miss()
        self._misses = 0
        return self._reply(say, u.intent)

    def choose(self, hypotheses: Sequence[str]) -> str:
        """The first of the recognizer's hypotheses (best first) that answers what the agent
        just asked, else the best one: n-best re-ranking against the expectation."""
        if not hypotheses:
            return ""
        if self._conv.expecting is None:
            return hypotheses[0]  # no question asked: nothing to re-rank against
        best = self._understand(hypotheses[0]) if normalize(hypotheses[0]) else None
        if best is not None and best.intent in CALL_WIDE:
            # "Say that again" answers any question: "great that again", the third
            # hypothesis, was taken as a yes to "anything else?".
            return hypotheses[0]
        for text in hypotheses:
            if normalize(text) and self._fits(self._understand(text)):
                return text
        return hypotheses[0]

    def answers(self, partial_text: str, paused_ms: int) -> bool:
        """Is what the guest has said so far, followed by a `paused_ms` silence, a whole turn?
        The engine then ends the turn at once (semantic endpointing). An answer to the question
        just asked is whole after 200 ms, except a bare "no" (a correction usually follows:
        "no, two nights"), and so is a question about one hotel fact; any other recognisable
        request after 400 ms (the guest may be adding details; one who goes on simply barges
        in)."""
        conv = self._conv
        if not normalize(partial_text):
            return False
        u = self._understand(partial_text)
        if u.answer is Answer.NO:
            return False
        # A phone number of the wrong length is whole too: the recognizer's final pass may
        # still find the digit its partial lost, and if not, `handle()` asks again.
        number = conv.expecting == "phone" and u.phone_short is not None
        if (conv.expecting is not None and self._fits(u)) or number or _is_whole(u):
            return paused_ms >= ANSWER_PAUSE_MS
        return paused_ms >= REQUEST_PAUSE_MS and _is_request(u)

    def _understand(self, text: str) -> Understood:
        key = (text, self._conv.today(), self._conv.expecting)
        if self._parsed is None or self._parsed[0] != key:
            self._parsed = (key, understand(text, key[1], expecting=key[2]))
        return self._parsed[1]

    def _fits(self, u: Understood) -> bool:
        """Does `u` answer the question just asked (or, with none pending, ask for a task)?"""
        conv = self._conv
        expecting = conv.expecting
        if conv.pending is Pending.CONFIRM_SPELLING and expecting == conv.pending.value:
            return booking_flow.spelling_choice(conv, u) is not None or \
                u.answer is not Answer.NONE
        if conv.pending is Pending.WHICH_END:
            return booking_flow.says_leaving(u) is not None
        if conv.pending is not None and expecting == conv.pending.value:
            return u.answer is not Answer.NONE
        if expecting is None:
            return _is_request(u)
        if expecting == "when":
            return parse_time(u.text, conv.ctx.now()) is not None
        slot = _SLOT_FITS.get(expecting)
        return slot(u) if slot is not None else u.intent is not Intent.NONE

    async def on_silence(self, seconds: float) -> Reply | None:
        """A long silence: first check in, then end the call (outcome "abandoned")."""
        if self.ended or seconds < self._silence_s:
            return None
        conv = self._conv
        conv.calls = []
        self._silences += 1
        if self._silences == 1:
            return self._reply(Say("Are you still there?", expecting=conv.expecting), None)
        await conv.tool("end_call", reason=Outcome.ABANDONED.value)
        return self._reply(Say("I'm sorry, I can't hear you, so I'll end the call now. Please "
                               "call us back any time. Goodbye!", outcome=Outcome.ABANDONED,
                               end_call=True), None)

    def on_interrupted(self, spoken_text: str) -> None:
        """The guest cut the agent off; `spoken_text` is what they actually heard. If they
        missed a confirmation question, a bare "yes" is checked once before committing."""
        question = self._last_question()
        if not question or self._last is None:
            return
        if len(spoken_text.strip()) < len(self._last.text) - len(question):
            self._unheard_question = question

    # --- routing ---------------------------------------------------------------------

    async def _route(self, u: Understood) -> Say | None:
        conv = self._conv
        if u.intent is Intent.DROP:
            conv.reset_task()
            return anything_else(conv)
        if conv.task is Intent.CALLBACK and names_department(u.text) and \
                u.department is not None and \
                conv.expecting in ("when", Pending.CONFIRM_CALLBACK.value):
            # Who should call, not a transfer: said to the time question, or to the read-back.
            conv.pending = None
            return await calls_flow.callback_step(conv, u)
        if u.intent is Intent.TRANSFER and not (conv.pending is Pending.OFFER_TRANSFER
                                                and u.answer is Answer.YES):
            return await calls_flow.transfer(conv, u.department or "front_desk",
                                             self._reason())
        if u.intent is Intent.CALLBACK and conv.pending not in (Pending.OFFER_CALLBACK,
                                                                 Pending.CONFIRM_CALLBACK):
            if conv.task is not Intent.CALLBACK:
                conv.reset_task()
                conv.task = Intent.CALLBACK
            return await calls_flow.callback_step(conv, u)
        held = self._held if conv.pending is Pending.OFFER_TRANSFER else None
        self._held = held
        if held is not None and u.answer is Answer.NO and u.intent in (Intent.NONE,
                                                                       Intent.THANKS):
            self._held = None
            conv.pending, conv.expecting = held.pending, held.expecting
            return Say(f"No problem. {held.question}".strip(), expecting=held.expecting)
        if conv.pending is not None:
            said = await answer(conv, u)
            if said is not None:
                return said
            if conv.pending is Pending.ANYTHING_ELSE and u.answer is Answer.NO \
                    and u.intent in (Intent.NONE, Intent.BYE, Intent.THANKS):
                return await self._goodbye()
        if u.intent is Intent.BYE or (u.intent is Intent.THANKS and u.answer is Answer.NO):
            return await self._goodbye()
        if conv.task is None and conv.expecting is None and conv.outcomes and \
                u.answer is Answer.NO and u.intent is Intent.NONE and len(u.toks) <= 3:
            return await self._goodbye()  # "no thanks", after "what can I do for you?"
        if u.topic is None and conv.last_topic is Topic.PARKING and _refers_back(u) and \
                u.intent is Intent.BOOK and not u.has_booking_slots:
            # "Do I need to book it?" right after the parking answer: not a room.
            u = replace(u, topic=Topic.PARKING, intent=Intent.REFER)
        if u.topic is None and conv.last_topic is not None and _refers_back(u) and \
                u.intent in (Intent.INFO, Intent.NONE):
            # "How much is it?" right after the parking answer: the same fact again, whose
            # answer has the price and hours.
            return await service_flow.info_step(conv, replace(u, topic=conv.last_topic,
                                                              intent=Intent.INFO))
        if u.intent is Intent.NONE and Outcome.ROOM_SERVICE_ORDERED in conv.outcomes and \
                service_flow.asks_wait(u):
            return service_flow.wait_answer(conv)  # "how long will it take?" after an order
        if conv.task is None and u.extra_guests and (u.intent is Intent.NONE or (
                u.intent is Intent.BOOK and conv.caller_room is not None)):
            # "My wife will be coming too", "can my friend join me tonight?" (from a guest in
            # house): a booking that exists gets a guest more, not a new one.
            return await self._start(replace(u, intent=Intent.CHANGE))
        if u.intent in TASKS and u.intent is not conv.task:
            return await self._start(u)
        if conv.task is None and u.intent is Intent.NONE and conv.caller_room is not None \
                and reservation_flow.means_departure(u):
            # "Can I stay until Saturday?" from a guest in house: their stay, not a new one.
            return await self._start(replace(u, intent=Intent.CHANGE))
        if conv.task is None and u.intent is Intent.NONE and u.has_booking_slots:
            return await self._start(replace(u, intent=Intent.BOOK))
        if conv.task is not None:
            said = await self._continue(u)
            if said is not None:
                return said
        return await self._small_talk(u)

    async def _start(self, u: Understood) -> Say:
        conv = self._conv
        intent = u.intent
        if intent is Intent.INFO and conv.task is not None and conv.expecting is not None:
            return await self._aside(u)
        if intent is Intent.ROOMS and conv.task in (Intent.BOOK, Intent.AVAILABILITY) and \
                conv.expecting is not None:
            return await self._prices_aside(u)
        # "Actually a week later" or "can we change that to Saturday" during an availability
        # check changes what is checked, not the caller's booking (unless it is named).
        draft = intent is Intent.CHANGE and u.has_booking_slots and \
            not re.search(r"\b(my|our) (booking|reservation)\b", u.text)
        if (conv.task is Intent.BOOK and intent in (Intent.CHANGE, Intent.AVAILABILITY)) or \
                (conv.task is Intent.AVAILABILITY and draft):
            return await self._continue(u) or await booking_flow.next_step(conv)
        if conv.task is Intent.AVAILABILITY and intent is Intent.BOOK:
            conv.task = Intent.BOOK
            booking_flow.apply(conv.booking, u, expecting=conv.expecting)
            return await booking_flow.next_step(conv)
        if intent is Intent.ROOMS and u.check_in is not None:
            intent = Intent.AVAILABILITY  # "how much is a double next friday": ask the tool
        if intent is Intent.SMS and u.topic is not None and u.code is None:
            # "Text me the address": only bookings are texted; say the fact again.
            result = await conv.tool("hotel_info", topic=u.topic.value)
            conv.last_topic = u.topic
            return anything_else(conv, f"I can only text booking confirmations, I'm afraid. "
                                 f"{result.speech}")
        keep_booking = intent in (Intent.CHANGE, Intent.CANCEL, Intent.SMS)
        current = conv.current if keep_booking else None
        conv.reset_task()
        conv.current = current
        conv.task = intent
        if intent is Intent.ROOMS:
            return await booking_flow.rooms_answer(conv, u)
        if intent in (Intent.BOOK, Intent.AVAILABILITY):
            conv.booking = BookingDraft()
            booking_flow.apply(conv.booking, u, expecting=None)
            if re.search(SEVERAL_ROOMS, u.text):  # one room per booking (docs/dialogue.md)
                return offer(conv, Pending.MULTI_ROOM, "For more than one room, our "
                             "reservations team will look after you. Would you like me to put "
                             "you through?")
            return await booking_flow.next_step(conv)
        if intent is Intent.CHANGE or intent is Intent.MY_BOOKING:
            conv.task = Intent.CHANGE
            asked = "Is there anything you'd like to change?" if intent is Intent.MY_BOOKING \
                else ""
            return await reservation_flow.change_step(conv, u, question=asked)
        if intent is Intent.CANCEL:
            return await reservation_flow.cancel_step(conv, u)
        if intent is Intent.SMS:
            return await reservation_flow.send_sms(conv, u)
        if intent is Intent.HOUSEKEEPING:
            return await service_flow.housekeeping_step(conv, u)
        if intent is Intent.ROOM_SERVICE:
            return await service_flow.room_service_step(conv, u)
        return await service_flow.info_step(conv, u)

    async def _aside(self, u: Understood) -> Say:
        """A hotel-info question in the middle of a task: answer it, then ask again."""
        conv = self._conv
        slot = conv.expecting
        assert slot is not None
        result = await conv.tool("hotel_info", topic=u.topic.value if u.topic else "other")
        return self._ask_again(slot, result.speech)

    async def _prices_aside(self, u: Understood) -> Say:
        """"How much are the rooms?" or "what's the cheapest?" in the middle of a booking: the
        prices, and the question again, with the booking's details kept (it started over). At
        the room question "the cheapest one, please" chooses it, when one type is cheapest."""
        conv = self._conv
        slot = conv.expecting
        assert slot is not None
        said, one = await booking_flow.prices(conv, u)
        if one is not None and slot == "room_type" and booking_flow.asks_cheapest(u) and \
                u.toks[0] not in slots.QUESTION_LEADS:
            conv.booking.room_type = one
            return await booking_flow.next_step(conv)
        return self._ask_again(slot, said)

    def _ask_again(self, slot: str, said: str) -> Say:
        """`said`, then the question that was pending (for `slot`) again."""
        self._conv.expecting = slot
        question = QUESTIONS.get(slot) or self._last_question()
        return Say(f"{said} {question}".strip(), expecting=slot)

    def _hold_task(self) -> None:
        """Before a transfer offer in the middle of a task: keep its question to come back to."""
        conv = self._conv
        if conv.task is not None and conv.expecting is not None:
            question = QUESTIONS.get(conv.expecting) or self._last_question()
            self._held = _Held(conv.pending, conv.expecting, question)

    def _last_question(self) -> str:
        """The question at the end of the last reply ("Shall I book it?")."""
        text = self._last.text if self._last else ""
        if not text.endswith("?"):
            return ""
        cut = text.rstrip("?").rfind(". ")
        return text[cut + 2:] if cut >= 0 else text

    async def _continue(self, u: Understood) -> Say | None:
        conv = self._conv
        task = conv.task
        if task in (Intent.BOOK, Intent.AVAILABILITY):
            if booking_flow.apply(conv.booking, u, expecting=conv.expecting):
                return await booking_flow.next_step(conv)
            return None
        if task in (Intent.CHANGE, Intent.CANCEL, Intent.SMS) and u.code is None and \
                conv.current is None and conv.expecting in reservation_flow.LOOKUP_SLOTS:
            return await reservation_flow.by_name(conv, u)
        if task is Intent.CHANGE and conv.expecting == "changes" and not u.has_booking_slots \
                and (u.answer is Answer.NO or "nothing" in u.toks):
            return anything_else(conv, "No problem, your booking stays as it is.")
        if task is Intent.CHANGE and (u.has_booking_slots or u.code):
            return await reservation_flow.change_step(conv, u)
        if task is Intent.CANCEL and u.code:
            return await reservation_flow.cancel_step(conv, u)
        if task is Intent.SMS and (u.code or u.phone):
            return await reservation_flow.send_sms(conv, u)
        if conv.expecting == "items" and not (u.menu or u.housekeeping or u.maintenance) and \
                (u.answer is Answer.NO or "nothing" in u.toks):
            return anything_else(conv)  # "What would you like?" "Nothing, thanks."
        if task is Intent.HOUSEKEEPING and (u.housekeeping or u.room_number or u.maintenance
                                            or (conv.expecting == "items" and u.toks)):
            if conv.expecting == "items" and not u.housekeeping and not u.maintenance:
                if u.answer is not Answer.NONE:
                    return None  # "yes": still not what to bring
                conv.service.items.append(" ".join(u.toks))
            return await service_flow.housekeeping_step(conv, u)
        if task is Intent.ROOM_SERVICE and (u.menu or u.room_number
                                            or conv.expecting == "items"):
            return await service_flow.room_service_step(conv, u,
                                                        amending=bool(conv.order.lines))
        if task is Intent.CALLBACK:
            return await calls_flow.callback_step(conv, u)
        if task is Intent.INFO and u.topic is not None:
            return await service_flow.info_step(conv, u)
        return None

    async def _small_talk(self, u: Understood) -> Say | None:
        conv = self._conv
        question = QUESTIONS.get(conv.expecting or "", "How can I help you today?")
        if u.intent is Intent.GREETING:
            hotel = "Yes, this is Harbor View Hotel. " if any(
                w in u.toks for w in ("hotel", "harbor", "harbour")) else "Hello! "
            return Say(f"{hotel}{question}", expecting=conv.expecting)
        if u.intent is Intent.ASK:
            return Say("Of course. What would you like to know?")
        if u.intent is Intent.ARRIVING_LATE:
            return await service_flow.arriving_late(conv)
        if u.intent is Intent.THANKS:
            return anything_else(conv, "You're welcome.")
        if u.intent is Intent.HOLD:
            return Say("Of course, take your time.", expecting=conv.expecting)
        if u.intent is Intent.PRESENCE:
            return Say(f"Yes, I'm here. {question}", expecting=conv.expecting)
        if conv.caller_room and re.search(r"\b(what('s| is) my room|which room am i in)\b",
                                          u.text):
            return anything_else(conv, f"You're in {say_room(conv.caller_room)}.")
        if u.intent is Intent.REFER:
            dept = referral(u.text) or "front_desk"
            conv.offer_department = dept
            lead = REFERRAL_LEADS[dept]
            if re.search(EARLY_OR_LATE, u.text) and u.topic is not None:
                # "Can I check out late?": the usual time, then who can change it.
                fact = await conv.tool("hotel_info", topic=u.topic.value)
                lead = f"{fact.speech} The front desk can tell you whether that's possible."
            elif u.topic is Topic.PARKING:
                # "Do I need to book parking?": the spaces and price, then who holds them.
                fact = await conv.tool("hotel_info", topic=u.topic.value)
                lead = f"{fact.speech} {lead}"
            self._hold_task()
            return offer(conv, Pending.OFFER_TRANSFER,
                         f"{lead} Would you like me to put you through?")
        if u.intent is Intent.COMPLAINT:
            dept = u.department or "front_desk"
            conv.offer_department = dept
            who = calls_flow.department_words(dept)
            self._hold_task()
            return offer(conv, Pending.OFFER_TRANSFER, "I'm sorry to hear that. Would you "
                         f"like me to put you through to {who}?")
        return None

    async def _goodbye(self) -> Say:
        conv = self._conv
        outcome = min(conv.outcomes, key=OUTCOME_RANK.index, default=Outcome.COMPLETED)
        result = await conv.tool("end_call", reason=outcome.value)
        text = result.speech if result.ok else "Thank you for calling Harbor View Hotel. Goodbye!"
        conv.pending = None
        conv.expecting = None
        return Say(text, outcome=outcome, end_call=True)

    def _reason(self) -> str:
        task = self._conv.task
        return f"caller asked for a person during {task.value}" if task else "caller asked"

    # --- replies ---------------------------------------------------------------------

    def _miss(self, again: str = SORRY_AGAIN) -> Reply:
        """Not understood: ask again; after repeated misses, offer the front desk."""
        conv = self._conv
        self._misses += 1
        if self._misses >= self._misses_before_transfer:
            self._misses = 0
            conv.offer_department = "front_desk"
            said = offer(conv, Pending.OFFER_TRANSFER, "I'm sorry, I'm having trouble "
                         "understanding. Would you like me to put you through to the front "
                         "desk?")
            return self._reply(said, None)
        return self._reply(Say(again, expecting=conv.expecting), None)

    def _repeat(self) -> Reply:
        last = self._last
        if last is None:
            return self._reply(Say(STANDARD_GREETING), Intent.REPEAT)
        reply = Reply(text=last.text, tool_calls=(), end_call=False, outcome=None,
                      intent=Intent.REPEAT.value, expecting=last.expecting)
        return reply

    def _reply(self, say: Say, intent: Intent | None) -> Reply:
        conv = self._conv
        if intent in (None, Intent.NONE) and conv.task is not None:
            intent = conv.task
        reply = Reply(text=say.text, tool_calls=tuple(conv.calls), end_call=say.end_call,
                      outcome=say.outcome.value if say.outcome else None,
                      intent=intent.value if intent and intent is not Intent.NONE else None,
                      expecting=say.expecting)
        conv.calls = []
        self._last = reply
        self.ended = self.ended or say.end_call
        return reply
