"""Reads of the surveys module, always scoped to the component's organisation."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet

from parlons.common.errors import NotFound
from parlons.core.models import Area, Component, Organisation
from parlons.modules.surveys import logic, results
from parlons.modules.surveys.models import Response, Survey


def survey_list(*, component: Component) -> QuerySet[Survey]:
    return Survey.objects.for_organisation(component.process.organisation).filter(
        component=component, is_template=False
    )


def template_list(*, organisation: Organisation) -> QuerySet[Survey]:
    return Survey.objects.for_organisation(organisation).filter(is_template=True)


def access_survey(*, component: Component, public_id: str) -> Survey:
    survey = survey_list(component=component).filter(public_id=public_id).first()
    if survey is None:
        raise NotFound("survey")
    survey.component = component
    return survey


def access_template(*, organisation: Organisation, public_id: str) -> Survey:
    survey = template_list(organisation=organisation).filter(public_id=public_id).first()
    if survey is None:
        raise NotFound("survey")
    return survey


def access_response(*, survey: Survey, public_id: str) -> Response:
    response = (
        Response.objects.for_organisation(survey.organisation)
        .filter(survey=survey, public_id=public_id)
        .first()
    )
    if response is None:
        raise NotFound("response")
    response.survey = survey
    return response


def response_of(*, survey: Survey, user: Any, device_id: str) -> Response | None:
    """The person's (or device's) own response to the survey, in progress or sent, for resuming or the receipt."""
    qs = Response.objects.for_organisation(survey.organisation).filter(
        survey=survey, assisted_by__isnull=True
    )
    who = Q(pk__in=[])
    if getattr(user, "is_authenticated", False):
        who |= Q(respondent=user)
    if device_id:
        who |= Q(device_id=device_id)
    found = qs.filter(who).order_by("status", "-updated_at").first()  # "draft" sorts before "submitted"
    if found is not None:
        found.survey = survey
    return found


def submitted(survey: Survey) -> QuerySet[Response]:
    return Response.objects.for_organisation(survey.organisation).filter(
        survey=survey, status=Response.Status.SUBMITTED
    )


def survey_stats(*, component: Component) -> dict[str, int | float]:
    row = (
        Response.objects.for_organisation(component.process.organisation)
        .filter(survey__component=component)
        .aggregate(
            started=Count("id"),
            sent=Count("id", filter=Q(status=Response.Status.SUBMITTED)),
            assisted=Count("id", filter=Q(assisted_by__isnull=False, status=Response.Status.SUBMITTED)),
        )
    )
    return {
        "responses": row["sent"],
        "started": row["started"],
        "assisted": row["assisted"],
        "completion_rate": results.completion_rate(row["started"], row["sent"]),
    }


def _version(survey: Survey) -> str:
    row = submitted(survey).aggregate(n=Count("id"), last=Max("submitted_at"))
    last = row["last"].timestamp() if row["last"] else 0
    return f"{row['n']}-{last}-{survey.updated_at.timestamp()}"


def survey_results(*, survey: Survey, lang: str) -> tuple[int, list[results.QuestionResult]]:
    """(number of responses sent, one result per question), cached until a response is sent or the survey changes."""
    key = f"surveys:results:{survey.pk}:{lang}:{_version(survey)}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    rows = list(submitted(survey).values_list("answers", flat=True).iterator(chunk_size=2000))
    tabulated = results.tabulate(_with_other_label(survey.definition), rows, lang)
    value = (len(rows), tabulated)
    cache.set(key, value, 3600)
    return value


def _with_other_label(definition: dict[str, Any]) -> dict[str, Any]:
    from django.utils.translation import gettext

    label = gettext("Other")
    pages = []
    for page in definition.get("pages") or []:
        sections = []
        for section in page.get("sections") or []:
            questions = [
                {**q, "_other_label": label} if q.get("allow_other") else q
                for q in section.get("questions") or []
            ]
            sections.append({**section, "questions": questions})
        pages.append({**page, "sections": sections})
    return {**definition, "pages": pages}


def group_choices(*, survey: Survey) -> list[tuple[str, str]]:
    """What the results can be broken down by: district, age group, and each single-choice question."""
    from django.utils.translation import gettext

    choices = [("district", gettext("District")), ("age_group", gettext("Age group"))]
    profile_keys = set(logic.profile_questions(survey.definition).values())
    for loc in logic.iter_questions(survey.definition):
        if loc.type == "single_choice" and loc.key not in profile_keys:
            choices.append((f"q:{loc.key}", logic.tr(loc.question.get("text"), "fr")[:60]))
    return choices


def survey_crosstab(*, survey: Survey, question_key: str, by: str, lang: str) -> results.CrossTab | None:
    """One question's answers broken down by district, age group or another single-choice question."""
    questions = logic.question_map(survey.definition)
    loc = questions.get(question_key)
    if loc is None or loc.type not in ("single_choice", "multiple_choice", "scale"):
        return None
    labels: dict[str, str] = {}
    if by == "district":
        district_q = logic.profile_questions(survey.definition).get("district")
        if district_q:
            labels = {
                str(o["value"]): logic.tr(o.get("label"), lang)
                for o in questions[district_q].question.get("options") or []
            }
        for slug, name in Area.objects.for_organisation(survey.organisation).values_list("slug", "name"):
            labels.setdefault(slug, name)
        rows = [
            (a.get(question_key), d or None) for a, d in submitted(survey).values_list("answers", "district")
        ]
    elif by == "age_group":
        age_q = logic.profile_questions(survey.definition).get("age_group")
        if age_q:
            labels = {
                str(o["value"]): logic.tr(o.get("label"), lang)
                for o in questions[age_q].question.get("options") or []
            }
        rows = [
            (a.get(question_key), g or None) for a, g in submitted(survey).values_list("answers", "age_group")
        ]
    elif by.startswith("q:") and (group_q := questions.get(by[2:])) and group_q.type == "single_choice":
        labels = {
            str(o["value"]): logic.tr(o.get("label"), lang) for o in group_q.question.get("options") or []
        }
        rows = []
        for answers in submitted(survey).values_list("answers", flat=True):
            group = (answers.get(group_q.key) or {}).get("choice")
            rows.append((answers.get(question_key), group))
    else:
        return None
    return results.crosstab(loc.question, rows, labels, lang)


