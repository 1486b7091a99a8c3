"""``{% decision_trail subject %}`` renders the public decision trail of any contribution of any module."""

from __future__ import annotations

from typing import Any

from django import template

from parlons.core import permissions
from parlons.core.selectors import decision_trail as select_trail

register = template.Library()


@register.inclusion_tag("core/_decision_trail.html", takes_context=True)
def decision_trail(context: dict[str, Any], subject: Any) -> dict[str, Any]:
    request = context["request"]
    org = request.organisation
    staff = permissions.is_staff(request.user, org)
    return {
        "trail": list(select_trail(organisation=org, subject=subject, include_private=staff)),
        "trail_id": f"{subject._meta.label_lower.replace('.', '-')}-{subject.pk}",
    }
