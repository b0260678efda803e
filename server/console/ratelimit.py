"""Login rate limiting: a sliding window of failed attempts per client address and per name."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class LoginLimiter:
    """At most `max_failures` failed logins per `window_s`, counted per address and per name."""

    def __init__(self, max_failures: int = 5, window_s: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        now = self.clock()
        q = self._failures.setdefault(key, deque())
        while q and now - q[0] > self.window_s:
            q.popleft()
        if not q:
            del self._failures[key]
            return deque()
        return q

    def retry_after(self, address: str, name: str) -> float:
        """Seconds until another attempt is allowed (0: allowed now)."""
        wait = 0.0
        for key in (f"ip:{address}", f"name:{name.lower()}"):
            q = self._recent(key)
            if len(q) >= self.max_failures:
                wait = max(wait, self.window_s - (self.clock() - q[0]))
        return wait

    def failed(self, address: str, name: str) -> None:
        now = self.clock()
        for key in (f"ip:{address}", f"name:{name.lower()}"):
            self._failures.setdefault(key, deque()).append(now)
        if len(self._failures) > 10_000:  # bound memory under a spray of names
            self._failures.clear()

    def succeeded(self, name: str) -> None:
        self._failures.pop(f"name:{name.lower()}", None)
