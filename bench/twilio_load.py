"""Phone-call load: N simulated Twilio media streams at once against a real server process.

The server (`--serve`, started by this script as a subprocess on 127.0.0.1) runs `create_app`
with a bench engine that greets and answers every caller turn with a fixed reply (cached audio,
so the numbers are the transport, VAD and pacing, not TTS). The clients (this process) post the
signed inbound webhook, open the stream and send μ-law at real-time pace for the whole call
(speech, then silence, like a phone line), echoing marks like Twilio: `bench/twilio_callers.py`
(one ticker task for all calls), or with `--client scripted` tests/twilio_client.py's callers.

Prints: server p50/p99/max outbound frame lateness (how late after its 20 ms tick each audio
frame was built, in the server's shared sender), server and client CPU (getrusage), and
voice-to-voice p50/p95 (end of the caller's speech → first agent audio after it, at the
client). `--timeline` adds a per-second table of the run.

On a shared machine: Linux's autogroup scheduling gives every job (session) an equal share of
the CPU, so other engineers' jobs can starve this one whatever its nice value; `echo -10 >
/proc/self/autogroup` in the shell that runs it raises its group's share (say so with numbers).

    .venv/bin/python -m bench.twilio_load --calls 50 100 200 --vad webrtc
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TOKEN = "bench-token"
SID = "AC" + "2" * 32
UTTERANCE = "I would like to book a double room for two nights please"
GREETING = "Thank you for calling Harbor View Hotel, how can I help you?"
REPLY = "Certainly, which dates would you like?"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# --- server ------------------------------------------------------------------------------------

def serve(port: int, vad: str, db_path: str, workers: int = 1, index: int = 0,
          stats_port: int = 0) -> None:
    import numpy as np
    from aiohttp import web

    from media.engine import EngineIO
    from media.events import SpeechEnded
    from media.frames import PCM16
    from media.speech.tts import synthesize_blocking
    from server.app import create_app, freeze_after_startup
    from server.settings import Settings
    from server.twilio import stream as stream_module
    from server.twilio.state import STREAM_STATS

    clips: dict[str, tuple[PCM16, int]] = {t: synthesize_blocking(t) for t in (GREETING, REPLY)}

    class ReplyEngine:
        """Greets, then answers each caller turn with one cached reply."""

        name = "bench-reply"
        input_rate = 16000

        async def run(self, io: EngineIO) -> None:
            io.wants_audio = False
            n = 0
            pcm, rate = clips[GREETING]
            io.playout.enqueue(np.copy(pcm), rate, utterance_id="greeting", last=True)
            while True:
                item = await io.inbox.get()
                if isinstance(item, SpeechEnded):
                    n += 1
                    pcm, rate = clips[REPLY]
                    io.playout.enqueue(np.copy(pcm), rate, utterance_id=f"reply-{n}", last=True)

    setattr(stream_module, "make_engine", lambda *a, **k: ReplyEngine())  # noqa: B010
    settings = Settings(database_url=f"sqlite+aiosqlite:///{db_path}", public_url=
                        f"http://127.0.0.1:{port}", twilio_account_sid=SID,
                        twilio_auth_token=TOKEN, record_calls=False, vad=vad,
                        log_level="WARNING", workers=workers, worker_index=index)
    app = create_app(settings)

    async def stats(request: web.Request) -> web.Response:
        s = app[STREAM_STATS]
        lat = s.lateness_ms
        body = {"cpu_s": cpu_s(), "frames": s.frames_sent, "marks": s.marks_sent,
                "clears": s.clears_sent, "bad": s.bad_messages, "lat": lat, "lags": lags,
                "gc_max_ms": max(gc_pauses, default=0), "gc_total_ms": sum(gc_pauses),
                "gc_count": len(gc_pauses)}
        if request.query.get("timeline"):
            body.update({"lat_at": s.lateness_at, "lag_at": lag_at, "lag_cpu": lag_cpu,
                         "gc_at": gc_at,
                         "gc_pauses": gc_pauses})
        if request.query.get("cpu"):
            return web.json_response({"cpu_s": cpu_s()})
        if request.query.get("reset"):
            lat.clear()
            s.lateness_at.clear()
            lags.clear()
            lag_at.clear()
            lag_cpu.clear()
            gc_pauses.clear()
            gc_at.clear()
            s.frames_sent = 0
        return web.json_response(body)

    lags: list[float] = []
    lag_at: list[float] = []  # monotonic time of each lag sample (for --timeline)
    lag_cpu: list[float] = []  # the loop thread's CPU ms in that sample: busy or descheduled
    gc_pauses: list[float] = []  # ms per collection, to tell GC stalls from CPU saturation
    gc_at: list[float] = []
    gc_started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_started[0] = time.monotonic()
        elif len(gc_pauses) < 100_000:
            gc_pauses.append(1000 * (time.monotonic() - gc_started[0]))
            gc_at.append(gc_started[0])

    import gc
    gc.callbacks.append(on_gc)

    async def lag_monitor(app: web.Application) -> Any:
        async def watch() -> None:
            loop = asyncio.get_running_loop()
            while True:
                t, c = loop.time(), time.thread_time()
                await asyncio.sleep(0.01)
                if len(lags) < 500_000:
                    lags.append(1000 * (loop.time() - t - 0.01))
                    lag_at.append(t)
                    lag_cpu.append(1000 * (time.thread_time() - c))
        task = asyncio.create_task(watch())
        yield
        task.cancel()

    app.cleanup_ctx.append(lag_monitor)
    async def stats_site(_app: web.Application) -> Any:
        """Each worker's own stats port (the shared one reaches a worker at random)."""
        stats_app = web.Application()
        stats_app.router.add_get("/bench/stats", stats)
        runner = web.AppRunner(stats_app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", stats_port).start()
        yield
        await runner.cleanup()

    app.cleanup_ctx.append(stats_site)
    freeze_after_startup(app)  # as `frontdesk serve` does
    import logging
    logging.basicConfig(level=logging.WARNING)
    profile = os.environ.get("BENCH_PROFILE")  # a path: profile the server's CPU time into it
    if not profile:
        web.run_app(app, host="127.0.0.1", port=port, print=None,
                    reuse_port=workers > 1 or None)
        return
    import cProfile

    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    try:
        web.run_app(app, host="127.0.0.1", port=port, print=None)
    finally:
        profiler.disable()
        profiler.dump_stats(profile)


# --- clients -----------------------------------------------------------------------------------

async def one_call(i: int, twilio: Any, speech: bytes, turns: int, ramp_s: float,
                   v2v: list[float], failures: list[str], stream_s: list[float],
                   live: list[int]) -> None:
    from tests.twilio_client import new_sid, parse_stream_twiml, silence_ulaw

    await asyncio.sleep(ramp_s * i)
    call_sid = new_sid("CA")
    status, doc = await twilio.inbound(call_sid, f"+4477009{i:05d}")
    if status != 200:
        failures.append(f"inbound {status}")
        return
    call = await twilio.connect(parse_stream_twiml(doc), call_sid)
    opened = time.monotonic()
    live[0] += 1
    tick = silence_ulaw(0.1)
    try:
        async def quiet_until(predicate: Any, within_s: float) -> bool:
            deadline = time.monotonic() + within_s
            while time.monotonic() < deadline and not call.ws.closed:
                if predicate():
                    return True
                await call.speak(tick)
            return False

        # the greeting: heard, then finished
        await quiet_until(lambda: bool(call.audio), 10)
        if not call.audio:
            failures.append("no greeting")
            return
        await quiet_until(lambda: time.monotonic() - call.audio[-1].at > 0.5, 15)
        for _ in range(turns):
            heard = len(call.audio)
            live[1] += 1
            try:
                await call.speak(speech)
            finally:
                live[1] -= 1
            ended = time.monotonic()
            if await quiet_until(lambda h=heard: len(call.audio) > h, 10):
                v2v.append(1000 * (call.audio[heard].at - ended))
            else:
                failures.append("no reply")
            await quiet_until(lambda: time.monotonic() - call.audio[-1].at > 0.5, 10)
        await call.stop()
    except Exception as exc:  # counted, never hidden
        failures.append(repr(exc))
    finally:
        live[0] -= 1
        await call.close()
        stream_s.append(time.monotonic() - opened)


async def server_cpu(http: Any, stats_urls: list[str]) -> float:
    total = 0.0
    for url in stats_urls:
        async with http.get(url + "?cpu=1") as r:
            total += (await r.json())["cpu_s"]
    return total


async def sample_steady(http: Any, stats_urls: list[str], calls: int, live: list[int],
                        samples: list[tuple[float, float, int]],
                        timeline: list[tuple[float, float, int, int]]) -> None:
    """Server CPU while every stream is open (no call starting or ending): the per-stream
    media cost without webhook, database and call set-up/tear-down work."""
    while True:
        n = live[0]
        cpu = await server_cpu(http, stats_urls)
        now = time.monotonic()
        samples.append((now, cpu, n if n == live[0] else -1))
        timeline.append((now, cpu, live[0], live[1]))
        await asyncio.sleep(0.5)


def print_timeline(parts: list[dict[str, Any]], timeline: list[tuple[float, float, int, int]],
                   t0: float) -> None:
    """Per second of the run: where the late frames are (calls open and speaking, server CPU,
    loop lag, GC), to tell the ramp, speech onsets, GC and CPU starvation apart. "its cpu" is
    the loop thread's CPU time during the second's worst lag: near the lag, the loop was busy;
    far below it, the process was waiting for a core (or blocked)."""
    rows: dict[int, dict[str, Any]] = {}

    def row(t: float) -> dict[str, Any]:
        return rows.setdefault(int(t - t0), {"lat": [], "lag": 0.0, "gc": 0.0, "gcmax": 0.0})

    for p in parts:
        for ms, at in zip(p["lat"], p["lat_at"], strict=False):
            row(at)["lat"].append(ms)
        for ms, at, cpu in zip(p["lags"], p["lag_at"], p["lag_cpu"], strict=False):
            r = row(at)
            if ms > r["lag"]:
                r["lag"], r["lag_cpu"] = ms, cpu
        for ms, at in zip(p["gc_pauses"], p["gc_at"], strict=False):
            r = row(at)
            r["gc"] += ms
            r["gcmax"] = max(r["gcmax"], ms)
    for (ta, ca, _, _), (tb, cb, n, speaking) in itertools.pairwise(timeline):
        r = row(tb)
        r["cpu"] = 100 * (cb - ca) / max(1e-9, tb - ta)
        r["open"], r["speaking"] = n, speaking
    print(f"{'s':>3} {'open':>4} {'spk':>4} {'srv cpu':>7} {'frames':>6} {'p99':>6} {'max':>5} "
          f"{'>20ms':>5} {'lag max':>7} {'its cpu':>7} {'gc ms':>6} {'gc max':>6}")
    for second in sorted(rows):
        r = rows[second]
        lat = r["lat"]
        print(f"{second:>3} {r.get('open', -1):>4} {r.get('speaking', -1):>4} "
              f"{r.get('cpu', float('nan')):>6.0f}% {len(lat):>6} {percentile(lat, 0.99):>6.1f} "
              f"{max(lat, default=0):>5.0f} {sum(x > 20 for x in lat):>5} {r['lag']:>7.1f} "
              f"{r.get('lag_cpu', 0.0):>7.1f} "
              f"{r['gc']:>6.1f} {r['gcmax']:>6.1f}")


def steady_cpu_ms(samples: list[tuple[float, float, int]], calls: int) -> float:
    cpu = stream_s = 0.0
    for (t0, c0, n0), (t1, c1, n1) in itertools.pairwise(samples):
        if n0 == n1 == calls:
            cpu += c1 - c0
            stream_s += calls * (t1 - t0)
    return 1000 * cpu / stream_s if stream_s else float("nan")


async def run_load(port: int, stats_ports: list[int], calls: int, turns: int,
                   ramp_s: float, show_timeline: bool = False,
                   client: str = "lean") -> dict[str, Any]:
    import aiohttp

    from bench import twilio_callers
    from tests.twilio_client import TwilioClient, speech_ulaw

    speech = await asyncio.to_thread(speech_ulaw, UTTERANCE)
    speech_b64 = twilio_callers.b64_frames(speech)
    base = f"http://127.0.0.1:{port}"
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        twilio = TwilioClient(http, base, base, TOKEN)
        stats_urls = [f"http://127.0.0.1:{p}/bench/stats" for p in stats_ports]
        for url in stats_urls:
            async with http.get(url + "?reset=1") as r:
                await r.read()
        cpu_before = await server_cpu(http, stats_urls)
        results = twilio_callers.Results()
        v2v, failures, stream_s = results.v2v_ms, results.failures, results.stream_s
        live = results.live  # calls open, callers speaking
        ticker = twilio_callers.CallerTicker()
        samples: list[tuple[float, float, int]] = []
        timeline: list[tuple[float, float, int, int]] = []
        sampler = asyncio.create_task(sample_steady(http, stats_urls, calls, live, samples,
                                                    timeline))
        c0, t0 = cpu_s(), time.monotonic()
        budget = ramp_s * calls + turns * 25 + 40
        try:
            if client == "lean":
                await asyncio.wait_for(asyncio.gather(*(
                    twilio_callers.one_call(i, twilio, ticker, speech_b64, turns, ramp_s,
                                            results)
                    for i in range(calls))), budget)
            else:
                await asyncio.wait_for(asyncio.gather(*(
                    one_call(i, twilio, speech, turns, ramp_s, v2v, failures, stream_s, live)
                    for i in range(calls))), budget)
        except TimeoutError:
            failures.append(f"run exceeded {budget:.0f} s")
        finally:
            await ticker.close()
            sampler.cancel()
            await asyncio.gather(sampler, return_exceptions=True)
        wall = time.monotonic() - t0
        client_cpu = cpu_s() - c0
        parts = []
        for url in stats_urls:
            async with http.get(url + ("?timeline=1" if show_timeline else "")) as r:
                parts.append(await r.json())
    if show_timeline:
        print_timeline(parts, timeline, t0)
    after = {"cpu_s": sum(p["cpu_s"] for p in parts), "frames": sum(p["frames"] for p in parts),
             "gc_max_ms": max(p["gc_max_ms"] for p in parts),
             "gc_total_ms": sum(p["gc_total_ms"] for p in parts),
             "gc_count": sum(p["gc_count"] for p in parts)}
    lat = [x for p in parts for x in p["lat"]]
    lags = [x for p in parts for x in p["lags"]]
    after.update({"p50": percentile(lat, 0.5), "p99": percentile(lat, 0.99),
                  "max": max(lat, default=float("nan")), "loop_lag_p99": percentile(lags, 0.99),
                  "loop_lag_max": max(lags, default=0.0)})
    used_cpu = after["cpu_s"] - cpu_before
    return {"calls": calls, "wall_s": wall,
            "server_cpu_ms_per_stream_s": 1000 * used_cpu / max(1e-9, sum(stream_s)),
            "steady_cpu_ms_per_stream_s": steady_cpu_ms(samples, calls),
            "server_cpu_pct": 100 * used_cpu / wall, "client_cpu_pct": 100 * client_cpu / wall,
            "late_p50": after["p50"], "late_p99": after["p99"], "late_max": after["max"],
            "frames": after["frames"], "loop_lag_p99": after["loop_lag_p99"],
            "loop_lag_max": after["loop_lag_max"], "gc_max_ms": after["gc_max_ms"],
            "gc_total_ms": after["gc_total_ms"], "gc_count": after["gc_count"],
            "v2v_p50": percentile(v2v, 0.5),
            "v2v_p95": percentile(v2v, 0.95), "replies": len(v2v), "failures": failures}


def prepare_db(path: str) -> None:
    from server.cli import _seed
    from server.db.migrate import upgrade
    from server.settings import Settings

    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    asyncio.run(_seed(Settings(database_url=url), reset=False))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--turns", type=int, default=2)
    parser.add_argument("--ramp", type=float, default=0.02, help="seconds between call starts")
    parser.add_argument("--vad", default=os.environ.get("FRONTDESK_VAD", "silero"))
    parser.add_argument("--client", choices=["lean", "scripted"], default="lean",
                        help="simulated Twilio: one ticker for all calls (bench/twilio_callers"
                             ".py, ~half the CPU) or tests/twilio_client.py's, a task per call")
    parser.add_argument("--timeline", action="store_true",
                        help="print per-second lateness, loop lag, GC and CPU of each run")
    parser.add_argument("--serve", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1,
                        help="server processes sharing the port (as `frontdesk serve --workers`)")
    parser.add_argument("--db", default="", help=argparse.SUPPRESS)
    parser.add_argument("--worker-index", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--stats-port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.vad, args.db, args.workers, args.worker_index, args.stats_port)
        return
    print(f"vad={args.vad} turns={args.turns} workers={args.workers} client={args.client} "
          f"cores={os.cpu_count()}")
    print(f"{'calls':>5} {'late p50':>8} {'p99':>7} {'max':>7} {'srv cpu':>8} {'cli cpu':>8} "
          f"{'v2v p50':>8} {'p95':>7} {'replies':>7} {'cpu/strm':>8} {'steady':>7} failures")
    for n in args.calls:
        with tempfile.TemporaryDirectory() as tmp:
            port = free_port()
            db = f"{tmp}/bench.db"
            if args.workers > 1:  # like `frontdesk serve --workers`: migrate and seed once
                prepare_db(db)
            stats_ports = [free_port() for _ in range(args.workers)]
            servers = [subprocess.Popen(
                [sys.executable, __file__, "--serve", str(port), "--vad", args.vad, "--db", db,
                 "--workers", str(args.workers), "--worker-index", str(i),
                 "--stats-port", str(stats_ports[i])]) for i in range(args.workers)]
            try:
                for p in stats_ports:  # up to 30 s for migrations and the VAD prewarm
                    for _ in range(300):
                        try:
                            with socket.create_connection(("127.0.0.1", p), 0.1):
                                break
                        except OSError:
                            time.sleep(0.1)
                r = asyncio.run(run_load(port, stats_ports, n, args.turns, args.ramp,
                                         args.timeline, args.client))
            finally:
                for server in servers:
                    server.send_signal(signal.SIGINT)  # run_app shuts down cleanly on SIGINT
                for server in servers:
                    try:
                        server.wait(30)
                    except subprocess.TimeoutExpired:
                        server.kill()
                        server.wait(10)
        fails = r["failures"]
        summary = f"{len(fails)} ({', '.join(sorted(set(fails))[:3])})" if fails else "0"
        print(f"{n:>5} {r['late_p50']:>7.1f}ms {r['late_p99']:>5.1f}ms {r['late_max']:>5.0f}ms "
              f"{r['server_cpu_pct']:>7.0f}% {r['client_cpu_pct']:>7.0f}% "
              f"{r['v2v_p50']:>6.0f}ms {r['v2v_p95']:>5.0f}ms {r['replies']:>7} "
              f"{r['server_cpu_ms_per_stream_s']:>6.1f}ms "
              f"{r['steady_cpu_ms_per_stream_s']:>5.1f}ms {summary}",
              flush=True)
        print(json.dumps({k: v for k, v in r.items() if k != "failures"}), flush=True)


if __name__ == "__main__":
    main()
