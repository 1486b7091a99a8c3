"""Pages of the surveys module: answering (one page at a time), review and receipt; editor, preview, results.

Every page works without JavaScript; HTMX (``hx-boost``) only avoids full reloads, and ``static/surveys/
survey.js`` adds the map for position questions (the latitude/longitude fields remain the fallback).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parlons.common.errors import DomainError, NotFound
from parlons.core import permissions
from parlons.core.models import Area, Component
from parlons.core.routing import component_or_404
from parlons.modules.surveys import logic, selectors, services
from parlons.modules.surveys.demo_survey import AGE_GROUPS, mobility_survey
from parlons.modules.surveys.forms import (
    OPERATOR_LABELS,
    TYPE_LABELS,
    AssistedForm,
    DefinitionForm,
    QuestionForm,
    SurveySettingsForm,
    read_page,
)
from parlons.modules.surveys.messages import answer_message
from parlons.modules.surveys.models import Response, Survey

DEVICE_COOKIE = "parlons_survey_device"
DEVICE_SALT = "parlons.surveys.device"
DEVICE_MAX_AGE = 400 * 24 * 3600


def _component(request: HttpRequest, process_slug: str, component_id: int) -> Component:
    return component_or_404(
        request, process_slug=process_slug, component_id=component_id, module_key="surveys"
    )


def _survey(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> Survey:
    component = _component(request, process_slug, component_id)
    try:
        return selectors.access_survey(component=component, public_id=public_id)
    except NotFound as exc:
        raise Http404 from exc


def _url(name: str, survey: Survey, **kwargs: Any) -> str:
    component = survey.component
    assert component is not None
    return reverse(
        f"surveys:{name}",
        kwargs={
            "process_slug": component.process.slug,
            "component_id": component.pk,
            "public_id": survey.public_id,
            **kwargs,
        },
    )


def _lang() -> str:
    return (get_language() or "fr")[:2]


def _can_manage(request: HttpRequest, survey: Survey) -> bool:
    assert survey.component is not None
    return bool(permissions.can_perform(request.user, survey.component, "manage", survey))


def _require_manage(request: HttpRequest, survey: Survey) -> None:
    if not _can_manage(request, survey):
        raise Http404


def _device_id(request: HttpRequest) -> str:
    return request.get_signed_cookie(DEVICE_COOKIE, default="", salt=DEVICE_SALT) or ""


def _set_device(response: HttpResponse, device_id: str) -> HttpResponse:
    response.set_signed_cookie(
        DEVICE_COOKIE, device_id, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE, httponly=True, samesite="Lax"
    )
    return response


def _assisted_key(survey: Survey) -> str:
    return f"surveys:assisted:{survey.pk}"


def _current_response(request: HttpRequest, survey: Survey) -> Response | None:
    """The response being filled in this browser: an assisted entry of the agent, or the person's own."""
    assisted = request.session.get(_assisted_key(survey))
    if assisted and _can_manage(request, survey):
        try:
            return selectors.access_response(survey=survey, public_id=assisted)
        except NotFound:
            request.session.pop(_assisted_key(survey), None)
    return selectors.response_of(survey=survey, user=request.user, device_id=_device_id(request))


def _invalid_status(request: HttpRequest, invalid: bool) -> int:
    """422 for a page shown again with errors; 200 to HTMX, which swaps in only successful responses."""
    return 422 if invalid and not request.headers.get("HX-Request") else 200


def _base(request: HttpRequest, survey: Survey) -> dict[str, Any]:
    lang = _lang()
    return {
        "survey": survey,
        "component": survey.component,
        "process": survey.component.process if survey.component else None,
        "title": survey.title_in(lang),
        "intro": logic.tr(survey.description, lang),
        "can_manage": _can_manage(request, survey),
        "detail_url": _url("detail", survey),
        "results_url": _url("results", survey),
        "edit_url": _url("edit", survey),
    }


# --- Rendering questions -------------------------------------------------------------------------------


