"""The recount hook registry: modules that log votes (budgets) register how to recount one from the log.

The ledger never imports those modules. A module registers a ``RecountHook`` from its ``AppConfig.ready()``:

    from parlons.ledger.recount import RecountHook, register_recount
    register_recount(RecountHook(
        key="budgets",
        locate=lambda vote_id: ...,            # Organisation owning the vote, or None if not ours
        closed_votes=lambda organisation: ..., # [ClosedVote] for the transparency page
        recount=lambda vote_id, entries: ...,  # result (JSON-able) recomputed from verified entries only
        published_result=lambda vote_id: ..., # the result the module published, to compare with
    ))

``recount_vote`` gives the hook only entries whose ``ref`` is the vote id, after checking each one against the
latest signed checkpoint (leaf hash recomputed from the stored bytes, inclusion proof from stored nodes,
checkpoint signature): an altered, swapped or reordered entry makes the recount fail loudly instead of
silently counting it. The vote's own entries (opening with the census commitment, closing with the ballot
count) let the hook detect a deleted ballot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ClosedVote:
    vote_id: str
    title: str
    closed_at: Any = None


@dataclass(frozen=True)
class VerifiedEntry:
    index: int
    kind: str
    ref: str
    document: dict[str, Any]  # the decoded entry: {"v", "kind", "time", "payload", "ref"}

    @property
    def payload(self) -> dict[str, Any]:
        return self.document.get("payload", {})


@dataclass(frozen=True)
class RecountHook:
    key: str
    locate: Callable[[str], Any]
    closed_votes: Callable[[Any], list[ClosedVote]]
    recount: Callable[[str, Iterable[VerifiedEntry]], Any]
    published_result: Callable[[str], Any]


_hooks: dict[str, RecountHook] = {}


def register_recount(hook: RecountHook) -> None:
    _hooks[hook.key] = hook


def unregister_recount(key: str) -> None:
    _hooks.pop(key, None)


def recount_hooks() -> list[RecountHook]:
    return list(_hooks.values())
