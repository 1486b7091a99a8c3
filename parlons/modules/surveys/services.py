"""Writes of the surveys module: questionnaires, responses page by page, submission, assisted entry.

Every function is one atomic change of state; views, the API, the seed and the tests call them.
"""

from __future__ import annotations

import copy
import hashlib
import io
import secrets
import time
from collections.abc import Mapping
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from parlons.accounts.models import Membership
from parlons.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from parlons.core import permissions
from parlons.core.models import Component
from parlons.modules.surveys import logic, results
from parlons.modules.surveys.messages import answer_message, problems_text
from parlons.modules.surveys.models import (
    SURVEY_SLOT,
    Response,
    ResponseFile,
    ResultCount,
    Survey,
    Uniqueness,
)

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000


class AnswersInvalid(ValidationFailed):
    """Some answers of a page were refused; ``errors`` maps each question key to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(_("Some answers need your attention."), code="invalid_answers")
        self.errors = dict(errors)


class DefinitionInvalid(ValidationFailed):
    """The questionnaire definition was refused; ``problems`` are the translated reasons."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems), code="invalid_definition", field="definition")
        self.problems = problems


def _require_manager(by: Any, component: Component | None, organisation: Any) -> None:
    if by is None:
        return
    if component is not None:
        decision = permissions.can_perform(by, component, "manage")
        if not decision:
            raise PermissionDenied(decision.reason)
    elif not permissions.is_staff(by, organisation):
        raise PermissionDenied(_("Only the town hall's staff can edit questionnaires."))


def _check_definition(definition: Mapping[str, Any]) -> dict[str, Any]:
    problems = logic.validate_definition(definition)
    if problems:
        raise DefinitionInvalid(problems_text(problems))
    return dict(definition)


def _check_texts(title: Mapping[str, str]) -> dict[str, str]:
    clean = {lang: str(title.get(lang, "")).strip()[:200] for lang in logic.LANGS}
    if not any(clean.values()):
        raise ValidationFailed(_("Please give the survey a title."), field="title_fr")
    return {k: v for k, v in clean.items() if v}


@transaction.atomic
def survey_create(
    *,
    component: Component | None,
    by: Any,
    title: Mapping[str, str],
    description: Mapping[str, str] | None = None,
    definition: Mapping[str, Any] | None = None,
    organisation: Any = None,
    is_template: bool = False,
    allow_anonymous: bool = False,
    uniqueness: str = Uniqueness.PERSON,
    opens_at: Any = None,
    closes_at: Any = None,
) -> Survey:
    """Create a questionnaire in a component (or an organisation's template when ``component`` is None).

    ``by`` must be able to ``manage`` the component (None = the system). A given definition is validated
    (DefinitionInvalid); an empty one starts with no question and is refused only when saved.
    """
    organisation = component.process.organisation if component is not None else organisation
    if organisation is None:
        raise ValidationFailed(_("A template belongs to an organisation."))
    _require_manager(by, component, organisation)
    if opens_at and closes_at and closes_at <= opens_at:
        raise ValidationFailed(_("The closing date must be after the opening date."), field="closes_at")
    return Survey.objects.create(
        organisation=organisation,
        component=component,
        title=_check_texts(title),
        description={k: str(v) for k, v in (description or {}).items() if v},
        definition=_check_definition(definition) if definition else {"pages": []},
        is_template=is_template or component is None,
        allow_anonymous=allow_anonymous,
        uniqueness=uniqueness,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )


@transaction.atomic
def survey_update(
    *,
    survey: Survey,
    by: Any,
    title: Mapping[str, str],
    description: Mapping[str, str],
    allow_anonymous: bool,
    uniqueness: str,
    opens_at: Any,
    closes_at: Any,
    results_public: bool = False,
    published_questions: list[str] | None = None,
) -> Survey:
    """Change the settings of a questionnaire (texts, dates, anonymity, uniqueness, published results)."""
    _require_manager(by, survey.component, survey.organisation)
    if opens_at and closes_at and closes_at <= opens_at:
        raise ValidationFailed(_("The closing date must be after the opening date."), field="closes_at")
    if uniqueness not in Uniqueness.values:
        raise ValidationFailed(_("Choose how many responses a person may send."), field="uniqueness")
    known = {loc.key for loc in logic.iter_questions(survey.definition)}
    survey.title = _check_texts(title)
    survey.description = {k: str(v) for k, v in description.items() if v}
    survey.allow_anonymous = allow_anonymous
    survey.uniqueness = uniqueness
    survey.opens_at, survey.closes_at = opens_at, closes_at
    survey.results_public = results_public
    survey.published_questions = [k for k in (published_questions or []) if k in known]
    survey.save()
    return survey


