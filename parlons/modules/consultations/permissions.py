"""Several actions' decisions for one page, at the cost of one verification check.

``can_perform`` looks the person's verification level up each time it is called; a proposal page needs the
decisions of three actions. Actions whose rules (enabled, phases, level, anonymous access) are identical get
the same answer from the core, except for the module's own predicate, which is applied here per action.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from parlons.core import registry
from parlons.core.models import Component
from parlons.core.permissions import Decision, action_rule, can_perform


def decisions(
    user: Any, component: Component, actions: Iterable[str], obj: Any = None
) -> dict[str, Decision]:
    manifest = registry.get(component.module_key)
    result: dict[str, Decision] = {}
    by_rule: dict[tuple[Any, ...], Decision] = {}
    for action in actions:
        declared = manifest.action(action) if manifest else None
        rule = action_rule(component, action)
        key = (
            bool(rule.get("enabled", True)),
            tuple(rule.get("phases") or ()),
            int(rule.get("level", 1)),
            bool(declared and declared.anonymous_allowed),
        )
        if key not in by_rule:
            by_rule[key] = can_perform(user, component, action, obj)
            result[action] = by_rule[key]
            continue
        shared = by_rule[key]
        predicate = manifest.permissions.get(action) if manifest else None
        if shared and predicate is not None and not predicate(user, component, obj):
            result[action] = Decision(False, _("You cannot do this here."))
        elif not shared and shared.reason == _("You cannot do this here."):
            result[action] = can_perform(user, component, action, obj)
        else:
            result[action] = shared
    return result
