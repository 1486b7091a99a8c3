"""Declares the ``consultations`` module to the core registry."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _

from parlons.core import permissions, registry
from parlons.core.models import Component
from parlons.modules.consultations.settings import DEFAULTS, ConsultationsSettingsForm, settings_of


def _stats(component: Component) -> dict[str, int | float]:
    from parlons.modules.consultations.selectors import proposal_stats

    return dict(proposal_stats(component=component))


def _texts(component: Component) -> Iterator[tuple[str, str, str | None]]:
    from parlons.modules.consultations.models import Debate, Proposal, Status

    rows = Proposal.objects.filter(component=component, status=Status.PUBLISHED, is_hidden=False).values_list(
        "public_id", "title", "body"
    )
    for public_id, title, body in rows.iterator():
        yield (f"proposal:{public_id}", f"{title}\n{body}", None)
    for public_id, title, body in Debate.objects.filter(component=component, is_hidden=False).values_list(
        "public_id", "title", "body"
    ):
        yield (f"debate:{public_id}", f"{title}\n{body}", None)


def _features(component: Component) -> Iterator[dict[str, Any]]:
    from parlons.modules.consultations.models import Proposal, Status

    rows = Proposal.objects.filter(
        component=component, status=Status.PUBLISHED, is_hidden=False, lon__isnull=False, lat__isnull=False
    ).values_list("public_id", "lon", "lat", "title", "supports_count", "answer_state")
    for public_id, lon, lat, title, supports, state in rows.iterator():
        yield {
            "type": "Feature",
            "id": public_id,
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"module": "consultations", "title": title, "supports": supports, "state": state},
        }


def _not_own(user: Any, component: Component, obj: Any = None) -> bool:
    return obj is None or getattr(obj, "author_id", None) != getattr(user, "pk", None)


def _can_debate(user: Any, component: Component, obj: Any = None) -> bool:
    return settings_of(component).citizen_debates or permissions.is_staff(
        user, component.process.organisation
    )


def _delete_guard(component: Component) -> Any:
    from parlons.modules.consultations.models import Proposal

    count = Proposal.objects.filter(component=component).count()
    if count:
        return _("This space holds %(count)d proposals: unpublish it instead of deleting it.") % {
            "count": count
        }
    return None


def _seed(component: Component) -> None:
    from parlons.modules.consultations.seed import seed

    seed(component)


def _api_router() -> Any:
    from parlons.modules.consultations.api import build_router

    return build_router()


manifest = registry.register(
    registry.ModuleManifest(
        key="consultations",
        purpose="deliberation",
        name=_("Proposals and debates"),
        description=_(
            "Residents make proposals, support, amend and discuss them; the town answers publicly. "
            "Debates gather arguments for and against on an open question."
        ),
        icon="message-square",
        app_label="consultations",
        actions=(
            registry.Action(key="create", label=_("Make a proposal"), default_level=1),
            registry.Action(key="support", label=_("Support a proposal"), default_level=1),
            registry.Action(key="amend", label=_("Amend a proposal"), default_level=1),
            registry.Action(key="comment", label=_("Comment"), default_level=1),
            registry.Action(key="debate", label=_("Open a debate"), default_level=1),
        ),
        settings_form=ConsultationsSettingsForm,
        default_settings=dict(DEFAULTS),
        permissions={
            "create": lambda user, component, obj=None: True,
            "support": lambda user, component, obj=None: True,
            "amend": _not_own,
            "comment": lambda user, component, obj=None: True,
            "debate": _can_debate,
        },
        urls="parlons.modules.consultations.urls",
        api_router=_api_router,
        stats=_stats,
        notification_kinds=("proposal_answered", "amendment_received", "comment_posted"),
        texts_for_analysis=_texts,
        map_layers=(registry.MapLayer(key="proposals", label=_("Proposals"), features=_features),),
        seed=_seed,
        delete_guard=_delete_guard,
    )
)
