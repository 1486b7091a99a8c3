"""Declares the ``consultations`` module to the core registry."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _

from parlons.core import permissions, registry
from parlons.core.models import Component
from parlons.modules.consultations.settings import DEFAULTS, ConsultationsSettingsForm, settings_of


def _stats(component: Component) -> dict[str, int | float]:
    from parlons.modules.consultations.selectors import proposal_stats

    return dict(proposal_stats(component=component))


def _district_at(component: Component) -> Callable[[float, float], str | None]:
    """(lon, lat) -> the name of the organisation's district containing the point; the districts are read
    once, on the first call."""
    from django.contrib.gis.geos import Point

    from parlons.core.models import Area

    areas: list[tuple[str, Any]] = []
    loaded = False

    def at(lon: float, lat: float) -> str | None:
        nonlocal loaded
        if not loaded:
            rows = Area.objects.filter(
                organisation_id=component.process.organisation_id, geometry__isnull=False
            )
            areas.extend((a.name, a.geometry.prepared) for a in rows.order_by("pk"))
            loaded = True
        here = Point(lon, lat, srid=4326)
        return next((name for name, shape in areas if shape.intersects(here)), None)

    return at


def _texts(component: Component) -> Iterator[registry.AnalysisText]:
    """Published proposals (dated by their publication, in their district, or the one their position lies in)
    and debates (dated by their opening, of no district)."""
    from parlons.modules.consultations.models import Debate, Proposal, Status

    district_at = _district_at(component)
    rows = Proposal.objects.filter(component=component, status=Status.PUBLISHED, is_hidden=False).values_list(
        "public_id", "title", "body", "published_at", "created_at", "area__name", "lon", "lat"
    )
    for public_id, title, body, published_at, created_at, area, lon, lat in rows.iterator(chunk_size=2000):
        if not area and lon is not None and lat is not None:
            area = district_at(lon, lat)
        yield registry.AnalysisText(
            id=f"proposal:{public_id}",
            text=f"{title}\n{body}",
            created=published_at or created_at,
            area=area or None,
        )
    debates = Debate.objects.filter(component=component, is_hidden=False).values_list(
        "public_id", "title", "body", "created_at"
    )
    for public_id, title, body, created_at in debates.iterator(chunk_size=2000):
        yield registry.AnalysisText(id=f"debate:{public_id}", text=f"{title}\n{body}", created=created_at)


def _labelled_texts(component: Component) -> Iterator[tuple[str, str]]:
    """Published, visible proposals with the topic their author chose (title and body), then each of the
    organisation's topics' name and description (so that suggestions work before the first proposal)."""
    from parlons.core.selectors import topic_list
    from parlons.modules.consultations.models import Proposal, Status

    rows = Proposal.objects.filter(
        component=component, status=Status.PUBLISHED, is_hidden=False, topic__isnull=False
    ).values_list("title", "body", "topic_id")
    for title, body, topic_id in rows.iterator(chunk_size=2000):
        yield (f"{title}\n{body}", str(topic_id))
    for topic in topic_list(organisation=component.process.organisation):
        for words in (topic.name, topic.description):
            if words:
                yield (words, str(topic.pk))


def _suggestion_labels(component: Component) -> dict[str, str]:
    """The topics the proposal form offers: all the organisation's topics."""
    from parlons.core.selectors import topic_list

    return {str(t.pk): t.name for t in topic_list(organisation=component.process.organisation)}


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


def _importable_items(component: Component) -> Iterator[registry.ImportableItem]:
    """Accepted proposals only (published, visible, answered "accepted"), for other modules to take over."""
    from parlons.modules.consultations.models import BaseAnswer, Proposal, Status

    proposals = (
        Proposal.objects.filter(
            component=component, status=Status.PUBLISHED, is_hidden=False, answer_state=BaseAnswer.ACCEPTED
        )
        .select_related("component__process")
        .order_by("published_at", "pk")
    )
    for proposal in proposals:
        cost = proposal.answer_cost
        yield registry.ImportableItem(
            ref=f"consultations.proposal:{proposal.public_id}",
            title=proposal.title,
            body=proposal.body,
            url=proposal.get_absolute_url(),
            cost_estimate=int(cost.to_integral_value()) if cost is not None and cost > 0 else None,
            area_id=proposal.area_id,
            point=(proposal.lon, proposal.lat)
            if proposal.lon is not None and proposal.lat is not None
            else None,
        )


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
        labelled_texts=_labelled_texts,
        suggestion_labels=_suggestion_labels,
        map_layers=(registry.MapLayer(key="proposals", label=_("Proposals"), features=_features),),
        importable_items=_importable_items,
        seed=_seed,
        delete_guard=_delete_guard,
    )
)
