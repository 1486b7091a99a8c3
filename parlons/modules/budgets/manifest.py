"""Declares the ``budgets`` module (participatory budgeting) to the core registry."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parlons.core import registry
from parlons.core.models import Component


class BudgetsSettingsForm(forms.Form):
    allow_proposals = forms.BooleanField(
        label=_("Citizens may propose projects while budgets are in preparation"),
        required=False,
        initial=True,
    )
    district_rule = forms.ChoiceField(
        label=_("District budgets"),
        choices=[
            ("residents", _("Vote in your district: only residents vote in a district's budget")),
            ("everyone", _("Vote in all: everyone may vote in every budget")),
        ],
        initial="residents",
    )


def _stats(component: Component) -> dict[str, int]:
    from parlons.modules.budgets.models import Ballot, Budget, Project

    return {
        "budgets": Budget.objects.filter(component=component).count(),
        "projects": Project.objects.filter(budget__component=component).count(),
        "ballots": Ballot.objects.filter(budget__component=component).count(),
        "funded_projects": Project.objects.filter(
            budget__component=component, status__in=("selected", "in_progress", "delivered")
        ).count(),
    }


def _texts(component: Component) -> Iterable[registry.AnalysisText]:
    """Reviewed projects, dated by their submission, in their district (else their budget's)."""
    from parlons.modules.budgets.models import Project

    rows = (
        Project.objects.filter(budget__component=component)
        .exclude(status="submitted")
        .values_list("pk", "title", "description", "created_at", "area__name", "budget__area__name")
    )
    for pk, title, description, created_at, area, budget_area in rows.iterator(chunk_size=2000):
        yield registry.AnalysisText(
            id=f"budgets.project:{pk}",
            text=f"{title}\n{description}",
            created=created_at,
            area=area or budget_area or None,
        )


def _features(component: Component) -> Iterable[dict[str, Any]]:
    from parlons.modules.budgets.models import Project

    for project in Project.objects.filter(budget__component=component, location__isnull=False).exclude(
        status="submitted"
    ):
        yield {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [project.location.x, project.location.y]},
            "properties": {
                "title": project.title,
                "status": project.status,
                "cost": project.cost,
                "progress": project.progress,
                "url": project.get_absolute_url(),
            },
        }


def _delete_guard(component: Component) -> Any:
    from parlons.modules.budgets.models import Ballot

    if Ballot.objects.filter(budget__component=component).exists():
        return _("This component holds ballots: export the votes and keep them; it cannot be deleted.")
    return None


def _api_router() -> Any:
    from parlons.modules.budgets.api import build_router

    return build_router()


def _seed(component: Component) -> None:
    from parlons.modules.budgets.seed import seed_component

    seed_component(component)


manifest = registry.register(
    registry.ModuleManifest(
        key="budgets",
        purpose="budgeting",
        name=_("Participatory budget"),
        description=_(
            "Citizens propose projects, vote on how to spend a budget, then follow the work until delivery."
        ),
        icon="piggy-bank",
        app_label="budgets",
        actions=(
            registry.Action(key="propose", label=_("Propose a project"), default_level=1),
            registry.Action(key="vote", label=_("Vote"), default_level=1),
        ),
        settings_form=BudgetsSettingsForm,
        default_settings={"allow_proposals": True, "district_rule": "residents"},
        permissions={
            "propose": lambda user, component, obj=None: component.settings.get("allow_proposals", True),
            "vote": lambda user, component, obj=None: True,
        },
        urls="parlons.modules.budgets.urls",
        api_router=_api_router,
        stats=_stats,
        notification_kinds=("budgets.project_reviewed", "budgets.result_published"),
        texts_for_analysis=_texts,
        map_layers=(
            registry.MapLayer(key="budgets.projects", label=_("Budget projects"), features=_features),
        ),
        seed=_seed,
        delete_guard=_delete_guard,
    )
)
