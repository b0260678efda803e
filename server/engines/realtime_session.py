"""What the Realtime session is told: instructions (the hotel's facts, the caller's history),
tools, audio formats, and, after a reconnect, a summary of the conversation so far."""

from __future__ import annotations

import json
import logging
from collections import deque
from dataclasses import dataclass

from openai.types.realtime.realtime_function_tool_param import RealtimeFunctionToolParam
from openai.types.realtime.realtime_session_create_request_param import (
    RealtimeSessionCreateRequestParam,
)

from server.engines.realtime_audio import AudioFormat
from server.hotel import demo_data as demo
from server.hotel.profile import load_hotel_profile
from server.hotel.speech_format import say_money, say_phone
from server.tools import ToolContext, execute_voice_tool, tool_schemas

log = logging.getLogger(__name__)

TRANSCRIBE_MODEL = "gpt-4o-mini-transcribe"
SUMMARY_MAX_CHARS = 4000

STYLE = """You are the receptionist answering the phone for {name}, {address} (phone {phone}).
Speak British English, warmly and briefly: one or two short sentences, one question at a time.
This is a phone call: no lists, no markdown, say numbers and dates the way people say them.
Use the tools for anything about rooms, bookings, availability, prices, guests, requests,
messages and transfers; never invent availability, prices or confirmation codes. When a tool
returns "speech", you may say it as it is. If a tool asks a question, ask the guest that question.
Today is {today} (hotel time, {timezone})."""


@dataclass(frozen=True, slots=True)
class LogEntry:
    role: str  # "Guest" | "Agent" | "Tool"
    text: str


class ConversationLog:
    """What was said and done on the call, kept to rebuild context after a reconnect."""

    def __init__(self, max_entries: int = 200) -> None:
        self.entries: deque[LogEntry] = deque(maxlen=max_entries)

    def add(self, role: str, text: str) -> None:
        if text.strip():
            self.entries.append(LogEntry(role, text.strip()))

    def summary(self, max_chars: int = SUMMARY_MAX_CHARS) -> str:
        """The most recent lines that fit in `max_chars`, oldest first."""
        lines: list[str] = []
        used = 0
        for entry in reversed(self.entries):
            line = f"{entry.role}: {entry.text}"
            if used + len(line) > max_chars:
                break
            lines.append(line)
            used += len(line) + 1
        return "\n".join(reversed(lines))


def with_summary(instructions: str, log_: ConversationLog) -> str:
    """Instructions for a resumed session: the same, plus the conversation so far."""
    summary = log_.summary()
    if not summary:
        return instructions
    return (f"{instructions}\n\nThe phone line dropped briefly and you are back on the same call."
            " Do not greet the guest again; carry on from where you were. The conversation so "
            f"far:\n{summary}")


def hotel_facts() -> str:
    """The demo hotel's spoken facts, room types, prices and departments."""
    facts = [f"- {text}" for text in demo.FACTS.values()]
    facts.append(f"- Our phone number is {say_phone(demo.HOTEL.phone)}.")
    rooms = [f"- {rt.name}: {rt.description}, sleeps {rt.max_guests}, from "
             f"{say_money(rt.room_only_pence)} a night room only, "
             f"{say_money(rt.bnb_pence)} with breakfast" for rt in demo.ROOM_TYPES]
    depts = []
    for d in demo.DEPARTMENTS:
        hours = ("24 hours" if d.opens is None or d.closes is None
                 else f"{d.opens:%H:%M}-{d.closes:%H:%M}")
        depts.append(f"- {d.name} (extension {d.extension}, {hours})")
    return "\n".join(["Hotel facts:", *facts, "Room types:", *rooms, "Departments:", *depts])


async def caller_history(ctx: ToolContext) -> str:
    """What we know about the caller, through the same tool the model can call."""
    if not ctx.caller:
        return "The caller's number is withheld."
    result = await execute_voice_tool("get_caller_history", {}, ctx)
    if not result.ok:
        return f"The caller is calling from {ctx.caller}; nothing is known about them."
    data = json.dumps(result.data, separators=(",", ":"), default=str)[:2000]
    return f"The caller is calling from {ctx.caller}. {result.speech}\nCaller history: {data}"


async def build_instructions(ctx: ToolContext) -> str:
    """Session instructions: style, today's date, the hotel's facts and the caller's history."""
    profile = await load_hotel_profile(ctx.db)
    today = ctx.today()
    head = STYLE.format(name=profile.name, address=profile.address, phone=profile.phone,
                        today=f"{today:%A %d %B %Y}", timezone=profile.timezone)
    profile_facts = "\n".join(f"- {f}" for f in profile.facts)
    history = await caller_history(ctx)
    return f"{head}\n\n{profile_facts}\n{hotel_facts()}\n\n{history}"


def realtime_tools() -> list[RealtimeFunctionToolParam]:
    """The tool registry's function definitions, as `session.tools` entries."""
    out: list[RealtimeFunctionToolParam] = []
    for d in tool_schemas(style="realtime"):
        out.append({"type": "function", "name": str(d["name"]),
                    "description": str(d["description"]), "parameters": d["parameters"]})
    return out


def session_config(*, instructions: str, voice: str, audio_format: AudioFormat,
                   transcribe_model: str = TRANSCRIBE_MODEL
                   ) -> RealtimeSessionCreateRequestParam:
    """The full `session.update` payload. Turn detection is off: the bridge's local VAD decides
    turns and barge-in (docs/openai.md), and the engine commits each turn itself."""
    fmt = audio_format.api_format()
    return {
        "type": "realtime",
        "instructions": instructions,
        "output_modalities": ["audio"],
        "audio": {
            "input": {"format": fmt, "transcription": {"model": transcribe_model},
                      "turn_detection": None},
            "output": {"format": fmt, "voice": voice},
        },
        "tools": list(realtime_tools()),
        "tool_choice": "auto",
    }
