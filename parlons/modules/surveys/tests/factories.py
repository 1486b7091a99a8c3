"""Factories of the surveys module, and the tenant-isolation builders for each of its models."""

from __future__ import annotations

from parlons.core.tests.factories import ComponentFactory, ProcessFactory
from parlons.modules.surveys.demo_survey import mobility_survey
from parlons.modules.surveys.models import Response, ResponseFile, ResultCount, Survey


def surveys_component(org, **settings):
    return ComponentFactory(
        process=ProcessFactory(organisation=org),
        module_key="surveys",
        name="Questionnaires",
        settings=settings,
    )


def make_survey(org, component=None, definition=None, **fields):
    component = component or surveys_component(org)
    return Survey.objects.create(
        organisation=org,
        component=component,
        title={"fr": "Enquête mobilité", "en": "Mobility survey"},
        definition=definition or mobility_survey(),
        **fields,
    )


def make_response(org, survey=None, **fields):
    survey = survey or make_survey(org)
    return Response.objects.create(organisation=org, survey=survey, **fields)


TENANT_BUILDERS = {
    "surveys.Survey": lambda org: make_survey(org),
    "surveys.Response": lambda org: make_response(org),
    "surveys.ResponseFile": lambda org: ResponseFile.objects.create(
        response=make_response(org), question_key="photo", file="surveys/x.jpg", content_hash=f"{org.pk:064x}"
    ),
    "surveys.ResultCount": lambda org: ResultCount.objects.create(
        survey=make_survey(org), question_key="modes", slot="base", amount=1
    ),
}
