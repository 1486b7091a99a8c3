"""Fixed-window counters in Django's cache, the basis of every rate limit of the platform."""

from __future__ import annotations

from django.core.cache import cache


def window_hit(key: str, window: int) -> int:
    """Count one event under ``key`` in the current window of ``window`` seconds; returns the count so far."""
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the window expired between add() and incr()
        cache.set(key, 1, timeout=window)
        return 1