@transaction.atomic
def survey_save_definition(*, survey: Survey, by: Any, definition: Mapping[str, Any]) -> Survey:
    """Replace the questions and rules after checking them with ``logic.validate_definition``.

    Raises DefinitionInvalid naming the cycles, unreachable items and deleted references; nothing is saved then.
    """
    _require_manager(by, survey.component, survey.organisation)
    previous = survey.definition
    survey.definition = _check_definition(definition)
    survey.save(update_fields=["definition", "updated_at"])
    if previous != survey.definition and survey.responses.filter(status=Response.Status.SUBMITTED).exists():
        survey_rebuild_results(survey=survey)  # the slots follow the questions' types, options and rows
    return survey


@transaction.atomic
def survey_duplicate(
    *, survey: Survey, by: Any, component: Component | None = None, as_template: bool = False
) -> Survey:
    """Copy a questionnaire (or a template) into ``component``, or as a template; responses are not copied."""
    target = None if as_template else (component or survey.component)
    organisation = target.process.organisation if target is not None else survey.organisation
    if organisation.pk != survey.organisation_id:
        raise NotFound(_("This questionnaire does not exist."))
    _require_manager(by, target, organisation)
    title = {k: (f"{v} (copie)" if k == "fr" else f"{v} (copy)") for k, v in survey.title.items()}
    return Survey.objects.create(
        organisation=organisation,
        component=target,
        title=title,
        description=dict(survey.description),
        definition=copy.deepcopy(survey.definition),
        is_template=target is None,
        allow_anonymous=survey.allow_anonymous,
        uniqueness=survey.uniqueness,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )


# --- Responses ---------------------------------------------------------------------------------------


def _check_open(survey: Survey) -> None:
    if survey.is_template or survey.component is None:
        raise NotFound(_("This questionnaire does not exist."))
    now = timezone.now()
    if survey.opens_at and now < survey.opens_at:
        raise PermissionDenied(_("This questionnaire is not open yet."), code="not_open")
    if survey.closes_at and now >= survey.closes_at:
        raise PermissionDenied(
            _("This questionnaire is closed: answers are no longer accepted."), code="closed"
        )


