"""Reads of the surveys module, always scoped to the component's organisation."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any

from django.core.cache import cache
from django.db.models import Q, QuerySet, Sum
from django.db.models.fields.json import KeyTransform
from django.utils.translation import gettext

from parlons.common.errors import NotFound
from parlons.core.models import Area, Component, Organisation
from parlons.modules.surveys import logic, results
from parlons.modules.surveys.models import SURVEY_SLOT, Response, ResultCount, Survey


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
    """Responses sent (and assisted) from the surveys' aggregates; those in progress counted on the index."""
    surveys = Survey.objects.for_organisation(component.process.organisation).filter(component=component)
    totals = dict(
        ResultCount.objects.filter(
            survey__in=surveys, question_key=SURVEY_SLOT, slot__in=["responses", "assisted"]
        )
        .values_list("slot")
        .annotate(total=Sum("amount"))
        .values_list("slot", "total")
    )
    sent = int(totals.get("responses") or 0)
    drafts = Response.objects.filter(survey__in=surveys, status=Response.Status.DRAFT).count()
    return {
        "responses": sent,
        "started": sent + drafts,
        "assisted": int(totals.get("assisted") or 0),
        "completion_rate": results.completion_rate(sent + drafts, sent),
    }


def _version(survey: Survey) -> tuple[str, int]:
    """The cache version of the results, from the survey-wide aggregates (and the number of responses sent)."""
    row = dict(
        ResultCount.objects.filter(
            survey=survey, question_key=SURVEY_SLOT, slot__in=["responses", "stamp"]
        ).values_list("slot", "amount")
    )
    count = int(row.get("responses", 0))
    return f"{count}-{row.get('stamp', 0)}-{survey.updated_at.timestamp()}", count


def survey_results(*, survey: Survey, lang: str) -> tuple[int, list[results.QuestionResult]]:
    """(number of responses sent, one result per question), cached until a response is sent or the survey changes."""
    version, count = _version(survey)
    key = f"surveys:results:{survey.pk}:{lang}:{version}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    tabulated = results.from_counts(
        _with_other_label(survey.definition),
        result_counts(survey=survey),
        recent_answers(survey=survey),
        lang,
    )
    value = (count, tabulated)
    cache.set(key, value, 3600)
    return value


RECENT_RESPONSES = 200
WORDS_SHOWN = 30


def result_counts(*, survey: Survey) -> dict[str, dict[str, float]]:
    """The survey's aggregates as {question key: {slot: amount}}; only the most frequent words of free text."""
    counts: dict[str, dict[str, float]] = {}
    rows = (
        ResultCount.objects.filter(survey=survey)
        .exclude(slot__startswith="w:")
        .exclude(slot__startswith="x:")  # the cross-tabs' counts, read by survey_crosstab
    )
    for key, slot, amount in rows.values_list("question_key", "slot", "amount"):
        counts.setdefault(key, {})[slot] = amount
    # Words: one query, most frequent first per question; only the first WORDS_SHOWN of each are kept.
    words = (
        ResultCount.objects.filter(survey=survey, slot__startswith="w:")
        .order_by("question_key", "-amount", "slot")
        .values_list("question_key", "slot", "amount")
    )
    kept: dict[str, int] = {}
    for key, slot, amount in words.iterator(chunk_size=5000):
        if kept.get(key, 0) < WORDS_SHOWN:
            kept[key] = kept.get(key, 0) + 1
            counts.setdefault(key, {})[slot] = amount
    return counts


def recent_answers(*, survey: Survey, limit: int = RECENT_RESPONSES) -> list[dict[str, Any]]:
    """The answers of the latest sent responses, oldest first (the "latest answers" and "other" texts)."""
    latest = submitted(survey).order_by("-submitted_at", "-id").values_list("answers", flat=True)[:limit]
    return list(reversed(list(latest)))


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
        return _crosstab_of_aggregates(survey, loc, "district", labels, lang)
    elif by == "age_group":
        age_q = logic.profile_questions(survey.definition).get("age_group")
        if age_q:
            labels = {
                str(o["value"]): logic.tr(o.get("label"), lang)
                for o in questions[age_q].question.get("options") or []
            }
        return _crosstab_of_aggregates(survey, loc, "age_group", labels, lang)
    elif by.startswith("q:") and (group_q := questions.get(by[2:])) and group_q.type == "single_choice":
        labels = {
            str(o["value"]): logic.tr(o.get("label"), lang) for o in group_q.question.get("options") or []
        }
        rows = []
        for answer, grouping in _answers_of(survey, question_key, KeyTransform(group_q.key, "answers")):
            rows.append((answer, grouping.get("choice") if isinstance(grouping, dict) else None))
    else:
        return None
    return results.crosstab(loc.question, rows, labels, lang)


