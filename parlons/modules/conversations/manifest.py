"""Declares the ``conversations`` module (Pol.is-style opinion map) to the core registry."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parlons.core import permissions, registry
from parlons.core.models import Component


class ConversationsSettingsForm(forms.Form):
    show_map = forms.BooleanField(
        label=_("Show the opinion map to participants"), required=False, initial=True
    )


def _stats(component: Component) -> dict[str, int | float]:
    from parlons.modules.conversations.selectors import conversation_stats

    return conversation_stats(component=component)


def _texts(component: Component) -> Iterator[registry.AnalysisText]:
    """Accepted statements, for the analysis service: dated by their writing, in their author's home
    district in the organisation when the author has an account and gave one."""
    from django.db.models import OuterRef, Subquery

    from parlons.accounts.models import Membership
    from parlons.modules.conversations.models import Statement

    home_area = Membership.objects.filter(
        organisation_id=OuterRef("organisation_id"), user_id=OuterRef("author__user_id")
    ).values("home_area__name")[:1]
    rows = (
        Statement.objects.filter(conversation__component=component, status=Statement.Status.ACCEPTED)
        .annotate(home_area=Subquery(home_area))
        .values_list("conversation__public_id", "public_id", "text", "created_at", "home_area")
    )
    for conversation_id, public_id, text, created_at, area in rows.iterator(chunk_size=2000):
        yield registry.AnalysisText(
            id=f"conversation:{conversation_id}:{public_id}", text=text, created=created_at, area=area or None
        )


def _can_take_part(user: Any, component: Component, obj: Any = None) -> bool:
    return bool(obj is None or getattr(obj, "is_open", True))


def _can_add(user: Any, component: Component, obj: Any = None) -> bool:
    return bool(obj is None or (getattr(obj, "allow_statements", True) and getattr(obj, "is_open", True)))


def _can_moderate(user: Any, component: Component, obj: Any = None) -> bool:
    return permissions.is_staff(user, component.process.organisation)


def _delete_guard(component: Component) -> Any:
    from parlons.modules.conversations.models import Vote

    count = Vote.objects.filter(conversation__component=component).count()
    if count:
        return _(
            "These conversations hold %(count)d votes: unpublish the component instead of deleting it."
        ) % {"count": count}
    return None


def _seed(component: Component) -> None:
    from parlons.modules.conversations.seed import seed

    seed(component)


manifest = registry.register(
    registry.ModuleManifest(
        key="conversations",
        purpose="deliberation",
        name=_("Conversations"),
        description=_(
            "A question, short statements to agree or disagree with one at a time, and the map of the opinion "
            "groups that emerge, with what each group stands for and what everyone shares."
        ),
        icon="message-circle",
        app_label="conversations",
        actions=(
            registry.Action(key="vote", label=_("Vote on statements"), default_level=1),
            registry.Action(key="add_statement", label=_("Add a statement"), default_level=1),
            registry.Action(
                key="moderate",
                label=_("Moderate statements and read the report"),
                default_level=1,
                staff=True,
            ),
        ),
        settings_form=ConversationsSettingsForm,
        default_settings={"show_map": True},
        permissions={"vote": _can_take_part, "add_statement": _can_add, "moderate": _can_moderate},
        urls="parlons.modules.conversations.urls",
        stats=_stats,
        notification_kinds=(),
        texts_for_analysis=_texts,
        seed=_seed,
        delete_guard=_delete_guard,
    )
)
