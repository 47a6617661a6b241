"""Sliding-window rate limits for the public survey pages.

A :class:`SlidingWindowLimiter` keeps, per key, the moments of the requests
of the last window in memory. It is thread-safe, so the threaded server
shares one window between its threads. It bounds its memory by dropping the
least recently used keys beyond ``max_keys``.
"""

import threading
from collections import OrderedDict, deque


class SlidingWindowLimiter:
    """Allow at most ``limit`` hits per key within any ``window_seconds`` seconds.

    :meth:`hit` takes another limit for one call, so that a limit read from the
    configuration applies without building a new limiter.
    """

    def __init__(self, limit, window_seconds, max_keys=50000):
        self.limit = limit
        self.window_seconds = window_seconds
        self.max_keys = max_keys
        self._hits = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key, now, limit=None):
        """Record a hit of ``key`` at ``now`` (seconds) and return True when it is within the limit.

        A rejected hit is not recorded, so a client that keeps trying is let
        through again as soon as its older hits leave the window.
        """
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                hits = self._hits[key] = deque()
            else:
                self._hits.move_to_end(key)
            while hits and hits[0] <= now - self.window_seconds:
                hits.popleft()
            if len(hits) >= (self.limit if limit is None else limit):
                return False
            hits.append(now)
            while len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)
            return True

    def reset(self):
        """Forget every hit."""
        with self._lock:
            self._hits.clear()
