"""Extension points of the core for the layers above it (ledger, ...), without signals.

The core must not import those layers, so they register plain callables here from their ``AppConfig.ready()``.
Listeners run synchronously inside the caller's transaction: if one raises, the whole change is rolled back,
which is what an append-only record needs (no decision without its log entry).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Called by services.decision_record with the DecisionEvent, after its documents are saved.
decision_recorded_listeners: list[Callable[[Any], None]] = []


def add_listener(listeners: list[Callable[[Any], None]], listener: Callable[[Any], None]) -> None:
    """Register ``listener`` once (``ready()`` may run more than once in tests)."""
    if listener not in listeners:
        listeners.append(listener)
