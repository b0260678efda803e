"""Connect-time bench: N browser calls one after another against a real server.

Run as `python -m bench.connect`. Prints median and p95 of click→connected (measured in the
page) and of the server's offer→answer time (from GET /voice/sessions/{id}).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from bench.netns import ensure_loopback_namespace


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    ensure_loopback_namespace()

    from playwright.sync_api import sync_playwright

    from e2e.audio_fixtures import spoken_wav
    from e2e.browser import launch
    from e2e.live_server import LiveServer

    click_to_connected: list[float] = []
    offer_to_answer: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        work = Path(tmp)
        wav = spoken_wav(work / "guest.wav", "Hello.")
        server = LiveServer(work, {"FRONTDESK_RECORD_CALLS": "0", "FRONTDESK_LOG_LEVEL": "WARNING"})
        server.start()
        browser = launch(pw, wav)
        try:
            for _ in range(max(1, min(args.calls, 500))):
                page = browser.new_page()
                page.goto(server.url + "/")
                page.click("#call")
                page.wait_for_function("window.frontdesk.state === 'connected'", timeout=30_000)
                timings = page.evaluate("window.frontdesk.timings")
                session_id = page.evaluate("window.frontdesk.sessionId")
                click_to_connected.append(timings["connected"] - timings["click"])
                detail = server.get(f"/voice/sessions/{session_id}")
                offer_to_answer.append(detail["timings_ms"]["offer_to_answer"])
                page.click("#hangup")
                server.wait_for(lambda: not server.get("/voice/sessions")["sessions"],
                                what="call ended")
                page.close()
        finally:
            browser.close()
            server.stop()

    n = len(click_to_connected)
    print(f"calls: {n}")
    for name, values in (("click->connected", click_to_connected),
                         ("server offer->answer", offer_to_answer)):
        print(f"{name:22s} median {statistics.median(values):7.1f} ms   "
              f"p95 {percentile(values, 0.95):7.1f} ms   max {max(values):7.1f} ms")


if __name__ == "__main__":
    main()
