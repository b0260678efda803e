"""Cloud components for the cascade engine, in the shapes of the offline ones.

* `OpenAIRecognizer`: the `RecognizerPool` calls (`begin`/`feed`/`finish`/`cancel` per session)
  backed by `audio.transcriptions.create`; the turn is sent as one WAV when it ends.
* `OpenAITTS`: `EspeakTTS`'s `synthesize(text) -> (pcm, rate)` and `stream(text)`, backed by
  `audio.speech.create(response_format="pcm")` (24 kHz mono int16).
* `OpenAIDialogue`: the offline engine's dialogue calls (`greeting`, `handle`, `on_silence`,
  `on_interrupted`), backed by Chat Completions with the tool registry's schemas; tools run
  through `execute_voice_tool`, and their calls come back on the reply for the transcript.
"""

from __future__ import annotations

import io
import logging
import time
import wave
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam

from media.engine import EngineIO, ToolCall
from media.frames import PCM16
from media.speech.stt import STT_SAMPLE_RATE, Transcript
from media.speech.tts import split_sentences
from server.db.database import Database
from server.engines.realtime_logging import install_redaction
from server.engines.realtime_tools import run_tool_call, tool_output
from server.settings import Settings
from server.tools import ToolContext, tool_schemas

log = logging.getLogger(__name__)

TTS_RATE = 24000  # audio.speech "pcm": 24 kHz, 16-bit, mono, little-endian
MAX_TOOL_ROUNDS = 4
GREETING = "Thank you for calling Harbor View Hotel, how can I help you?"
SYSTEM = ("You are the receptionist answering the phone for Harbor View Hotel. Reply in one or "
          "two short spoken sentences, British English, no lists or markdown. Use the tools for "
          "bookings, availability, prices, guests, requests and transfers; never invent them.")


def make_client(settings: Settings) -> AsyncOpenAI:
    """The SDK client for the HTTP APIs (OPENAI_BASE_URL for proxies and tests)."""
    if not settings.openai_api_key:
        raise ValueError("the OpenAI components need OPENAI_API_KEY")
    install_redaction()
    return AsyncOpenAI(api_key=settings.openai_api_key,
                       base_url=settings.openai_base_url or None)


def wav_bytes(samples: PCM16, sample_rate: int) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(samples.astype("<i2").tobytes())
    return buf.getvalue()


# -- speech to text --------------------------------------------------------------------------

class OpenAIRecognizer:
    """Per-session turn buffers; `finish()` transcribes the turn in one request."""

    name = "openai-transcribe"

    def __init__(self, client: AsyncOpenAI, model: str = "gpt-4o-mini-transcribe",
                 language: str = "en", max_turn_s: float = 60.0) -> None:
        self.client = client
        self.model = model
        self.language = language
        self.max_samples = int(max_turn_s * STT_SAMPLE_RATE)
        self._turns: dict[str, list[PCM16]] = {}

    async def begin(self, session_id: str) -> None:
        self._turns[session_id] = []

    async def feed(self, session_id: str, pcm16_16k: PCM16, wait: bool = True) -> None:
        chunks = self._turns.setdefault(session_id, [])
        if sum(c.size for c in chunks) < self.max_samples:
            chunks.append(np.asarray(pcm16_16k, dtype=np.int16))

    async def cancel(self, session_id: str) -> None:
        self._turns.pop(session_id, None)

    async def finish(self, session_id: str) -> Transcript:
        chunks = self._turns.pop(session_id, [])
        audio = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
        audio_ms = 1000.0 * audio.size / STT_SAMPLE_RATE
        started = time.perf_counter()
        if audio.size == 0:
            return Transcript("", 0.0, (), 0.0, 0.0, 0.0)
        result = await self.client.audio.transcriptions.create(
            file=("turn.wav", wav_bytes(audio, STT_SAMPLE_RATE), "audio/wav"),
            model=self.model, language=self.language, response_format="json")
        took = 1000.0 * (time.perf_counter() - started)
        text = result.text.strip()
        return Transcript(text, 1.0 if text else 0.0, (), audio_ms, took, took)


# -- text to speech --------------------------------------------------------------------------

