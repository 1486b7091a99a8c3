"""The rendered proposal list, cached for signed-out visitors.

Signed-out visitors all see the same list for the same filters, so the rendered fragment is kept in Django's
cache under a key made of the organisation, the component, the filters, the sort, the page, the language and a
per-component version. Every service that changes what the list shows (proposals, supports, comments, answers,
moderation) calls ``bump``; the new version makes every older fragment unreachable, and they expire on their own.
Things the list shows but does not own (an author's public name, a topic's name) are stale at most ``TTL``.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

TTL = 300  # seconds
VERSION_TTL = 24 * 3600


def _version_key(component_id: int) -> str:
    return f"consultations:list-version:{component_id}"


def _set_new_version(component_id: int) -> None:
    cache.set(_version_key(component_id), time.time_ns(), VERSION_TTL)


def bump(component_id: int) -> None:
    """Invalidate the cached lists of the component: now, and again once the transaction commits.

    The second bump closes the window where a concurrent visitor, reading before the commit, would cache the old
    list under the version set by the first one.
    """
    _set_new_version(component_id)
    transaction.on_commit(lambda: _set_new_version(component_id))


def fragment_key(
    *, organisation_id: int, component_id: int, filters: object, page: int, language: str
) -> str:
    """The cache key of one rendered list; ``filters`` is the selectors' ``Filters`` (its repr is stable);
    ``language`` carries whatever else the rendering depends on (language, script prefix)."""
    digest = hashlib.sha256(repr(filters).encode()).hexdigest()[:32]
    return f"consultations:list:{organisation_id}:{component_id}:{language}:p{page}:{digest}"


@dataclass(frozen=True)
class Cached:
    """What the cache holds for one key under the current version (None: not cached)."""

    version: int = 0
    list_html: str | None = None
    content_html: str | None = None


def get(key: str, *, component_id: int) -> Cached:
    """The renderings cached under the current version, and that version: one cache read.

    The version travels with the renderings rather than in their key, so that both come back in one round trip.
    """
    version_key = _version_key(component_id)
    found = cache.get_many([version_key, key])
    current = found.get(version_key)
    if current is None:
        current = time.time_ns()
        cache.set(version_key, current, VERSION_TTL)
        return Cached(version=current)
    stored = found.get(key)
    if isinstance(stored, dict) and stored.get("version") == current:
        return Cached(version=current, list_html=stored.get("list"), content_html=stored.get("content"))
    return Cached(version=current)


def put(key: str, *, version: int, list_html: str, content_html: str | None = None) -> None:
    """Keep the renderings made under ``version`` (the one ``get`` returned before the proposals were read)."""
    cache.set(key, {"version": version, "list": list_html, "content": content_html}, TTL)
