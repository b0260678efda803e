"""`bench.soak --probe`: loaded into the server process (PYTHONPATH) to count live call objects.

On SIGUSR1 it runs a full garbage collection, then appends one JSON line to the file named by
`FRONTDESK_SOAK_PROBE`: how many objects of each type in `WATCH` are still alive, and the
coroutines of the tasks not yet done. A call's
objects outliving the call show up as counts that grow round after round; resident memory alone
cannot tell a leak from garbage not yet collected or the allocator keeping freed pages.
Not part of the server: only the soak bench puts this directory on the server's path.
"""

from __future__ import annotations

import asyncio
import collections
import gc
import json
import os
import signal
from types import FrameType

WATCH = ("VoiceSession", "RTCPeerConnection", "VadTurnDetector", "OfflineEngine",
         "PhoneCall", "Playout", "Task")


def _dump(_signum: int, _frame: FrameType | None) -> None:
    collected = gc.collect()
    objects = gc.get_objects()
    counts = collections.Counter(type(o).__name__ for o in objects)
    tasks = collections.Counter(
        getattr(o.get_coro(), "__qualname__", "?") for o in objects
        if isinstance(o, asyncio.Task) and not o.done())
    line = {"collected": collected, **{name: counts.get(name, 0) for name in WATCH},
            "tasks": dict(tasks.most_common(8))}
    with open(os.environ["FRONTDESK_SOAK_PROBE"], "a") as out:
        out.write(json.dumps(line) + "\n")


if os.environ.get("FRONTDESK_SOAK_PROBE"):
    signal.signal(signal.SIGUSR1, _dump)
