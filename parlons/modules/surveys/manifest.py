"""Declares the ``surveys`` module (adaptive questionnaires) to the core registry."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parlons.core import permissions, registry
from parlons.core.models import Component


class SurveysSettingsForm(forms.Form):
    show_results_count = forms.BooleanField(
        label=_("Show the number of responses on the survey's page"), required=False, initial=True
    )


def _stats(component: Component) -> dict[str, int | float]:
    from parlons.modules.surveys.selectors import survey_stats

    return survey_stats(component=component)


def _texts(component: Component) -> Iterator[registry.AnalysisText]:
    """Free-text answers of the sent responses, for the analysis service: dated by their sending, in the
    respondent's district (from their account or the profile questions) when known."""
    from parlons.core.models import Area
    from parlons.modules.surveys import logic
    from parlons.modules.surveys.models import Response, Survey

    names: dict[str, str] | None = None
    for survey in Survey.objects.filter(component=component, is_template=False):
        keys = [loc.key for loc in logic.iter_questions(survey.definition) if loc.type in logic.TEXT_TYPES]
        if not keys:
            continue
        if names is None:  # responses keep the district's slug
            names = dict(
                Area.objects.filter(organisation_id=survey.organisation_id).values_list("slug", "name")
            )
        rows = Response.objects.filter(survey=survey, status=Response.Status.SUBMITTED).values_list(
            "public_id", "answers", "language", "submitted_at", "created_at", "district"
        )
        for public_id, answers, language, submitted_at, created_at, district in rows.iterator(
            chunk_size=2000
        ):
            for key in keys:
                text = answers.get(key)
                if isinstance(text, str) and text.strip():
                    yield registry.AnalysisText(
                        id=f"survey:{survey.public_id}:{public_id}:{key}",
                        text=text,
                        lang=language or None,
                        created=submitted_at or created_at,
                        area=names.get(district, district) if district else None,
                    )


def _features(component: Component) -> Iterator[dict[str, Any]]:
    """Map answers of surveys whose results are published, as GeoJSON points (no respondent data)."""
    from parlons.modules.surveys import logic
    from parlons.modules.surveys.models import Response, Survey

    for survey in Survey.objects.filter(component=component, is_template=False, results_public=True):
        keys = [
            loc.key
            for loc in logic.iter_questions(survey.definition)
            if loc.type == "map_point" and loc.key in survey.published_questions
        ]
        if not keys:
            continue
        rows = Response.objects.filter(survey=survey, status=Response.Status.SUBMITTED).values_list(
            "answers", flat=True
        )
        for answers in rows.iterator(chunk_size=2000):
            for key in keys:
                point = answers.get(key)
                if isinstance(point, dict) and "lon" in point:
                    yield {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [point["lon"], point["lat"]]},
                        "properties": {"module": "surveys", "survey": survey.public_id, "question": key},
                    }


def _can_respond(user: Any, component: Component, obj: Any = None) -> bool:
    if user.is_authenticated:
        return True
    return bool(obj is not None and getattr(obj, "allow_anonymous", False))


def _can_manage(user: Any, component: Component, obj: Any = None) -> bool:
    return permissions.is_staff(user, component.process.organisation)


def _delete_guard(component: Component) -> Any:
    from parlons.modules.surveys.models import Response

    count = Response.objects.filter(survey__component=component, status=Response.Status.SUBMITTED).count()
    if count:
        return _(
            "These surveys hold %(count)d responses: unpublish the component instead of deleting it."
        ) % {"count": count}
    return None


def _seed(component: Component) -> None:
    from parlons.modules.surveys.seed import seed

    seed(component)


def _api_router() -> Any:
    from parlons.modules.surveys.api import build_router

    return build_router()


manifest = registry.register(
    registry.ModuleManifest(
        key="surveys",
        purpose="consulting",
        name=_("Questionnaires"),
        description=_(
            "Adaptive questionnaires: questions that follow up on each person's answers, results with "
            "accessible charts and cross-tabulations, exports."
        ),
        icon="clipboard-list",
        app_label="surveys",
        actions=(
            registry.Action(
                key="respond", label=_("Answer a questionnaire"), default_level=0, anonymous_allowed=True
            ),
            registry.Action(
                key="manage",
                label=_("Edit questionnaires and read their results"),
                default_level=1,
                staff=True,
            ),
        ),
        settings_form=SurveysSettingsForm,
        default_settings={"show_results_count": True},
        permissions={"respond": _can_respond, "manage": _can_manage},
        urls="parlons.modules.surveys.urls",
        api_router=_api_router,
        stats=_stats,
        notification_kinds=(),
        texts_for_analysis=_texts,
        map_layers=(
            registry.MapLayer(key="surveys", label=_("Places named in questionnaires"), features=_features),
        ),
        seed=_seed,
        delete_guard=_delete_guard,
    )
)
