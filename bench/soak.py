"""Soak bench: many spoken browser-protocol calls against a real server; does anything leak?

A real `frontdesk serve` (offline engine, recordings on) takes `--rounds` rounds of `--calls`
browser calls and `--phone` phone calls at once. Each browser guest is an aiortc peer speaking
the page's websocket protocol: it waits for the greeting, asks a question aloud, waits for the
spoken answer, then leaves in one of the ways real guests leave, in turn:
  * `hangup`: the page's hang-up message;
  * `close`: the socket and peer connection closed with no hang-up (tab closed);
  * `kill`: the guest's process SIGKILLed (browser crash; no close frame, no DTLS alert);
  * `early`: gone after the answer SDP, before media flowed.
Each phone caller comes as Twilio sends one (signed webhook, then a media stream of μ-law at
real-time pace), asks its question the same way, then hangs up (`stop`, then the `completed`
status callback) or the stream just drops (`drop`), in turn.
Meanwhile a manager stays signed in to the staff console for the whole soak, its websocket open,
and listens in (an aiortc peer) to the first browser call of every round until that call ends.
After each round it waits for the server to report no live calls, then samples the server
process and its recognizer workers: resident memory, open file descriptors, threads, and (through
`bench/soak_probe`, put on the server's path) the call objects still alive after a full garbage
collection, which must not grow with the calls made. It prints one row per round and the growth
per call from round 1 and over the second half (round 1 is warm-up: the recognizer workers load
their models then), and checks that every call was stored as ended with the right reason and,
where the guest spoke, the guest's turn.
Run as `python -m bench.soak [--rounds 8] [--calls 4] [--phone 1]`.
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import functools
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np
from aiohttp import ClientSession, ClientWebSocketResponse, CookieJar, WSMsgType
from aiortc import MediaStreamTrack, RTCSessionDescription

from bench.netns import ensure_loopback_namespace

QUESTIONS = ("what time is breakfast", "is there parking at the hotel", "do you have a pool",
             "what time is check out")
MODES = ("hangup", "close", "kill", "early")
PHONE_MODES = ("stop", "drop")
PHONE_PUBLIC_URL = "https://soak.example"  # what the simulated Twilio signs against
PHONE_TOKEN = "soak-auth-token"
RATE = 48_000
FRAME = 960  # 20 ms
STEP_TIMEOUT_S = 30.0
CONSOLE_PASSWORD = "soak-manager-password"
END_REASON = {"hangup": "guest_hangup", "close": "guest_disconnected",
              "kill": "guest_disconnected", "early": "guest_disconnected",
              "stop": "guest_hangup", "drop": "guest_disconnected"}


class SpeakingTrack(MediaStreamTrack):
    """A microphone paced in real time: silence, or the samples `say()` queued."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._pending = np.zeros(0, np.int16)
        self._start: float | None = None
        self._pts = 0

    def say(self, samples: np.ndarray[Any, np.dtype[np.int16]]) -> float:
        """Queue speech; returns its length in seconds."""
        self._pending = np.concatenate([self._pending, samples])
        return samples.size / RATE

    async def recv(self) -> av.AudioFrame:
        if self._start is None:
            self._start = time.monotonic()
        wait = self._start + self._pts / RATE - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        chunk = np.zeros(FRAME, np.int16)
        take = min(FRAME, self._pending.size)
        chunk[:take] = self._pending[:take]
        self._pending = self._pending[take:]
        frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, RATE)
        self._pts += FRAME
        return frame


def speech_48k(text: str) -> np.ndarray[Any, np.dtype[np.int16]]:
    from media.resample import StreamResampler
    from media.speech.tts import synthesize_blocking

    pcm, rate = synthesize_blocking(text)
    out: np.ndarray[Any, np.dtype[np.int16]] = StreamResampler(rate, RATE).process(pcm, last=True)
    return out


async def wait_turns(http: ClientSession, base: str, session_id: str, roles: list[str]) -> None:
    """Until the live call's transcript ends with finished turns of these roles, in order."""
    deadline = time.monotonic() + STEP_TIMEOUT_S
    turns: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        async with http.get(f"{base}/voice/sessions/{session_id}") as resp:
            turns = (await resp.json()).get("turns", [])
        done = [t["role"] for t in turns if t["ended_at"] is not None]
        if done[-len(roles):] == roles and len(done) == len(turns):
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"turns {roles} not heard within {STEP_TIMEOUT_S} s: {turns}")