class OpenAITTS:
    """`audio.speech` in PCM; `stream()` sends sentence by sentence so speech starts early."""

    name = "openai-tts"

    def __init__(self, client: AsyncOpenAI, model: str = "gpt-4o-mini-tts",
                 voice: str = "marin") -> None:
        self.client = client
        self.model = model
        self.voice = voice

    async def synthesize(self, text: str) -> tuple[PCM16, int]:
        response = await self.client.audio.speech.create(
            model=self.model, voice=self.voice, input=text, response_format="pcm")
        raw = response.content
        pcm = np.frombuffer(raw[: len(raw) - len(raw) % 2], dtype="<i2").astype(np.int16)
        return pcm, TTS_RATE

    async def stream(self, text: str) -> AsyncIterator[tuple[PCM16, int]]:
        for sentence in split_sentences(text):
            yield await self.synthesize(sentence)


# -- dialogue --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChatReply:
    """What to say and what was done (the offline engine's `ReplyLike`)."""

    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    end_call: bool = False
    outcome: str | None = None


def chat_tools() -> list[ChatCompletionToolParam]:
    out: list[ChatCompletionToolParam] = []
    for d in tool_schemas(style="chat"):
        fn: Any = d["function"]
        out.append({"type": "function", "function": {
            "name": str(fn["name"]), "description": str(fn["description"]),
            "parameters": fn["parameters"]}})
    return out


class OpenAIDialogue:
    """One call's conversation on Chat Completions, with the hotel's tools."""

    def __init__(self, client: AsyncOpenAI, ctx: ToolContext, *, model: str = "gpt-4.1-mini",
                 instructions: str = SYSTEM, greeting: str = GREETING,
                 silence_prompt_s: float = 20.0) -> None:
        self.client = client
        self.ctx = ctx
        self.model = model
        self.greeting_text = greeting
        self.silence_prompt_s = silence_prompt_s
        self.messages: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": instructions}]
        self._tools = chat_tools()

    async def greeting(self) -> ChatReply:
        self.messages.append({"role": "assistant", "content": self.greeting_text})
        return ChatReply(self.greeting_text)

    async def on_silence(self, seconds: float) -> ChatReply | None:
        if seconds < self.silence_prompt_s:
            return None
        text = "Are you still there?"
        self.messages.append({"role": "assistant", "content": text})
        return ChatReply(text)

    def on_interrupted(self, spoken_text: str) -> None:
        """The guest cut in: remember only what they heard of the last reply."""
        for message in reversed(self.messages):
            if message["role"] == "assistant" and isinstance(message.get("content"), str):
                message["content"] = f"{spoken_text} [interrupted by the guest]"
                return

    async def handle(self, text: str, *, confidence: float = 1.0) -> ChatReply:
        """The guest said `text`: ask the model, running tools until it answers in words."""
        self.messages.append({"role": "user", "content": text})
        calls: list[ToolCall] = []
        end_call = False
        for _ in range(MAX_TOOL_ROUNDS):
            completion = await self.client.chat.completions.create(
                model=self.model, messages=self.messages, tools=self._tools,
                tool_choice="auto")
            message = completion.choices[0].message
            tool_calls = [c for c in message.tool_calls or [] if c.type == "function"]
            if not tool_calls:
                reply = (message.content or "").strip()
                self.messages.append({"role": "assistant", "content": reply})
                return ChatReply(reply, tuple(calls), end_call)
            self.messages.append({"role": "assistant", "content": message.content,
                                  "tool_calls": [{
                                      "id": c.id, "type": "function",
                                      "function": {"name": c.function.name,
                                                   "arguments": c.function.arguments}}
                                      for c in tool_calls]})
            for c in tool_calls:
                call, output, ends = await self._run_tool(c.function.name, c.function.arguments)
                calls.append(call)
                end_call = end_call or ends
                self.messages.append({"role": "tool", "tool_call_id": c.id, "content": output})
        log.warning("chat dialogue: still calling tools after %d rounds", MAX_TOOL_ROUNDS)
        return ChatReply("I'm sorry, let me put you through to the front desk.", tuple(calls),
                         end_call)

    async def _run_tool(self, name: str, arguments: str) -> tuple[ToolCall, str, bool]:
        result, call = await run_tool_call(name, arguments, self.ctx)
        return call, tool_output(result), result.end_call


def dialogue_factory(settings: Settings, db: Database,
                     client: AsyncOpenAI | None = None) -> Callable[[EngineIO], OpenAIDialogue]:
    """A `DialogueFactory` for the cascade engine: one chat conversation per call."""
    shared = client or make_client(settings)

    def make(io: EngineIO) -> OpenAIDialogue:
        ctx = ToolContext(db=db, call_id=io.call_id, caller=io.caller)
        return OpenAIDialogue(shared, ctx, model=settings.openai_chat_model)

    return make
