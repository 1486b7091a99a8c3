from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def organisation(request: HttpRequest) -> dict[str, Any]:
    org = getattr(request, "organisation", None)
    membership = None
    user = getattr(request, "user", None)
    if org is not None and user is not None and user.is_authenticated:
        from parlons.core.selectors import membership_get

        membership = membership_get(user=user, organisation=org)
    return {"organisation": org, "membership": membership}