def profile_of(user: Any, organisation: Any) -> dict[str, Any]:
    """District and topics of interest from the person's membership (what the rules on the profile read)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    membership = (
        Membership.objects.filter(user=user, organisation=organisation)
        .select_related("home_area")
        .prefetch_related("interests")
        .first()
    )
    if membership is None:
        return {}
    profile: dict[str, Any] = {"topics": sorted(t.slug for t in membership.interests.all())}
    if membership.home_area:
        profile["district"] = membership.home_area.slug
    return profile


def effective_profile(response: Response) -> dict[str, Any]:
    """The stored profile, overridden by the answers to the questions marked as profile questions."""
    profile = dict(response.profile)
    for field_name, key in logic.profile_questions(response.survey.definition).items():
        answer = response.answers.get(key)
        if isinstance(answer, Mapping) and answer.get("choice") not in (None, logic.OTHER):
            profile[field_name] = answer["choice"]
    return profile


def response_path(response: Response) -> logic.Path:
    return logic.compute_path(response.survey.definition, response.answers, effective_profile(response))


def _existing(survey: Survey, user: Any, device_id: str) -> Response | None:
    qs = Response.objects.for_organisation(survey.organisation).filter(
        survey=survey, assisted_by__isnull=True
    )
    authenticated = getattr(user, "is_authenticated", False)
    if authenticated:
        mine = qs.filter(respondent=user)
        draft = mine.filter(status=Response.Status.DRAFT).first()
        if draft or survey.uniqueness == Uniqueness.NONE:
            return draft
        if survey.uniqueness == Uniqueness.PERSON:
            return mine.first()
    if device_id:
        on_device = qs.filter(device_id=device_id)
        draft = on_device.filter(status=Response.Status.DRAFT).first()
        if draft or survey.uniqueness == Uniqueness.NONE:
            return draft
        return on_device.first()
    return None


@transaction.atomic
def response_start(*, survey: Survey, user: Any, device_id: str = "", language: str = "") -> Response:
    """Start answering, or resume the person's (or device's) response in progress.

    Checks that the questionnaire is open and that the person may ``respond`` (verification level, anonymity).
    Raises Conflict when one response is allowed and it was already sent.
    """
    _check_open(survey)
    assert survey.component is not None
    decision = permissions.can_perform(user, survey.component, "respond", survey)
    if not decision:
        raise PermissionDenied(decision.reason, code="not_allowed")
    authenticated = getattr(user, "is_authenticated", False)
    if not authenticated and not device_id:
        raise PermissionDenied(_("Please allow cookies to answer without an account."), code="no_device")
    Survey.objects.select_for_update().filter(pk=survey.pk).first()
    existing = _existing(survey, user, device_id)
    if existing is not None:
        if existing.status == Response.Status.SUBMITTED:
            raise Conflict(
                _("You have already answered this questionnaire. Thank you!"), code="already_answered"
            )
        return existing
    return Response.objects.create(
        organisation=survey.organisation,
        survey=survey,
        respondent=user if authenticated else None,
        device_id=device_id,
        profile=profile_of(user, survey.organisation),
        language=language[:8],
    )


@transaction.atomic
def response_assisted_start(
    *,
    survey: Survey,
    agent: Any,
    channel: str = Response.Channel.COUNTER,
    district: str = "",
    age_group: str = "",
    language: str = "",
) -> Response:
    """An agent starts entering the answers of a person met at a counter or on the phone.

    The response is marked as assisted (agent and channel kept); it is not tied to any account, so the
    one-response rules do not apply. Only staff who may ``manage`` the component can do this.
    """
    _check_open(survey)
    assert survey.component is not None
    decision = permissions.can_perform(agent, survey.component, "manage", survey)
    if not decision:
        raise PermissionDenied(decision.reason)
    if channel not in (Response.Channel.COUNTER, Response.Channel.PHONE):
        raise ValidationFailed(_("Choose where you met the person."), field="channel")
    profile = {k: v for k, v in {"district": district, "age_group": age_group}.items() if v}
    return Response.objects.create(
        organisation=survey.organisation,
        survey=survey,
        assisted_by=agent,
        channel=channel,
        profile=profile,
        language=language[:8],
    )


def _store_image(response: Response, key: str, upload: UploadedFile) -> dict[str, str]:
    """Decode the upload with Pillow, remove its metadata by re-encoding it, store it named by its hash."""
    if upload.size and upload.size > MAX_FILE_BYTES:
        raise logic.AnswerError("file_too_big")
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image: Image.Image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise logic.AnswerError("file_too_big")
        image = ImageOps.exif_transpose(image)
        has_alpha = image.mode in ("RGBA", "LA", "P")
        image = image.convert("RGBA" if has_alpha else "RGB")
        out = io.BytesIO()
        image.save(out, format="PNG" if has_alpha else "JPEG", quality=85)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise logic.AnswerError("not_an_image") from None
    content = out.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    stored = ResponseFile(
        response=response, question_key=key, content_hash=digest, original_name=(upload.name or "")[:200]
    )
    stored.file.save(f"{digest}.{'png' if has_alpha else 'jpg'}", ContentFile(content), save=False)
    stored.save()
    return {"file": stored.file.name, "name": stored.original_name}


def _check_draft(response: Response) -> None:
    if response.status != Response.Status.DRAFT:
        raise Conflict(_("This response has already been sent."), code="already_sent")
    _check_open(response.survey)


@transaction.atomic
def response_answer_page(
    *,
    response: Response,
    page_key: str,
    values: Mapping[str, Any],
    files: Mapping[str, UploadedFile] | None = None,
    shown: list[str] | None = None,
) -> tuple[logic.Path, str | None]:
    """Check and save the answers of one page; return the new path and the page to show next.

    ``values`` are the answers in the form ``logic.validate_answer`` reads; ``shown`` the questions the
    person saw (a follow-up that appears because of an answer on this page keeps the person on the page).
    Raises AnswersInvalid (nothing saved) with one message per refused or missing answer.
    """
    _check_draft(response)
    definition = response.survey.definition
    profile = effective_profile(response)
    if page_key not in logic.compute_path(definition, response.answers, profile).page_keys:
        raise NotFound(_("This page is not part of your questionnaire."))
    stored: dict[str, Any] = {}
    file_errors: dict[str, str] = {}
    for loc in logic.iter_questions(definition):
        if loc.page_key == page_key and loc.type == "file" and (upload := (files or {}).get(loc.key)):
            try:
                stored[loc.key] = _store_image(response, loc.key, upload)
            except logic.AnswerError as exc:
                file_errors[loc.key] = answer_message(exc)
    outcome = logic.answer_page(definition, response.answers, profile, page_key, values, shown, stored)
    errors = {k: answer_message(e) for k, e in outcome.errors.items()} | file_errors
    if errors:
        transaction.set_rollback(True)
        raise AnswersInvalid(errors)
    response.answers = outcome.answers
    response.current_page = outcome.following or ""
    response.save(update_fields=["answers", "current_page", "updated_at"])
    return outcome.path, outcome.following


@transaction.atomic
def response_submit(*, response: Response) -> Response:
    """Send a response: every required question on the person's path must be answered.

    Answers left over from branches the person did not take are dropped; the district and age group are
    kept for cross-tabulation; a receipt code is issued. Raises AnswersInvalid, Conflict, PermissionDenied.
    """
    locked = Response.objects.select_for_update().select_related("survey").get(pk=response.pk)
    _check_draft(locked)
    path = response_path(locked)
    missing = logic.missing_required(locked.survey.definition, path)
    if missing:
        raise AnswersInvalid({k: answer_message(logic.AnswerError("required")) for k in missing})
    profile = effective_profile(locked)
    locked.answers = path.answers
    locked.district = str(profile.get("district", ""))[:80]
    locked.age_group = str(profile.get("age_group", ""))[:40]
    locked.status = Response.Status.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.current_page = ""
    locked.receipt = secrets.token_hex(4).upper()
    locked.save()
    groups = {"district": locked.district, "age_group": locked.age_group}
    amounts = results.response_contributions(locked.survey.definition, locked.answers, groups)
    amounts[SURVEY_SLOT, "responses"] = 1
    amounts[SURVEY_SLOT, "assisted"] = 1 if locked.assisted_by_id else 0
    amounts[SURVEY_SLOT, "stamp"] = 1  # changes at every write: the results cache's version
    _add_counts(survey=locked.survey, amounts=amounts)
    return locked


def _add_counts(*, survey: Survey, amounts: Mapping[tuple[str, str], float]) -> None:
    """Add one response's contributions to the survey's aggregates (under a lock of the survey's row)."""
    if not amounts:
        return
    Survey.objects.select_for_update().filter(pk=survey.pk).first()
    existing = {
        (row.question_key, row.slot): row
        for row in ResultCount.objects.filter(
            survey=survey,
            question_key__in={key for key, _slot in amounts},
            slot__in={slot for _key, slot in amounts},
        )
    }
    changed, new = [], []
    for (key, slot), amount in amounts.items():
        row = existing.get((key, slot))
        if row is None:
            new.append(ResultCount(survey=survey, question_key=key, slot=slot, amount=amount))
        else:
            row.amount += amount
            changed.append(row)
    ResultCount.objects.bulk_update(changed, ["amount"], batch_size=500)
    ResultCount.objects.bulk_create(new, batch_size=500)


@transaction.atomic
def survey_rebuild_results(*, survey: Survey, chunk_size: int = 5000) -> int:
    """Recompute a survey's aggregates from the answers of its sent responses; returns the rows written.

    For a bulk load or an import that bypassed ``response_submit``, a change of the questions, or a repair.
    """
    Survey.objects.select_for_update().filter(pk=survey.pk).first()
    ResultCount.objects.filter(survey=survey).delete()
    rows = (
        Response.objects.filter(survey=survey, status=Response.Status.SUBMITTED)
        .values_list("answers", "district", "age_group")
        .iterator(chunk_size=chunk_size)
    )
    totals = results.recompute(survey.definition, ((a, {"district": d, "age_group": g}) for a, d, g in rows))
    sent = Response.objects.filter(survey=survey, status=Response.Status.SUBMITTED)
    totals[SURVEY_SLOT, "responses"] = sent.count()
    totals[SURVEY_SLOT, "assisted"] = sent.filter(assisted_by__isnull=False).count()
    totals[SURVEY_SLOT, "stamp"] = time.time()
    ResultCount.objects.bulk_create(
        [ResultCount(survey=survey, question_key=k, slot=s, amount=a) for (k, s), a in totals.items()],
        batch_size=2000,
    )
    return len(totals)


@transaction.atomic
def response_submit_all(
    *, survey: Survey, user: Any, answers: Mapping[str, Any], language: str = ""
) -> Response:
    """Answer a whole questionnaire at once (the API): start or resume, answer each page of the path, send.

    Answers to questions off the person's path are ignored. Raises what the three steps raise.
    """
    response = response_start(survey=survey, user=user, language=language)
    page: str | None = response_path(response).next_page(None)
    seen: set[str] = set()
    while page is not None and page not in seen:
        seen.add(page)
        _path, following = response_answer_page(response=response, page_key=page, values=answers, shown=[])
        page = following if following != page else response_path(response).next_page(page)
    return response_submit(response=response)
