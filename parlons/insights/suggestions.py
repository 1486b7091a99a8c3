"""Label suggestions for the forms of modules (a report's category, a proposal's topic), learnt per
organisation from what its people already categorised.

A module opts in through its manifest: ``labelled_texts(component)`` gives (text, label key) pairs and
``suggestion_labels(component)`` the labels its form offers now. The model of an organisation and module is
trained on the pairs of all its components of that module (the labels are the organisation's), kept in
Django's cache for ``SUGGESTER_TTL`` seconds (so new reports count within the hour) and in a small
per-process memo so that typing does not unpickle it on every key stroke.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from parlons.common.errors import DomainError
from parlons.common.ratelimit import window_hit
from parlons.core import registry
from parlons.core.models import Component, Organisation
from parlons.insights.text.suggest import NotEnoughData, Suggester

SUGGESTER_TTL = 3600
# Training on 5,000 texts takes about 5 s; beyond, more texts add little accuracy for a category form.
MAX_TRAINING_TEXTS = 5000
TRAINING_LOCK_SECONDS = 120
MIN_TEXT_CHARS = 4
MAX_TEXT_CHARS = 2000
# (requests, per seconds) per person or address; overridable with PARLONS_SUGGEST_RATE.
DEFAULT_RATE = (60, 60)

_memo: dict[str, tuple[float, Suggester | None]] = {}


class SuggestionsRateLimited(DomainError):
    code = "rate_limited"
    status = 429


@dataclass(frozen=True, slots=True)
class Suggestion:
    key: str
    name: str
    score: float
    words: tuple[str, ...]
    confident: bool


def _cache_key(organisation: Organisation, module_key: str) -> str:
    return f"insights:suggester:{organisation.pk}:{module_key}"


def suggester_train(*, organisation: Organisation, module_key: str) -> Suggester | None:
    """Train the organisation's suggester for a module from its manifest's ``labelled_texts`` over all the
    organisation's components of that module, and cache it. None (cached too) when there is too little
    labelled text or the module does not take part."""
    manifest = registry.get(module_key)
    suggester: Suggester | None = None
    if manifest is not None and manifest.labelled_texts is not None:
        pairs: set[tuple[str, str]] = set()
        components = Component.objects.for_organisation(organisation).filter(module_key=module_key)
        for component in components.select_related("process"):
            pairs.update((text, str(label)) for text, label in manifest.labelled_texts(component) if text)
        ordered = sorted(pairs)
        if len(ordered) > MAX_TRAINING_TEXTS:  # a few seconds of training at most, on a fair sample
            ordered = random.Random(0).sample(ordered, MAX_TRAINING_TEXTS)
        try:
            suggester = Suggester().fit([t for t, _l in ordered], [label for _t, label in ordered])
        except NotEnoughData:
            suggester = None
    stamp = time.time()
    key = _cache_key(organisation, module_key)
    cache.set(key, {"stamp": stamp, "model": suggester}, timeout=SUGGESTER_TTL)
    if len(_memo) > 256:  # many organisations: start the memo afresh
        _memo.clear()
    _memo[key] = (stamp, suggester)
    return suggester


def suggester_forget(*, organisation: Organisation, module_key: str) -> None:
    """Drop the cached model (e.g. after categories were edited): the next suggestion retrains it."""
    key = _cache_key(organisation, module_key)
    cache.delete(key)
    _memo.pop(key, None)


def _suggester(organisation: Organisation, module_key: str) -> Suggester | None:
    key = _cache_key(organisation, module_key)
    entry = cache.get(key)
    if entry is None:
        # One request trains; the others meanwhile get no suggestion rather than train it again.
        if not cache.add(f"{key}:training", 1, timeout=TRAINING_LOCK_SECONDS):
            return None
        try:
            return suggester_train(organisation=organisation, module_key=module_key)
        finally:
            cache.delete(f"{key}:training")
    memo = _memo.get(key)
    if memo is not None and memo[0] == entry["stamp"]:
        return memo[1]
    _memo[key] = (entry["stamp"], entry["model"])
    return entry["model"]


def suggestion_list(*, component: Component, text: str, k: int = 3) -> list[Suggestion]:
    """Up to ``k`` labels that the component's form offers now, likeliest first, with the words of ``text``
    behind each; empty when the text is too short, nothing was learnt, or no word is known."""
    text = (text or "").strip()[:MAX_TEXT_CHARS]
    manifest = registry.get(component.module_key)
    if len(text) < MIN_TEXT_CHARS or manifest is None or manifest.suggestion_labels is None:
        return []
    suggester = _suggester(component.process.organisation, component.module_key)
    if suggester is None:
        return []
    offered = manifest.suggestion_labels(component)
    ranked = [(str(label), score) for label, score in suggester.suggest(text, k=len(suggester.labels))]
    ranked = [(label, score) for label, score in ranked if label in offered][:k]
    # Confident: the one-vs-rest classifier of the first label, and of no other offered label, says yes.
    positive = [
        label for label, margin in suggester.margins(text).items() if margin > 0 and str(label) in offered
    ]
    sure = len(positive) == 1 and bool(ranked) and str(positive[0]) == ranked[0][0]
    out = []
    for position, (label, score) in enumerate(ranked):
        words = tuple(word for word, _w in suggester.explain(text, label, top=3))
        if not words:  # nothing in the text points to it: not worth offering
            continue
        out.append(Suggestion(label, offered[label], score, words, confident=position == 0 and sure))
    return out


def suggestion_rate_hit(*, who: str) -> None:
    """Count one suggestion request by ``who`` (a user id or an address); raise once over the allowance."""
    limit, window = getattr(settings, "PARLONS_SUGGEST_RATE", DEFAULT_RATE)
    key = f"insights:suggest-rate:{who}"
    count = window_hit(key, window)
    if count > limit:
        raise SuggestionsRateLimited(_("You are going too fast: please wait a moment and try again."))


def requester_key(request: Any) -> str:
    """Who makes a request, for the rate limit: the person when signed in, else the address."""
    if getattr(request.user, "is_authenticated", False):
        return f"user:{request.user.pk}"
    return f"addr:{request.META.get('REMOTE_ADDR', '')}"