def _crosstab_of_aggregates(
    survey: Survey, loc: logic.Located, grouping: str, labels: dict[str, str], lang: str
) -> results.CrossTab:
    """A cross-tab by district or age group, from the aggregates kept with each response sent."""
    counts = dict(
        ResultCount.objects.filter(
            survey=survey, question_key=loc.key, slot__startswith=f"x:{grouping}:"
        ).values_list("slot", "amount")
    )
    members, by_group = results.group_counts(counts, grouping)
    return results.crosstab_of_counts(loc.question, members, by_group, labels, lang)


def _answers_of(survey: Survey, question_key: str, other: Any) -> Iterator[tuple[Any, Any]]:
    """(answer to one question, ``other``) of each sent response: only that answer is read out of the JSON."""
    rows = submitted(survey).annotate(_answer=KeyTransform(question_key, "answers"))
    if not isinstance(other, str):
        rows = rows.annotate(_other=other)
        other = "_other"
    yield from rows.values_list("_answer", other).iterator(chunk_size=5000)


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


def _xlsx_value(question: Any, answer: Any, lang: str) -> Any:
    """An answer as a spreadsheet cell: numbers stay numbers, several choices are joined with "; "."""
    kind = question.get("type")
    if kind in ("number", "scale") and isinstance(answer, (int, float)) and not isinstance(answer, bool):
        return answer
    if kind == "multiple_choice" and isinstance(answer, dict):
        labels = {str(o.get("value")): logic.tr(o.get("label"), lang) for o in question.get("options") or []}
        parts = [labels.get(str(v), str(v)) for v in answer.get("choices") or [] if v != logic.OTHER]
        if answer.get("other"):
            parts.append(str(answer["other"]))
        return "; ".join(parts)
    if kind == "ranking" and isinstance(answer, list):
        labels = {str(o.get("value")): logic.tr(o.get("label"), lang) for o in question.get("options") or []}
        return "; ".join(labels.get(str(v), str(v)) for v in answer)
    return logic.display_answer(question, answer, lang)


def export_xlsx(*, survey: Survey, lang: str) -> bytes:
    """The CSV export as a spreadsheet: one row per sent response, one column per question.

    A second sheet lists the questions' texts. Text cells are always written as text (never as formulas),
    so an answer starting with "=" cannot run in the spreadsheet of the person who opens it.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    columns = export_columns(survey)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(gettext("Responses")))

    def cell(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = WriteOnlyCell(sheet, value=ILLEGAL_XLSX_RE.sub("", value))
        text.data_type = "s"
        return text

    sheet.append(["response", "submitted_at", "channel", "district", "age_group", *[c.key for c in columns]])
    rows = submitted(survey).values_list(
        "public_id", "submitted_at", "channel", "district", "age_group", "answers"
    )
    for public_id, at, channel, district, age_group, answers in rows.iterator(chunk_size=2000):
        sheet.append(
            [
                cell(public_id),
                at.replace(tzinfo=None) if at else None,
                cell(channel),
                cell(district),
                cell(age_group),
                *[cell(_xlsx_value(c.question, answers.get(c.key), lang)) for c in columns],
            ]
        )
    questions = workbook.create_sheet(_sheet_title(gettext("Questions")))
    questions.append(["key", "type", "text"])
    for c in columns:
        questions.append([c.key, c.type, cell(logic.tr(c.question.get("text"), lang))])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# Control characters that XML 1.0 (hence XLSX) refuses.
ILLEGAL_XLSX_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _sheet_title(title: str) -> str:
    return re.sub(r"[\\/*?:\[\]]", "", title)[:31] or "Sheet"


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
