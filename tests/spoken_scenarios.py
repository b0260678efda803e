"""The dialogue scenarios, spoken: each guest line is synthesized (three voices in turn), goes
through the bridge's VAD turns, the recognizer workers, the dialogue and the hotel tools, and
the agent's replies are synthesized and played; graded on database state like the text
scenarios. Used by `python -m bench.spoken_scenarios`."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from media.engine import EngineIO
from media.frames import PCM16
from server.db.database import Database
from server.dialogue import DialogueManager, Reply
from server.engines.resources import Recognizers
from server.tools import ToolContext
from tests.server.conftest import Clock, sqlite_url
from tests.server.dialogue_fixtures import SILENCE, Call, FakeOutbound, Scenario, transcript
from tests.spoken_call import RATE, Line, SpokenCall, speech_said_fresh

PACE = 4.0  # guest audio and agent playout at four times real time
VOICES = (("en-us", 160), ("en", 150), ("en-GB-x-rp", 170))  # rotated over the scenarios


def guest_lines(scenarios: Sequence[Scenario]) -> list[Line]:
    """What the guest says in each scenario, with the voice `run_spoken` gives it."""
    lines = [(line, *VOICES[i % len(VOICES)]) for i, sc in enumerate(scenarios)
             for line in sc.turns if line != SILENCE]
    return list(dict.fromkeys(lines))


def said_fresh(scenarios: Sequence[Scenario]) -> dict[Line, PCM16]:
    """Every scenario line's audio, the same on every run (`speech_said_fresh`)."""
    return speech_said_fresh(guest_lines(scenarios))


class RecordingDialogue:
    """The real dialogue manager, with its replies kept for grading."""

    def __init__(self, manager: DialogueManager) -> None:
        self.manager = manager
        self.replies: list[Reply] = []

    async def greeting(self) -> Reply:
        return self._keep(await self.manager.greeting())

    async def handle(self, text: str, *, confidence: float = 1.0) -> Reply:
        return self._keep(await self.manager.handle(text, confidence=confidence))

    def choose(self, hypotheses: Sequence[str]) -> str:
        return self.manager.choose(hypotheses)

    def heard(self, words: Sequence[tuple[str, float]]) -> None:
        self.manager.heard(words)

    def answers(self, partial_text: str, paused_ms: int) -> bool:
        return self.manager.answers(partial_text, paused_ms)

    @property
    def listening_codes(self) -> tuple[str, ...]:
        return self.manager.listening_codes

    async def on_silence(self, seconds: float) -> Reply | None:
        reply = await self.manager.on_silence(seconds)
        return self._keep(reply) if reply is not None else None

    def on_interrupted(self, spoken_text: str) -> None:
        self.manager.on_interrupted(spoken_text)

    def _keep(self, reply: Reply) -> Reply:
        self.replies.append(reply)
        return reply


async def run_spoken(sc: Scenario, index: int, template: Path, workdir: Path,
                     stt: Recognizers, *, pace: float = PACE,
                     playout_pace: float | None = None,
                     said: Mapping[Line, PCM16] | None = None,
                     line_rate: int = RATE) -> tuple[Call, list[str]]:
    """Run scenario `sc` spoken (voice chosen by `index`; lines' audio from `said` where it
    has them; `line_rate` 8000 for a phone line); raises AssertionError with what was said
    and heard when its check fails."""
    path = workdir / f"{sc.name}.db"
    shutil.copyfile(template, path)
    db = Database(sqlite_url(path))
    voice, wpm = VOICES[index % len(VOICES)]
    heard: list[str] = []
    try:
        if sc.setup is not None:
            await sc.setup(ToolContext(db=db, call_id="setup", caller=sc.caller,
                                       clock=Clock(sc.now)))
        ctx = ToolContext(db=db, call_id="call-dlg", caller=sc.caller,
                          clock=Clock(sc.now), outbound=FakeOutbound(),
                          voice_notes_dir=workdir / "notes")
        dialogue = RecordingDialogue(DialogueManager(ctx, silence_s=7.0 / pace))

        def factory(_io: EngineIO) -> RecordingDialogue:
            return dialogue

        async with SpokenCall(stt, factory, pace=pace, playout_pace=playout_pace,
                              caller=sc.caller, call_id=f"spoken-{sc.name}",
                              said=said, settle=True, line_rate=line_rate) as call:
            for line in sc.turns:
                if call.log.ended.is_set():
                    break
                if line == SILENCE:
                    await call.stay_silent(10.0)
                    continue
                await call.say(line, voice=voice, rate_wpm=wpm)
            heard = [t.text for t in call.log.guest_turns()]
        graded = Call(db, dialogue.replies, dialogue.manager)
        try:
            await sc.check(graded)
        except AssertionError as e:
            lines = "\n".join(f"  said {s!r} -> heard {h!r}"
                              for s, h in zip([t for t in sc.turns if t != SILENCE], heard,
                                              strict=False))
            raise AssertionError(f"{e}\n{lines}\n{transcript(graded, heard)}") from e
        return graded, heard
    finally:
        await db.dispose()


def success_table(results: list[tuple[Scenario, bool]]) -> list[str]:
    """Per-task passed/total lines and the overall task success rate."""
    by_task: dict[str, list[bool]] = {}
    for sc, ok in results:
        by_task.setdefault(sc.task, []).append(ok)
    passed = sum(ok for _, ok in results)
    total = len(results)
    lines = [f"{'task':<14} {'passed':>6} / {'total':<5}"]
    lines += [f"{task:<14} {sum(oks):>6} / {len(oks):<5}" for task, oks in sorted(by_task.items())]
    lines.append(f"spoken task success rate: {passed}/{total} = "
                 f"{100 * passed / max(1, total):.1f}%")
    return lines
