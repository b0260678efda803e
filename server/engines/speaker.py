"""The agent's voice: text → speech sentence by sentence into the call's playout.

The first sentence starts playing while the rest are synthesized. The speaker remembers how many
samples each sentence took, so when the guest cuts in it can say which words were heard.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field

from media.playout import Playout
from media.speech.tts import EspeakTTS, split_sentences

log = logging.getLogger(__name__)


@dataclass
class Utterance:
    """One reply being spoken: its sentences and their durations at the playout."""

    id: str
    text: str
    sentences: list[str] = field(default_factory=list)
    durations_ms: list[float] = field(default_factory=list)
    queued_at: float = 0.0
    first_audio_at: float | None = None  # wall time the first frame went out
    done: bool = False

    def spoken_text(self, played_ms: float) -> str:
        """The words heard after `played_ms` of this utterance (pro rata inside a sentence)."""
        heard: list[str] = []
        elapsed = 0.0
        for sentence, ms in zip(self.sentences, self.durations_ms, strict=False):
            if played_ms >= elapsed + ms:
                heard.append(sentence)
            else:
                words = sentence.split()
                share = max(0.0, played_ms - elapsed) / ms if ms > 0 else 0.0
                cut = int(len(words) * share)
                if cut:
                    heard.append(" ".join(words[:cut]))
                break
            elapsed += ms
        return " ".join(heard)


class Speaker:
    def __init__(self, playout: Playout, tts: EspeakTTS) -> None:
        self.playout = playout
        self.tts = tts
        self.utterances: dict[str, Utterance] = {}

    def prepare(self, text: str) -> Utterance:
        """Register an utterance before any of it is synthesized (so a barge-in can find it)."""
        utterance = Utterance(id=uuid.uuid4().hex[:12], text=text, queued_at=time.time())
        self.utterances[utterance.id] = utterance
        if len(self.utterances) > 50:
            self.utterances.pop(next(iter(self.utterances)))
        return utterance

    async def say(self, text: str) -> Utterance:
        utterance = self.prepare(text)
        await self.play(utterance)
        return utterance

    async def play(self, utterance: Utterance) -> None:
        """Queue the utterance sentence by sentence; returns once the last sentence is queued."""
        text = utterance.text
        sentences = split_sentences(text) or [text]
        for i, sentence in enumerate(sentences):
            pcm, rate = await self.tts.synthesize(sentence)
            utterance.sentences.append(sentence)
            utterance.durations_ms.append(1000.0 * pcm.size / rate)
            self.playout.enqueue(pcm, rate, utterance_id=utterance.id,
                                 mark=f"{utterance.id}:{i}", last=i == len(sentences) - 1)
