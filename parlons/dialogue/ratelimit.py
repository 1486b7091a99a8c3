"""Rate limits on posting, editing and flagging: fixed-window counters in Django's cache."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from parlons.common.errors import DomainError
from parlons.common.ratelimit import window_hit

# action -> (how many, per seconds); overridable with PARLONS_DIALOGUE_RATES.
DEFAULT_RATES: dict[str, tuple[int, int]] = {
    "post": (10, 60),
    "post_hour": (60, 3600),
    "edit": (20, 600),
    "flag": (20, 3600),
    "upvote": (120, 60),
}


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429


def hit(*, action: str, user: Any, field: str | None = None) -> None:
    """Count one ``action`` by ``user``; raise RateLimited once the window's allowance is used up."""
    rates = {**DEFAULT_RATES, **getattr(settings, "PARLONS_DIALOGUE_RATES", {})}
    limit, window = rates[action]
    key = f"dialogue:rate:{action}:{getattr(user, 'pk', 'anon')}"
    count = window_hit(key, window)
    if count > limit:
        raise RateLimited(_("You are going too fast: please wait a moment and try again."), field=field)