class ConsoleWatcher:
    """A manager signed in to the staff console: the board's websocket open all along, and
    listen-in peers on the calls it is asked to listen to."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = ClientSession(cookie_jar=CookieJar(unsafe=True))  # cookies for 127.0.0.1
        self.ws: ClientWebSocketResponse | None = None
        self.messages: dict[str, int] = {}
        self.ended: set[str] = set()
        self.answers: dict[str, str] = {}
        self.listens = self.heard = 0
        self._peers: list[Any] = []
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    async def start(self, name: str, password: str) -> None:
        async with self.http.get(f"{self.base}/console/login") as resp:
            found = re.search(r'name="csrf_token" value="([^"]+)"', await resp.text())
        assert found is not None, "no login form"
        async with self.http.post(f"{self.base}/console/login", allow_redirects=False, data={
                "csrf_token": found.group(1), "name": name, "password": password,
                "next": "/console"}) as resp:
            if resp.status not in (302, 303) or "login" in resp.headers.get("Location", ""):
                raise RuntimeError(f"console sign-in failed: {resp.status}")
        self.ws = await self.http.ws_connect(f"{self.base}/console/ws")
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        async for msg in self.ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            kind = str(data.get("type"))
            self.messages[kind] = self.messages.get(kind, 0) + 1
            if kind == "call_ended":
                self.ended.add(data["call_id"])
            elif kind == "listen_answer":
                self.answers[data["call_id"]] = data["sdp"]
            self._changed.set()

    async def listen(self, call_id: str) -> None:
        """Listen in to `call_id` (the staff member's microphone is silence)."""
        from tests.guest_peer import GuestPeer

        assert self.ws is not None
        peer = GuestPeer()
        self._peers.append(peer)
        await self.ws.send_str(json.dumps({"type": "listen", "call_id": call_id,
                                           "sdp": await peer.offer()}))
        if not await self._until(lambda: call_id in self.answers):
            raise TimeoutError(f"no listen answer for {call_id}")
        await peer.pc.setRemoteDescription(RTCSessionDescription(self.answers[call_id], "answer"))
        self.listens += 1

    async def wait_ended(self, call_ids: set[str]) -> None:
        """Until the board has pushed `call_ended` for each of `call_ids` (bounded; a missing
        one shows in the final count)."""
        await self._until(lambda: call_ids <= self.ended)

    async def _until(self, done: Callable[[], bool]) -> bool:
        """Wait (at most `STEP_TIMEOUT_S`) for `done()`, checked after each console message."""
        from tests.waiting import until_changed

        return await until_changed(self._changed, done, STEP_TIMEOUT_S)

    async def drop_peers(self) -> None:
        """The console page closes a listen-in peer once its call has ended."""
        peers, self._peers = self._peers, []
        self.heard += sum(p.peak_rms > 300 for p in peers)  # the call's audio reached staff
        await asyncio.gather(*(p.close() for p in peers), return_exceptions=True)

    async def close(self) -> None:
        await self.drop_peers()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        if self.ws is not None:
            await self.ws.close()
        await self.http.close()


async def converse(url: str, question: str, mode: str, hold: bool = False,
                   watcher: ConsoleWatcher | None = None) -> str:
    """One guest's call (see the module docstring); returns its session id."""
    from tests.guest_peer import GuestPeer

    track = SpeakingTrack()
    guest = GuestPeer(track)
    async with ClientSession() as http:
        try:
            session_id = await guest.call(http, url)
            if mode == "early":
                return session_id
            await guest.wait_connected()
            base = url.replace("ws", "http", 1).removesuffix("/voice/webrtc")
            await wait_turns(http, base, session_id, ["agent"])
            if watcher is not None:
                await watcher.listen(session_id)
            track.say(speech_48k(question))
            await wait_turns(http, base, session_id, ["caller", "agent"])
            if hold:
                print(f"ready {session_id}", flush=True)
                await asyncio.Event().wait()  # until killed
            if mode == "hangup":
                await guest.hang_up()
            return session_id
        finally:
            await guest.close()


async def phone_call(base: str, question: str, mode: str) -> str:
    """One phone caller through the Twilio protocol (see the module docstring)."""
    from tests.twilio_client import (
        TwilioClient,
        new_sid,
        parse_stream_twiml,
        silence_ulaw,
        speech_ulaw,
    )

    said: list[bytes] = []
    async with ClientSession() as http:
        twilio = TwilioClient(http, base, PHONE_PUBLIC_URL, PHONE_TOKEN)
        call_sid = new_sid("CA")
        started = time.monotonic()
        _, doc = await twilio.inbound(call_sid, "+447700900123")
        target = parse_stream_twiml(doc)
        session_id = target.parameters["session_id"]
        call = await twilio.connect(target, call_sid)

        async def line() -> None:  # the caller's microphone: never silent on the wire
            while not call.ws.closed:
                await call.speak(said.pop() if said else silence_ulaw(0.2))

        talking = asyncio.ensure_future(line())
        try:
            await wait_turns(http, base, session_id, ["agent"])
            said.append(speech_ulaw(question))
            await wait_turns(http, base, session_id, ["caller", "agent"])
            if mode == "stop":
                await call.stop()
                await call.wait_until(lambda: call.ws.closed)
                await twilio.status(call_sid, "completed", round(time.monotonic() - started))
            return session_id
        finally:
            talking.cancel()
            await asyncio.gather(talking, return_exceptions=True)
            await call.close()


def print_log_summary(lines: list[str]) -> None:
    """How many warnings and errors the server logged (it runs at WARNING), and which kinds."""
    kinds: dict[str, int] = {}
    for line in lines:
        parts = line.split(" ", 4)  # date, time, level, logger:, message
        if len(parts) == 5 and parts[2] in ("WARNING", "ERROR", "CRITICAL"):
            key = f"{parts[2]} {parts[3]} {parts[4][:90]}"
            kinds[key] = kinds.get(key, 0) + 1
    print(f"server log: {sum(kinds.values())} warnings and errors")
    for key, n in sorted(kinds.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  {n} x {key}")


def loopback_guests() -> None:
    """The guests' ICE candidates on loopback too (aioice skips 127.0.0.1 by itself)."""
    from server.voice.ice import enforce_host_addresses

    enforce_host_addresses(["127.0.0.1"])


def guest_process(url: str, question: str) -> None:
    """`--guest`: one call in this process, which says "ready" and waits to be killed."""
    loopback_guests()
    asyncio.run(converse(url, question, "kill", hold=True))


PROBE_DIR = Path(__file__).resolve().parent / "soak_probe"


@dataclass
class Sample:
    rss_mb: float
    workers_rss_mb: float
    fds: int
    threads: int
    workers: int
    alive: dict[str, Any]  # the probe's line: counts by type, "tasks" by coroutine


def _status(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                found.append(int(entry.name))
    return found


def probe(pid: int, path: Path) -> dict[str, Any]:
    """Ask the server's soak probe for its live call objects (after a full collection)."""
    before = path.read_text().count("\n") if path.exists() else 0
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + STEP_TIMEOUT_S
    while time.monotonic() < deadline:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) > before:
            counts: dict[str, Any] = json.loads(lines[-1])
            return counts
        time.sleep(0.1)
    raise TimeoutError("the server's soak probe did not answer")


def sample(pid: int, probe_path: Path) -> Sample:
    alive = probe(pid, probe_path)  # first: its collection frees the rounds' garbage
    kids = _children(pid)
    return Sample(rss_mb=_status(pid, "VmRSS") / 1024,
                  workers_rss_mb=sum(_status(k, "VmRSS") for k in kids) / 1024,
                  fds=len(os.listdir(f"/proc/{pid}/fd")), threads=_status(pid, "Threads"),
                  workers=len(kids), alive=alive)


async def killed_call(url: str, question: str) -> str:
    """A guest in its own process, SIGKILLed once it has heard the answer."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.soak", "--guest", url, "--question", question,
        stdout=subprocess.PIPE)
    assert proc.stdout is not None
    try:
        line = await asyncio.wait_for(proc.stdout.readline(), 3 * STEP_TIMEOUT_S)
        if not line.startswith(b"ready "):
            raise RuntimeError("killed guest never got its answer")
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    return line.split()[1].decode()


async def live_sessions(http: ClientSession, base: str) -> list[str]:
    async with http.get(f"{base}/voice/sessions") as resp:
        body = await resp.json()
    return [s["id"] for s in body["sessions"]]


async def wait_idle(http: ClientSession, base: str, within_s: float = 60.0) -> None:
    deadline = time.monotonic() + within_s
    while await live_sessions(http, base):
        if time.monotonic() > deadline:
            raise TimeoutError(f"calls still live after {within_s} s")
        await asyncio.sleep(0.2)


async def soak(rounds: int, calls: int, phones: int) -> int:
    from e2e.live_server import LiveServer

    loopback_guests()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        probe_path = Path(tmp) / "probe.jsonl"
        server = LiveServer(Path(tmp), {
            "FRONTDESK_LOG_LEVEL": "WARNING", "FRONTDESK_PUBLIC_URL": PHONE_PUBLIC_URL,
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": PHONE_TOKEN,
            "FRONTDESK_SOAK_PROBE": str(probe_path),
            "PYTHONPATH": os.pathsep.join(filter(None, (str(PROBE_DIR),
                                                        os.environ.get("PYTHONPATH"))))})
        server.start()
        assert server.proc is not None
        await asyncio.to_thread(functools.partial(
            subprocess.run, [sys.executable, "-m", "server.cli", "staff", "add", "--name", "soak",
                             "--password", CONSOLE_PASSWORD, "--role", "manager"],
            env=server.env, cwd=tmp, check=True, capture_output=True))
        watcher = ConsoleWatcher(server.url)
        ws_url = server.url.replace("http", "ws") + "/voice/webrtc"
        modes, phone_modes = itertools.cycle(MODES), itertools.cycle(PHONE_MODES)
        questions = itertools.cycle(QUESTIONS)
        expected: dict[str, str] = {}  # session id -> end reason
        samples: list[Sample] = []
        made = wrong = 0
        try:
            await watcher.start("soak", CONSOLE_PASSWORD)
            async with ClientSession() as http:
                print("| round | calls | server MB | workers MB | fds | threads | workers "
                      "| alive: sessions / peer connections / VADs / tasks | failed | s |")
                print("|---|---|---|---|---|---|---|---|---|---|")
                for round_no in range(1, rounds + 1):
                    t0 = time.monotonic()
                    jobs, kinds = [], []
                    for i in range(calls):
                        mode, question = next(modes), next(questions)
                        kinds.append(mode)
                        listener = watcher if i == 0 and mode in ("hangup", "close") else None
                        jobs.append(killed_call(ws_url, question) if mode == "kill"
                                    else converse(ws_url, question, mode, watcher=listener))
                    for _ in range(phones):
                        mode = next(phone_modes)
                        kinds.append(mode)
                        jobs.append(phone_call(server.url, next(questions), mode))
                    results = await asyncio.gather(*jobs, return_exceptions=True)
                    round_failed = 0
                    for mode, result in zip(kinds, results, strict=True):
                        if isinstance(result, BaseException):
                            round_failed += 1
                            print(f"  {mode} call failed: {result!r}", file=sys.stderr)
                        elif result:
                            expected[result] = END_REASON[mode]
                    failures += round_failed
                    made += calls + phones
                    await wait_idle(http, server.url)
                    await watcher.wait_ended({r for r in results if isinstance(r, str) and r})
                    await watcher.drop_peers()
                    s = await asyncio.to_thread(sample, server.proc.pid, probe_path)
                    samples.append(s)
                    a = s.alive
                    print(f"| {round_no} | {made} | {s.rss_mb:.1f} | {s.workers_rss_mb:.1f} "
                          f"| {s.fds} | {s.threads} | {s.workers} | {a['VoiceSession']} / "
                          f"{a['RTCPeerConnection']} / {a['VadTurnDetector']} / {a['Task']} "
                          f"| {round_failed} | {time.monotonic() - t0:.0f} |", flush=True)
                for session_id, reason in expected.items():
                    async with http.get(f"{server.url}/voice/sessions/{session_id}") as resp:
                        record = await resp.json()
                    heard = [t["text"] for t in record.get("turns", []) if t["role"] == "caller"]
                    if (record.get("end_reason") != reason or not record.get("ended_at")
                            or (reason != "guest_disconnected" and not heard)):
                        wrong += 1
                        print(f"  {session_id}: stored {record.get('end_reason')!r}, "
                              f"ended_at {record.get('ended_at')!r}, guest turns {heard}; "
                              f"expected {reason!r}", file=sys.stderr)
        finally:
            await watcher.close()
            server.stop()
            log_lines = server.log_path.read_text(errors="replace").splitlines()
    if len(samples) >= 4:
        half = len(samples) // 2
        last = samples[-1]
        for start in (0, half):
            first, n = samples[start], (len(samples) - 1 - start) * (calls + phones)
            print(f"rounds {start + 1} -> {rounds} ({n} calls): server "
                  f"{1024 * (last.rss_mb - first.rss_mb) / n:+.1f} kB/call, workers "
                  f"{1024 * (last.workers_rss_mb - first.workers_rss_mb) / n:+.1f} kB/call, "
                  f"fds {last.fds - first.fds:+d}, threads {last.threads - first.threads:+d}")
    if samples:
        print(f"tasks not done at the end, by coroutine: {samples[-1].alive.get('tasks')}")
    print_log_summary(log_lines)
    print(f"console: {sum(watcher.messages.values())} messages {watcher.messages}; "
          f"call_ended for {len(watcher.ended & set(expected))} of {len(expected)} calls; "
          f"{watcher.listens} listen-ins, {watcher.heard} of them heard the call")
    print(f"calls stored wrongly: {wrong} of {len(expected)}; failed calls: {failures}")
    return 1 if failures or wrong else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--calls", type=int, default=4, help="browser calls at once per round")
    parser.add_argument("--phone", type=int, default=1, help="phone calls at once per round")
    parser.add_argument("--guest", help=argparse.SUPPRESS)
    parser.add_argument("--question", default=QUESTIONS[0], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.guest:
        guest_process(args.guest, args.question)
        return
    ensure_loopback_namespace()
    rounds = max(1, min(args.rounds, 200))
    calls = max(1, min(args.calls, 16))
    phones = max(0, min(args.phone, 16))
    sys.exit(asyncio.run(soak(rounds, calls, phones)))


if __name__ == "__main__":
    main()