def export_columns(survey: Survey) -> list[logic.Located]:
    return list(logic.iter_questions(survey.definition))


def export_rows(*, survey: Survey, lang: str) -> Iterator[list[str]]:
    """One row per sent response, one column per question (answers as a person reads them)."""
    columns = export_columns(survey)
    yield ["response", "submitted_at", "channel", "district", "age_group", *[loc.key for loc in columns]]
    rows = submitted(survey).values_list(
        "public_id", "submitted_at", "channel", "district", "age_group", "answers"
    )
    for public_id, at, channel, district, age_group, answers in rows.iterator(chunk_size=2000):
        yield [
            public_id,
            at.isoformat() if at else "",
            channel,
            district,
            age_group,
            *[logic.display_answer(loc.question, answers.get(loc.key), lang) for loc in columns],
        ]


def export_csv(*, survey: Survey, lang: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in export_rows(survey=survey, lang=lang):
        writer.writerow(row)
    return out.getvalue()


def export_json(*, survey: Survey) -> str:
    rows = submitted(survey).values(
        "public_id", "submitted_at", "channel", "district", "age_group", "answers"
    )
    data = [{**r, "submitted_at": r["submitted_at"].isoformat() if r["submitted_at"] else None} for r in rows]
    return json.dumps(
        {
            "survey": survey.public_id,
            "title": survey.title,
            "definition": survey.definition,
            "responses": data,
        },
        ensure_ascii=False,
    )