@dataclass
class QuestionView:
    """A question ready for the template: piped texts, options with their state, the current value, the error."""

    key: str
    type: str
    text: str
    help: str
    required: bool
    error: str = ""
    value: Any = None
    options: list[dict[str, Any]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    scale: list[int] = field(default_factory=list)
    min_label: str = ""
    max_label: str = ""
    allow_other: bool = False
    other_text: str = ""
    other_checked: bool = False
    lon: str = ""
    lat: str = ""
    coords: str = ""
    limits: str = ""
    image: str = ""
    image_alt: str = ""
    video: str = ""
    file_name: str = ""
    value_str: str = ""
    deepens: str | None = None

    @property
    def described_by(self) -> str:
        ids = [f"{self.key}-help"] if self.help or self.limits else []
        if self.error:
            ids.append(f"{self.key}-error")
        return " ".join(ids)


def _question_view(
    loc: logic.Located,
    definition: Mapping[str, Any],
    answers: Mapping[str, Any],
    raw: Mapping[str, Any],
    error: str,
    lang: str,
) -> QuestionView:
    q = loc.question
    value = raw[loc.key] if loc.key in raw else answers.get(loc.key)
    view = QuestionView(
        key=loc.key,
        type=loc.type,
        text=logic.pipe(logic.tr(q.get("text"), lang), definition, answers, lang),
        help=logic.pipe(logic.tr(q.get("help"), lang), definition, answers, lang),
        required=bool(q.get("required")),
        error=error,
        allow_other=bool(q.get("allow_other")),
        image=str((q.get("media") or {}).get("image", "")),
        image_alt=logic.tr((q.get("media") or {}).get("alt"), lang),
        video=str((q.get("media") or {}).get("video", "")),
        deepens=loc.deepens,
    )
    chosen: list[str] = []
    if isinstance(value, Mapping):
        chosen = [
            str(v) for v in (value.get("choices") or ([value.get("choice")] if value.get("choice") else []))
        ]
        view.other_text = str(value.get("other") or "")
    elif isinstance(value, list) and loc.type == "ranking":
        chosen = [str(v) for v in value]
    view.other_checked = logic.OTHER in chosen
    for o in q.get("options") or []:
        v = str(o.get("value"))
        view.options.append(
            {
                "value": v,
                "label": logic.tr(o.get("label"), lang),
                "checked": v in chosen,
                "rank": str(chosen.index(v) + 1) if loc.type == "ranking" and v in chosen else "",
            }
        )
    if loc.type in ("scale", "matrix"):
        low, high = (
            int(q.get("min", 1) if q.get("min") is not None else 1),
            int(q.get("max", 5) if q.get("max") is not None else 5),
        )
        view.scale = list(range(low, high + 1))
        view.value_str = "" if value is None or isinstance(value, Mapping) else str(value)
        view.min_label = logic.tr((q.get("labels") or {}).get("min"), lang)
        view.max_label = logic.tr((q.get("labels") or {}).get("max"), lang)
    if loc.type in ("matrix", "statements"):
        cells = value if isinstance(value, Mapping) else {}
        view.rows = [
            {
                "key": str(r.get("key")),
                "label": logic.tr(r.get("label"), lang),
                "value": str(cells.get(str(r.get("key")), "")),
            }
            for r in q.get("rows") or []
        ]
    if loc.type == "map_point" and isinstance(value, Mapping):
        view.lon, view.lat = str(value.get("lon", "")), str(value.get("lat", ""))
    if loc.type in ("map_line", "map_area") and isinstance(value, (Mapping, list)):
        coords = value.get("coordinates") if isinstance(value, Mapping) else value
        view.coords = "\n".join(f"{c[1]} {c[0]}" for c in coords or [] if len(c) == 2)
    if loc.type == "file" and isinstance(value, Mapping):
        view.file_name = str(value.get("name") or value.get("file") or "")
    if loc.type == "multiple_choice":
        min_choices, max_choices = q.get("min_choices"), q.get("max_choices")
        if min_choices and max_choices:
            view.limits = _("Choose between %(min)s and %(max)s answers.") % {
                "min": min_choices,
                "max": max_choices,
            }
        elif max_choices:
            view.limits = _("Choose up to %(max)s answers.") % {"max": max_choices}
        elif min_choices:
            view.limits = _("Choose at least %(min)s answers.") % {"min": min_choices}
    elif loc.type == "number" and (q.get("min") is not None or q.get("max") is not None):
        view.limits = _("Between %(min)s and %(max)s.") % {"min": q.get("min", "…"), "max": q.get("max", "…")}
    if (
        loc.type not in ("scale", "matrix", "map_point", "map_line", "map_area", "file")
        and view.value is None
    ):
        view.value = value if isinstance(value, (str, int, float)) else ""
    return view


def _page_context(
    request: HttpRequest,
    survey: Survey,
    answers: Mapping[str, Any],
    profile: Mapping[str, Any],
    page_key: str,
    errors: Mapping[str, str],
    raw: Mapping[str, Any],
) -> dict[str, Any]:
    lang = _lang()
    definition = survey.definition
    path = logic.compute_path(definition, answers, profile)
    questions = logic.question_map(definition)
    page = next(p for p in logic.pages(definition) if p.get("key") == page_key)
    keys = path.questions_of(page_key)
    sections: list[dict[str, Any]] = []
    shown_views: list[QuestionView] = []
    for section in page.get("sections") or []:
        in_section = [
            _question_view(questions[k], definition, path.answers, raw, errors.get(k, ""), lang)
            for k in keys
            if questions[k].section_key == section.get("key")
        ]
        if in_section:
            sections.append({"title": logic.tr(section.get("title"), lang), "questions": in_section})
            shown_views.extend(in_section)
    page_keys = path.page_keys
    error_items = [
        {
            "key": k,
            "message": m,
            "text": logic.tr(questions[k].question.get("text"), lang) if k in questions else k,
        }
        for k, m in errors.items()
    ]
    return {
        "page_key": page_key,
        "page_title": logic.tr(page.get("title"), lang),
        "sections": sections,
        "shown": keys,
        "progress": path.progress(),
        "page_number": page_keys.index(page_key) + 1 if page_key in page_keys else 1,
        "page_count": len(page_keys),
        "answered": path.answered,
        "question_count": len(path.question_keys),
        "previous_page": path.previous_page(page_key),
        "error_items": error_items,
        "has_map": any(q.type.startswith("map_") for q in shown_views),
        "has_file": any(q.type == "file" for q in shown_views),
        "tiles": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "centre": _centre(survey),
    }


def _centre(survey: Survey) -> tuple[float, float]:
    organisation = survey.organisation
    if organisation.centre:
        return organisation.centre.x, organisation.centre.y
    geometry = (
        Area.objects.for_organisation(organisation)
        .filter(geometry__isnull=False)
        .values_list("geometry", flat=True)
        .first()
    )
    if geometry is not None:
        return geometry.centroid.x, geometry.centroid.y
    return (0.98, 47.40)


# --- Respondent pages ---------------------------------------------------------------------------------


def index(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    surveys = list(selectors.survey_list(component=component))
    lang = _lang()
    can_manage = bool(permissions.can_perform(request.user, component, "manage"))
    templates = (
        list(selectors.template_list(organisation=component.process.organisation)) if can_manage else []
    )
    for survey in surveys:
        survey.component = component
    return render(
        request,
        "surveys/index.html",
        {
            "component": component,
            "process": component.process,
            "items": [
                {
                    "survey": s,
                    "title": s.title_in(lang),
                    "intro": logic.tr(s.description, lang),
                    "url": _url("detail", s),
                    "open": s.is_open(),
                }
                for s in surveys
            ],
            "can_manage": can_manage,
            "templates": [(t.public_id, t.title_in(lang)) for t in templates],
            "new_url": reverse(
                "surveys:new", kwargs={"process_slug": process_slug, "component_id": component_id}
            ),
        },
    )


@require_POST
def new(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    """Create a questionnaire, empty or from a template (staff)."""
    component = _component(request, process_slug, component_id)
    if not permissions.can_perform(request.user, component, "manage"):
        raise Http404
    template_id = request.POST.get("template", "")
    try:
        if template_id:
            template = selectors.access_template(
                organisation=component.process.organisation, public_id=template_id
            )
            survey = services.survey_duplicate(survey=template, by=request.user, component=component)
        else:
            survey = services.survey_create(
                component=component,
                by=request.user,
                title={
                    "fr": request.POST.get("title", "") or _("New questionnaire"),
                    "en": request.POST.get("title", ""),
                },
            )
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect(
            reverse("surveys:index", kwargs={"process_slug": process_slug, "component_id": component_id})
        )
    survey.component = component
    return redirect(_url("edit", survey))


def detail(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    survey = _survey(request, process_slug, component_id, public_id)
    assert survey.component is not None
    response = selectors.response_of(survey=survey, user=request.user, device_id=_device_id(request))
    decision = permissions.can_perform(request.user, survey.component, "respond", survey)
    path = services.response_path(response) if response else None
    context = {
        **_base(request, survey),
        "response": response,
        "decision": decision,
        "is_open": survey.is_open(),
        "not_yet": bool(survey.opens_at and timezone.now() < survey.opens_at),
        "progress": path.progress() if path else 0,
        "question_count": len(path.question_keys)
        if path
        else len(list(logic.iter_questions(survey.definition))),
        "start_url": _url("start", survey),
        "assisted_url": _url("assisted", survey),
        "login_url": f"{reverse('account_login')}?next={request.path}",
        "response_count": selectors.submitted(survey).count(),
    }
    return render(request, "surveys/detail.html", context)


@require_POST
def start(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    """Start or resume answering; anonymous people get a device cookie that keeps their answers."""
    survey = _survey(request, process_slug, component_id, public_id)
    request.session.pop(_assisted_key(survey), None)
    device_id = _device_id(request) or secrets.token_urlsafe(24)
    try:
        response = services.response_start(
            survey=survey, user=request.user, device_id=device_id, language=_lang()
        )
    except DomainError as exc:
        if not request.user.is_authenticated and exc.code == "not_allowed":
            return redirect(f"{reverse('account_login')}?next={_url('detail', survey)}")
        messages.error(request, str(exc))
        return redirect(_url("detail", survey))
    path = services.response_path(response)
    target = response.current_page if response.current_page in path.page_keys else path.next_page(None)
    redirect_to = _url("answer", survey, page_key=target) if target else _url("review", survey)
    return _set_device(HttpResponseRedirect(redirect_to), device_id)


def answer(
    request: HttpRequest, process_slug: str, component_id: int, public_id: str, page_key: str
) -> HttpResponse:
    """One page of the questionnaire: GET shows it with the saved answers, POST checks and saves them."""
    survey = _survey(request, process_slug, component_id, public_id)
    response = _current_response(request, survey)
    if response is None:
        return redirect(_url("detail", survey))
    if response.status == Response.Status.SUBMITTED:
        return redirect(_url("receipt", survey, response_id=response.public_id))
    response.survey = survey
    profile = services.effective_profile(response)
    path = services.response_path(response)
    if page_key not in path.page_keys:
        first = path.next_page(None)
        return redirect(_url("answer", survey, page_key=first) if first else _url("review", survey))
    errors: dict[str, str] = {}
    raw: dict[str, Any] = {}
    if request.method == "POST":
        questions = logic.question_map(survey.definition)
        shown = [k for k in request.POST.getlist("shown") if k in questions]
        values = read_page(request.POST, [questions[k] for k in shown])
        try:
            _path, following = services.response_answer_page(
                response=response, page_key=page_key, values=values, files=request.FILES, shown=shown
            )
        except services.AnswersInvalid as exc:
            errors, raw = exc.errors, values
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect(_url("detail", survey))
        else:
            if request.POST.get("go") == "back" and (previous := _path.previous_page(page_key)):
                return redirect(_url("answer", survey, page_key=previous))
            if following == page_key:
                messages.info(request, _("Thank you. A few more questions follow from your answer."))
            return redirect(
                _url("answer", survey, page_key=following) if following else _url("review", survey)
            )
    context = {
        **_base(request, survey),
        **_page_context(request, survey, response.answers, profile, page_key, errors, raw),
        "response": response,
        "action": _url("answer", survey, page_key=page_key),
        "preview": False,
    }
    return render(request, "surveys/answer.html", context, status=_invalid_status(request, bool(errors)))


def _review_items(
    survey: Survey, answers: Mapping[str, Any], profile: Mapping[str, Any], url_name: str
) -> list[dict[str, Any]]:
    lang = _lang()
    path = logic.compute_path(survey.definition, answers, profile)
    questions = logic.question_map(survey.definition)
    items = []
    for page_key, keys in path.pages:
        items.append(
            {
                "url": _url(url_name, survey, page_key=page_key),
                "questions": [
                    {
                        "key": k,
                        "text": logic.pipe(
                            logic.tr(questions[k].question.get("text"), lang),
                            survey.definition,
                            path.answers,
                            lang,
                        ),
                        "answer": logic.display_answer(questions[k].question, path.answers.get(k), lang),
                        "required": bool(questions[k].question.get("required")),
                    }
                    for k in keys
                ],
            }
        )
    return items


def review(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    """The answers on the person's path, with links to change them, and the button that sends them."""
    survey = _survey(request, process_slug, component_id, public_id)
    response = _current_response(request, survey)
    if response is None:
        return redirect(_url("detail", survey))
    if response.status == Response.Status.SUBMITTED:
        return redirect(_url("receipt", survey, response_id=response.public_id))
    response.survey = survey
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            sent = services.response_submit(response=response)
        except services.AnswersInvalid as exc:
            errors = exc.errors
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect(_url("detail", survey))
        else:
            request.session.pop(_assisted_key(survey), None)
            return redirect(_url("receipt", survey, response_id=sent.public_id))
    lang = _lang()
    questions = logic.question_map(survey.definition)
    path = services.response_path(response)
    context = {
        **_base(request, survey),
        "response": response,
        "pages": _review_items(survey, response.answers, services.effective_profile(response), "answer"),
        "error_items": [
            {"key": k, "message": m, "text": logic.tr(questions[k].question.get("text"), lang)}
            for k, m in errors.items()
        ],
        "progress": path.progress(),
        "last_page": path.page_keys[-1] if path.page_keys else None,
    }
    return render(request, "surveys/review.html", context, status=_invalid_status(request, bool(errors)))


def receipt(
    request: HttpRequest, process_slug: str, component_id: int, public_id: str, response_id: str
) -> HttpResponse:
    survey = _survey(request, process_slug, component_id, public_id)
    try:
        response = selectors.access_response(survey=survey, public_id=response_id)
    except NotFound as exc:
        raise Http404 from exc
    own = (request.user.is_authenticated and response.respondent_id == request.user.pk) or (
        response.device_id and response.device_id == _device_id(request)
    )
    if not (own or (response.assisted_by_id and _can_manage(request, survey))):
        raise Http404
    if response.status != Response.Status.SUBMITTED:
        return redirect(_url("review", survey))
    return render(request, "surveys/receipt.html", {**_base(request, survey), "response": response})


def assisted(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    """Assisted mode: an agent enters the answers of a person met at a counter or on the phone."""
    survey = _survey(request, process_slug, component_id, public_id)
    _require_manage(request, survey)
    lang = _lang()
    profile_q = logic.profile_questions(survey.definition)
    questions = logic.question_map(survey.definition)
    districts = [
        (slug, name)
        for slug, name in Area.objects.for_organisation(survey.organisation).values_list("slug", "name")
    ]
    if "district" in profile_q:
        districts = [
            (str(o["value"]), logic.tr(o.get("label"), lang))
            for o in questions[profile_q["district"]].question.get("options") or []
        ]
    ages = [(v, fr if lang == "fr" else en) for v, fr, en in AGE_GROUPS]
    if "age_group" in profile_q:
        ages = [
            (str(o["value"]), logic.tr(o.get("label"), lang))
            for o in questions[profile_q["age_group"]].question.get("options") or []
        ]
    form = AssistedForm(request.POST or None, districts=districts, age_groups=ages)
    if request.method == "POST" and form.is_valid():
        try:
            response = services.response_assisted_start(
                survey=survey,
                agent=request.user,
                channel=form.cleaned_data["channel"],
                district=form.cleaned_data["district"],
                age_group=form.cleaned_data["age_group"],
                language=lang,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            request.session[_assisted_key(survey)] = response.public_id
            first = services.response_path(response).next_page(None)
            return redirect(_url("answer", survey, page_key=first) if first else _url("review", survey))
    return render(
        request,
        "surveys/assisted.html",
        {**_base(request, survey), "form": form},
        status=_invalid_status(request, bool(form.errors)),
    )


# --- Preview (staff) ----------------------------------------------------------------------------------


def _preview_key(survey: Survey) -> str:
    return f"surveys:preview:{survey.pk}"


def preview(
    request: HttpRequest, process_slug: str, component_id: int, public_id: str, page_key: str
) -> HttpResponse:
    """The questionnaire as a respondent sees it; answers kept in the session only, never saved."""
    survey = _survey(request, process_slug, component_id, public_id)
    _require_manage(request, survey)
    if request.GET.get("restart"):
        request.session.pop(_preview_key(survey), None)
    answers: dict[str, Any] = request.session.get(_preview_key(survey), {})
    profile = services.profile_of(request.user, survey.organisation)
    path = logic.compute_path(survey.definition, answers, profile)
    if page_key not in path.page_keys:
        first = path.next_page(None)
        if first is None:
            messages.info(request, _("The questionnaire has no question yet."))
            return redirect(_url("edit", survey))
        return redirect(_url("preview", survey, page_key=first))
    errors: dict[str, str] = {}
    raw: dict[str, Any] = {}
    if request.method == "POST":
        questions = logic.question_map(survey.definition)
        shown = [k for k in request.POST.getlist("shown") if k in questions]
        raw = read_page(request.POST, [questions[k] for k in shown])
        outcome = logic.answer_page(survey.definition, answers, profile, page_key, raw, shown)
        errors = {k: answer_message(e) for k, e in outcome.errors.items()}
        if not errors:
            request.session[_preview_key(survey)] = outcome.answers
            if outcome.following:
                return redirect(_url("preview", survey, page_key=outcome.following))
            return redirect(_url("preview_review", survey))
    context = {
        **_base(request, survey),
        **_page_context(request, survey, answers, profile, page_key, errors, raw),
        "action": _url("preview", survey, page_key=page_key),
        "preview": True,
    }
    return render(request, "surveys/answer.html", context, status=_invalid_status(request, bool(errors)))


def preview_review(
    request: HttpRequest, process_slug: str, component_id: int, public_id: str
) -> HttpResponse:
    survey = _survey(request, process_slug, component_id, public_id)
    _require_manage(request, survey)
    answers = request.session.get(_preview_key(survey), {})
    profile = services.profile_of(request.user, survey.organisation)
    context = {
        **_base(request, survey),
        "pages": _review_items(survey, answers, profile, "preview"),
        "preview": True,
        "error_items": [],
        "progress": logic.compute_path(survey.definition, answers, profile).progress(),
    }
    return render(request, "surveys/review.html", context)


# --- Editor (staff) -----------------------------------------------------------------------------------


def _describe(condition: Any, lang: str, questions: Mapping[str, logic.Located]) -> str:
    """A rule in words, for the flow list."""
    if not condition:
        return ""
    for combinator, word in (("all", _(" and ")), ("any", _(" or "))):
        if combinator in condition:
            return "(" + word.join(_describe(c, lang, questions) for c in condition[combinator] or []) + ")"
    if "not" in condition:
        return _("not %(rule)s") % {"rule": _describe(condition["not"], lang, questions)}
    source, ref = condition.get("source", "answer"), condition.get("ref", "")
    subject = {
        "answer": _("answer to “%(ref)s”"),
        "profile": _("profile: %(ref)s"),
        "score": _("score “%(ref)s”"),
    }.get(source, "%(ref)s") % {"ref": ref}
    value = condition.get("value")
    shown = ", ".join(map(str, value)) if isinstance(value, list) else ("" if value is None else str(value))
    return (
        f"{subject} {OPERATOR_LABELS.get(condition.get('op', 'equals'), condition.get('op'))} {shown}".strip()
    )


def _flow(survey: Survey, lang: str) -> list[dict[str, Any]]:
    questions = logic.question_map(survey.definition)
    flow = []
    for page in logic.pages(survey.definition):
        key = str(page.get("key"))
        flow.append(
            {
                "key": key,
                "title": logic.tr(page.get("title"), lang),
                "condition": _describe(page.get("condition"), lang, questions),
                "jumps": [
                    {"to": j.get("to"), "when": _describe(j.get("when"), lang, questions) or _("always")}
                    for j in page.get("jumps") or []
                ],
                "questions": [
                    {
                        "key": loc.key,
                        "type": TYPE_LABELS.get(loc.type, loc.type),
                        "text": logic.tr(loc.question.get("text"), lang),
                        "required": bool(loc.question.get("required")),
                        "condition": _describe(loc.question.get("condition"), lang, questions),
                        "deepens": loc.deepens,
                        "when": " · ".join(_describe(c, lang, questions) for c in loc.conditions[-1:])
                        if loc.deepens
                        else "",
                    }
                    for loc in questions.values()
                    if loc.page_key == key
                ],
            }
        )
    return flow


def _graph(flow: list[dict[str, Any]]) -> dict[str, Any]:
    """Boxes and arrows for the flow drawing: pages top to bottom, next-page arrows and jump arcs."""
    box_h, gap, width = 44, 28, 360
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    index = {p["key"]: i for i, p in enumerate(flow)}
    for i, page in enumerate(flow):
        y = 10 + i * (box_h + gap)
        nodes.append(
            {
                "x": 10,
                "y": y,
                "w": 240,
                "h": box_h,
                "label": f"{page['key']} · {len(page['questions'])}",
                "title": page["title"],
                "conditional": bool(page["condition"]),
            }
        )
        if i + 1 < len(flow) and not any(j["when"] == _("always") for j in page["jumps"]):
            edges.append({"x1": 130, "y1": y + box_h, "x2": 130, "y2": y + box_h + gap - 4})
    for i, page in enumerate(flow):
        for n, jump in enumerate(page["jumps"]):
            target = index.get(str(jump["to"]))
            if target is None:
                continue
            y1 = 10 + i * (box_h + gap) + box_h / 2
            y2 = 10 + target * (box_h + gap) + box_h / 2
            bend = 290 + n * 20
            edges.append({"path": f"M250 {y1} C{bend} {y1} {bend} {y2} 254 {y2}", "jump": True})
    return {"nodes": nodes, "edges": edges, "width": width, "height": 20 + len(flow) * (box_h + gap)}


def _with_question(
    definition: dict[str, Any], question: dict[str, Any], page_key: str, page_title: str, replace: str | None
) -> dict[str, Any]:
    """The definition with the question added at the end of its page (or replacing ``replace`` in place)."""
    definition = json.loads(json.dumps(definition))
    pages = definition.setdefault("pages", [])
    if replace:
        for page in pages:
            for section in page.get("sections") or []:
                items = section.get("questions") or []
                for i, existing in enumerate(items):
                    if existing.get("key") == replace:
                        if page.get("key") == page_key:
                            keep = {
                                k: v
                                for k, v in existing.items()
                                if k in ("deepen", "labels", "media", "profile", "bounds", "integer")
                            }
                            items[i] = {**keep, **question}
                            return definition
                        del items[i]
                        break
    page = next((p for p in pages if p.get("key") == page_key), None)
    if page is None:
        page = {"key": page_key, "title": {"fr": page_title or page_key}, "sections": []}
        pages.append(page)
    sections = page.setdefault("sections", [])
    if not sections:
        sections.append({"key": f"{page_key}_s", "title": {}, "questions": []})
    sections[-1].setdefault("questions", []).append(question)
    return definition


def _without_question(definition: dict[str, Any], key: str) -> dict[str, Any]:
    definition = json.loads(json.dumps(definition))
    for page in definition.get("pages") or []:
        for section in page.get("sections") or []:
            section["questions"] = [q for q in section.get("questions") or [] if q.get("key") != key]
    definition["pages"] = [
        p for p in definition.get("pages") or [] if any(s.get("questions") for s in p.get("sections") or [])
    ]
    return definition


def edit(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    """The editor: settings, the flow (list and drawing), the question form, and the JSON editor."""
    survey = _survey(request, process_slug, component_id, public_id)
    _require_manage(request, survey)
    lang = _lang()
    questions = logic.question_map(survey.definition)
    choices = [(k, f"{k} — {logic.tr(loc.question.get('text'), lang)[:60]}") for k, loc in questions.items()]
    editing = request.GET.get("question", "")
    settings_form = SurveySettingsForm(
        initial={
            "title_fr": survey.title.get("fr", ""),
            "title_en": survey.title.get("en", ""),
            "description_fr": survey.description.get("fr", ""),
            "description_en": survey.description.get("en", ""),
            "opens_at": survey.opens_at,
            "closes_at": survey.closes_at,
            "allow_anonymous": survey.allow_anonymous,
            "uniqueness": survey.uniqueness,
            "results_public": survey.results_public,
            "published_questions": survey.published_questions,
        },
        question_choices=choices,
        prefix="settings",
    )
    question_form = QuestionForm(
        initial=QuestionForm.initial_for(questions[editing])
        if editing in questions
        else {"page": (logic.pages(survey.definition) or [{}])[-1].get("key", "page1")},
        prefix="question",
    )
    definition_form = DefinitionForm(
        initial={"definition": json.dumps(survey.definition, ensure_ascii=False, indent=2)}, prefix="json"
    )
    problems: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "settings":
                settings_form = SurveySettingsForm(request.POST, question_choices=choices, prefix="settings")
                if settings_form.is_valid():
                    d = settings_form.cleaned_data
                    services.survey_update(
                        survey=survey,
                        by=request.user,
                        title={"fr": d["title_fr"], "en": d["title_en"]},
                        description={"fr": d["description_fr"], "en": d["description_en"]},
                        allow_anonymous=d["allow_anonymous"],
                        uniqueness=d["uniqueness"],
                        opens_at=d["opens_at"],
                        closes_at=d["closes_at"],
                        results_public=d["results_public"],
                        published_questions=d["published_questions"],
                    )
                    messages.success(request, _("The settings are saved."))
                    return redirect(_url("edit", survey))
            elif action == "question":
                question_form = QuestionForm(request.POST, prefix="question")
                if question_form.is_valid():
                    replace = request.POST.get("replace", "") or None
                    definition = _with_question(
                        survey.definition,
                        question_form.question(),
                        question_form.cleaned_data["page"],
                        question_form.cleaned_data["page_title_fr"],
                        replace,
                    )
                    services.survey_save_definition(survey=survey, by=request.user, definition=definition)
                    messages.success(request, _("The question is saved."))
                    return redirect(_url("edit", survey) + "#flow")
                editing = request.POST.get("replace", "")
            elif action == "delete":
                definition = _without_question(survey.definition, request.POST.get("key", ""))
                services.survey_save_definition(survey=survey, by=request.user, definition=definition)
                messages.success(request, _("The question is deleted."))
                return redirect(_url("edit", survey) + "#flow")
            elif action == "json":
                definition_form = DefinitionForm(request.POST, prefix="json")
                if definition_form.is_valid():
                    try:
                        parsed = json.loads(definition_form.cleaned_data["definition"])
                    except json.JSONDecodeError as exc:
                        definition_form.add_error(
                            "definition", _("This is not valid JSON (line %(line)s).") % {"line": exc.lineno}
                        )
                    else:
                        if not isinstance(parsed, dict):
                            definition_form.add_error(
                                "definition", _("The definition must be a JSON object.")
                            )
                        else:
                            services.survey_save_definition(survey=survey, by=request.user, definition=parsed)
                            messages.success(request, _("The questions and rules are saved."))
                            return redirect(_url("edit", survey))
            elif action == "duplicate":
                copy = services.survey_duplicate(
                    survey=survey, by=request.user, as_template=request.POST.get("as_template") == "1"
                )
                if copy.is_template:
                    messages.success(request, _("The questionnaire is saved as a template."))
                    return redirect(_url("edit", survey))
                copy.component = survey.component
                messages.success(request, _("This is the copy: edit it freely."))
                return redirect(_url("edit", copy))
        except services.DefinitionInvalid as exc:
            problems = exc.problems
        except DomainError as exc:
            messages.error(request, str(exc))
    flow = _flow(survey, lang)
    context = {
        **_base(request, survey),
        "settings_form": settings_form,
        "question_form": question_form,
        "definition_form": definition_form,
        "editing": editing if editing in questions else "",
        "problems": problems,
        "flow": flow,
        "graph": _graph(flow),
        "preview_url": _url("preview", survey, page_key=flow[0]["key"]) + "?restart=1" if flow else "",
        "assisted_url": _url("assisted", survey),
        "question_keys": list(questions),
        "example": json.dumps(
            mobility_survey()["pages"][1]["sections"][0]["questions"][1], ensure_ascii=False, indent=2
        ),
    }
    return render(request, "surveys/edit.html", context, status=_invalid_status(request, bool(problems)))


# --- Results ------------------------------------------------------------------------------------------


def _results_access(request: HttpRequest, survey: Survey) -> set[str] | None:
    """None for staff (everything); the published question keys for the public; 404 when nothing is public."""
    if _can_manage(request, survey):
        return None
    if not survey.results_public:
        raise Http404
    return set(survey.published_questions)


def results(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    survey = _survey(request, process_slug, component_id, public_id)
    allowed = _results_access(request, survey)
    lang = _lang()
    count, tabulated = selectors.survey_results(survey=survey, lang=lang)
    shown = [r for r in tabulated if allowed is None or r.key in allowed]
    crosstab = None
    group_by = request.GET.get("by", "")
    question = request.GET.get("question", "")
    crossable = [(r.key, r.text) for r in shown if r.type in ("single_choice", "multiple_choice", "scale")]
    if allowed is None and group_by and question:
        crosstab = selectors.survey_crosstab(survey=survey, question_key=question, by=group_by, lang=lang)
    stats = (
        selectors.survey_stats(component=survey.component) if allowed is None and survey.component else None
    )
    return render(
        request,
        "surveys/results.html",
        {
            **_base(request, survey),
            "count": count,
            "results": shown,
            "staff_view": allowed is None,
            "crossable": crossable,
            "group_choices": selectors.group_choices(survey=survey) if allowed is None else [],
            "group_by": group_by,
            "crossed_question": question,
            "crosstab": crosstab,
            "crosstab_rows": list(zip(crosstab.options, crosstab.cells, strict=True)) if crosstab else [],
            "crossed_text": next((t for k, t in crossable if k == question), ""),
            "stats": stats,
            "export_csv": _url("export", survey, fmt="csv"),
            "export_xlsx": _url("export", survey, fmt="xlsx"),
            "export_json": _url("export", survey, fmt="json"),
        },
    )


def export(
    request: HttpRequest, process_slug: str, component_id: int, public_id: str, fmt: str
) -> HttpResponse:
    """One row per response, one column per question (CSV, XLSX), or the whole data set (JSON); staff only."""
    survey = _survey(request, process_slug, component_id, public_id)
    _require_manage(request, survey)
    body: str | bytes
    if fmt == "csv":
        body, content_type = (
            "\ufeff" + selectors.export_csv(survey=survey, lang=_lang()),
            "text/csv; charset=utf-8",
        )
    elif fmt == "xlsx":
        body, content_type = (
            selectors.export_xlsx(survey=survey, lang=_lang()),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    elif fmt == "json":
        body, content_type = selectors.export_json(survey=survey), "application/json"
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.public_id}.{fmt}"'
    return response
