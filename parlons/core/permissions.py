"""Who may do what: roles per organisation, process visibility, and component actions per phase and level."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from parlons.accounts.models import STAFF_ROLES, Membership, Role
from parlons.accounts.verification import Level, level_for
from parlons.core import registry
from parlons.core.models import Component, Organisation, Process


def membership_of(user: Any, organisation: Organisation) -> Membership | None:
    if user is None or not user.is_authenticated:
        return None
    cache = getattr(user, "_parlons_memberships", None)
    if cache is None:
        cache = {}
        user._parlons_memberships = cache
    if organisation.pk not in cache:
        cache[organisation.pk] = Membership.objects.filter(user=user, organisation=organisation).first()
    return cache[organisation.pk]


def role_of(user: Any, organisation: Organisation) -> str | None:
    membership = membership_of(user, organisation)
    return membership.role if membership else None


def is_staff(user: Any, organisation: Organisation) -> bool:
    return role_of(user, organisation) in STAFF_ROLES


def is_admin(user: Any, organisation: Organisation) -> bool:
    return role_of(user, organisation) == Role.ADMIN


def can_view_process(user: Any, process: Process) -> bool:
    if process.visibility == Process.Visibility.PUBLIC:
        return True
    membership = membership_of(user, process.organisation)
    if membership is None:
        return False
    if membership.role in (Role.ADMIN, Role.MODERATOR):
        return True
    if process.visibility == Process.Visibility.PILOT:
        if process.pilot_service_id and membership.service_id == process.pilot_service_id:
            return True
        return process.pilot_users.filter(pk=user.pk).exists()
    return membership.role == Role.AGENT and process.pilot_service_id == membership.service_id


@dataclass(frozen=True)
class Decision:
    """The answer to 'may this person do this action here?', with the reason shown when not."""

    allowed: bool
    reason: str | Promise = ""
    # The level the person would need to reach, so the page can offer the right verification.
    needed_level: int | None = None

    def __bool__(self) -> bool:
        return self.allowed


def action_rule(component: Component, action: str) -> dict[str, Any]:
    manifest = registry.get(component.module_key)
    declared = manifest.action(action) if manifest else None
    rule = {"enabled": True, "phases": [], "level": declared.default_level if declared else Level.EMAIL}
    rule.update(component.permissions.get(action, {}))
    return rule


def can_perform(
    user: Any, component: Component, action: str, obj: Any = None, *, level: int | None = None
) -> Decision:
    """Check phase, verification level and the module's own predicate for an action on a component.

    ``level``: the person's verification level when the caller has just read it (see ``level_facts_sql``)."""
    manifest = registry.get(component.module_key)
    if manifest is None or manifest.action(action) is None:
        return Decision(False, _("This action does not exist here."))
    process = component.process
    if not component.is_published or not can_view_process(user, process):
        return Decision(False, _("This space is not open."))
    rule = action_rule(component, action)
    if not rule.get("enabled", True):
        return Decision(False, _("This action is closed."))
    phases = rule.get("phases") or []
    if phases:
        current = process.current_phase()
        if current is None or current.pk not in phases:
            return Decision(False, _("This action is not open in the current phase."))
    needed = int(rule.get("level", Level.EMAIL))
    declared = manifest.action(action)
    if not user.is_authenticated and not (declared and declared.anonymous_allowed and needed == Level.NONE):
        return Decision(False, _("Please sign in to take part."), needed_level=needed)
    if (
        needed > Level.NONE
        and (level if level is not None else level_for(user, process.organisation)) < needed
    ):
        return Decision(
            False,
            _("This action requires: %(level)s.") % {"level": Level(needed).label},
            needed_level=needed,
        )
    predicate = manifest.permissions.get(action)
    if predicate is not None and not predicate(user, component, obj):
        return Decision(False, _("You cannot do this here."))
    return Decision(True)
