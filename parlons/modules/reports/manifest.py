"""Declares the ``reports`` module to the core registry."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _

from parlons.core import registry
from parlons.core.models import Component
from parlons.modules.reports.settings import DEFAULTS, ReportsSettingsForm, settings_of


def _stats(component: Component) -> dict[str, int | float]:
    from parlons.modules.reports.selectors import report_stats

    return report_stats(component=component)


def _texts(component: Component) -> Iterator[registry.AnalysisText]:
    """Public reports, dated by their submission, in the district they were located in."""
    from parlons.modules.reports.models import Report

    rows = Report.objects.filter(component=component, is_private=False).values_list(
        "public_id", "description", "created_at", "area__name"
    )
    for public_id, description, created_at, area in rows.iterator(chunk_size=2000):
        yield registry.AnalysisText(
            id=f"report:{public_id}", text=description, created=created_at, area=area or None
        )


def _labelled_texts(component: Component) -> Iterator[tuple[str, str]]:
    """Public reports with the category people filed or corrected them under, then each active category's
    name, description and keywords (so that suggestions work before the first report)."""
    from parlons.modules.reports.models import Report
    from parlons.modules.reports.selectors import category_list

    rows = Report.objects.filter(component=component, is_private=False, category__is_active=True).values_list(
        "description", "category_id"
    )
    for description, category_id in rows.iterator():
        yield (description, str(category_id))
    for category in category_list(organisation=component.process.organisation):
        for words in (category.name, category.description, *category.keyword_list()):
            if words:
                yield (words, str(category.pk))


def _suggestion_labels(component: Component) -> dict[str, str]:
    from parlons.modules.reports.selectors import category_list

    return {str(c.pk): c.name for c in category_list(organisation=component.process.organisation)}


def _features(component: Component) -> Iterator[dict[str, Any]]:
    """Open public reports as GeoJSON points, for maps that combine several modules' layers."""
    from parlons.modules.reports.models import OPEN_STATUSES, Report

    rows = Report.objects.filter(component=component, is_private=False, status__in=OPEN_STATUSES).values_list(
        "public_id", "lon", "lat", "status", "category__name"
    )
    for public_id, lon, lat, status, category in rows.iterator():
        yield {
            "type": "Feature",
            "id": public_id,
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"module": "reports", "status": status, "category": category},
        }


def _can_create(user: Any, component: Component, obj: Any = None) -> bool:
    return bool(user.is_authenticated or settings_of(component).allow_anonymous)


def _can_comment(user: Any, component: Component, obj: Any = None) -> bool:
    """The reporter, the people who follow the report ("me too") and the organisation's staff discuss it."""
    if not user.is_authenticated:
        return False
    if obj is None:
        return True
    from parlons.core.permissions import is_staff

    if obj.reporter_id == user.pk or is_staff(user, component.process.organisation):
        return True
    return obj.followers.filter(user=user).exists()


def _delete_guard(component: Component) -> Any:
    from parlons.modules.reports.models import Report

    count = Report.objects.filter(component=component).count()
    if count:
        return _("This map holds %(count)d reports: unpublish it instead of deleting it.") % {"count": count}
    return None


def _seed(component: Component) -> None:
    from parlons.modules.reports.seed import seed

    seed(component)


def _api_router() -> Any:
    from parlons.modules.reports.api import build_router

    return build_router()


manifest = registry.register(
    registry.ModuleManifest(
        key="reports",
        purpose="reporting",
        name=_("Reports of local problems"),
        description=_(
            "Residents report problems in the public space (potholes, street lights, dumping...) with photos "
            "and a position; the right service handles them, answers, and asks whether it is really fixed."
        ),
        icon="map-pin",
        app_label="reports",
        actions=(
            registry.Action(
                key="create", label=_("Report a problem"), default_level=0, anonymous_allowed=True
            ),
            registry.Action(
                key="follow", label=_("Follow a report (me too)"), default_level=0, anonymous_allowed=True
            ),
            registry.Action(key="comment", label=_("Discuss a report you follow"), default_level=1),
        ),
        settings_form=ReportsSettingsForm,
        default_settings=dict(DEFAULTS),
        permissions={"create": _can_create, "follow": _can_create, "comment": _can_comment},
        urls="parlons.modules.reports.urls",
        api_router=_api_router,
        stats=_stats,
        notification_kinds=("report_received", "report_update", "report_satisfaction"),
        texts_for_analysis=_texts,
        labelled_texts=_labelled_texts,
        suggestion_labels=_suggestion_labels,
        map_layers=(registry.MapLayer(key="reports", label=_("Reported problems"), features=_features),),
        seed=_seed,
        delete_guard=_delete_guard,
    )
)
