"""Who may propose, vote and manage in a budgets component (on top of parlons.core.permissions)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from parlons.common.errors import PermissionDenied
from parlons.core import permissions
from parlons.core.models import Component
from parlons.core.permissions import Decision


def can_propose(user: Any, component: Component) -> Decision:
    if not component.settings.get("allow_proposals", True):
        return Decision(False, _("Project proposals are closed."))
    return permissions.can_perform(user, component, "propose")


_UNREAD = object()


def vote_decision(
    user: Any, budget: Any, *, level: int | None = None, home_area_id: Any = _UNREAD
) -> Decision:
    """May this person vote in this budget: the ``vote`` action (phase, verification level), the vote being open,
    and, for a district budget when the component restricts votes to residents, their district of residence.

    ``level`` and ``home_area_id``: the person's facts when the caller has just read them (``ballot_cast``)."""
    from parlons.modules.budgets.models import Budget

    if budget.status != Budget.Status.OPEN:
        return Decision(False, _("This vote is not open."))
    decision = permissions.can_perform(user, budget.component, "vote", level=level)
    if not decision:
        return decision
    if budget.area_id and budget.component.settings.get("district_rule", "residents") == "residents":
        if home_area_id is _UNREAD:
            membership = permissions.membership_of(user, budget.component.process.organisation)
            home_area_id = membership.home_area_id if membership is not None else None
        if home_area_id != budget.area_id:
            return Decision(
                False,
                _("This vote is for residents of %(area)s. Set your district in your profile.")
                % {"area": budget.area},
            )
    return Decision(True)


def require_staff(user: Any, component: Component, *, admin: bool = False) -> None:
    """Agents, moderators and administrators (or administrators only); ``None`` is the system itself."""
    if user is None:
        return
    organisation = component.process.organisation
    allowed = permissions.is_admin(user, organisation) if admin else permissions.is_staff(user, organisation)
    if not allowed:
        raise PermissionDenied(
            _("Only the organisation's administrators can do this.")
            if admin
            else _("Only the town's staff can do this.")
        )
