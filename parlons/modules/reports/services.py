"""Writes of the reports module: each function is one atomic change of state.

Every change of a report goes through the core decision trail (``decision_record``) and tells the reporter
and the followers by e-mail (after the commit). Staff actions require a role in the organisation; agents
of a service act on their service's reports (and those assigned to them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from parlons.accounts.models import STAFF_ROLES, Membership, Role
from parlons.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from parlons.core import permissions
from parlons.core.models import Area, Component, DecisionEvent, Service
from parlons.core.services import decision_record
from parlons.geo.geocoding import get_geocoder
from parlons.geo.geometry import InvalidGeometry, point, validate_lonlat
from parlons.modules.reports import cells, emails, photos, selectors
from parlons.modules.reports.models import (
    OPEN_STATUSES,
    AnswerTemplate,
    Category,
    CategoryRoute,
    CloseReason,
    PhotoKind,
    Report,
    ReportFollower,
    ReportPhoto,
    SatisfactionSurvey,
    Status,
)
from parlons.modules.reports.settings import settings_of

MAX_DESCRIPTION = 5000
PHOTO_ERRORS = {
    "too_big": _("The photo “%(name)s” is too big (10 MB at most)."),
    "too_large_image": _("The photo “%(name)s” has too many pixels."),
    "not_an_image": _("The file “%(name)s” is not a photo (JPEG, PNG, WebP, GIF or HEIC)."),
}


def _user(by: Any) -> Any:
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def _status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status


# --- Permissions -------------------------------------------------------------------------------------


def can_handle(user: Any, report: Report) -> bool:
    """Staff who may act on this report: administrators and moderators always; agents of its service,
    agents without a service, and whoever it is assigned to."""
    membership = permissions.membership_of(user, report.organisation)
    if membership is None or membership.role not in STAFF_ROLES:
        return False
    if membership.role in (Role.ADMIN, Role.MODERATOR) or membership.service_id is None:
        return True
    return membership.service_id == report.service_id or report.assigned_to_id == user.pk


def _require_handler(by: Any, report: Report) -> None:
    if by is not None and not can_handle(by, report):
        raise PermissionDenied(_("Only the service in charge of this report can do this."))


def _require_moderator(by: Any, report: Report) -> None:
    if by is not None and permissions.role_of(by, report.organisation) not in (Role.ADMIN, Role.MODERATOR):
        raise PermissionDenied(_("Only moderators and administrators can do this."))


# --- Photos ------------------------------------------------------------------------------------------


def _clean_photos(files: Sequence[UploadedFile], limit: int) -> list[photos.CleanPhoto]:
    """Check every upload before anything is stored (all or nothing)."""
    if len(files) > limit:
        raise ValidationFailed(
            _("You can attach %(count)d photos at most.") % {"count": limit},
            code="too_many_photos",
            field="photos",
        )
    cleaned = []
    for upload in files:
        size = getattr(upload, "size", None) or 0
        if size > photos.MAX_BYTES:
            raise ValidationFailed(
                PHOTO_ERRORS["too_big"] % {"name": upload.name}, code="too_big", field="photos"
            )
        upload.seek(0)
        try:
            cleaned.append(photos.clean(upload.read()))
        except photos.PhotoError as exc:
            raise ValidationFailed(
                PHOTO_ERRORS[exc.code] % {"name": upload.name}, code=exc.code, field="photos"
            ) from exc
    return cleaned


def _store_photo(clean: photos.CleanPhoto) -> str:
    """Save the JPEG under its content hash, once: identical photos share one file."""
    name = f"reports/photos/{clean.content_hash[:2]}/{clean.content_hash}.jpg"
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(clean.data))
        if saved != name:  # a concurrent upload of the same photo won the race: keep one file
            default_storage.delete(saved)
    return name


def _attach(
    report: Report, cleaned: Iterable[photos.CleanPhoto], *, kind: str, by: Any, published: bool = True
) -> list[ReportPhoto]:
    existing = set(ReportPhoto.objects.filter(report=report).values_list("content_hash", flat=True))
    position = ReportPhoto.objects.filter(report=report, kind=kind).count()
    created = []
    for clean in cleaned:
        if clean.content_hash in existing:
            continue
        existing.add(clean.content_hash)
        created.append(
            ReportPhoto.objects.create(
                report=report,
                file=_store_photo(clean),
                content_hash=clean.content_hash,
                width=clean.width,
                height=clean.height,
                kind=kind,
                position=position,
                uploaded_by=_user(by),
                is_published=published,
            )
        )
        position += 1
    return created


# --- Submitting --------------------------------------------------------------------------------------


def _locate(
    *, lon: float | None, lat: float | None, address: str, cleaned: list[photos.CleanPhoto]
) -> tuple[float, float, str]:
    """The position from the device or map, else the first photo's EXIF, else the address typed."""
    if lon is not None and lat is not None:
        try:
            lon, lat = validate_lonlat(float(lon), float(lat))
        except (InvalidGeometry, TypeError, ValueError) as exc:
            raise ValidationFailed(
                _("This position is not valid."), code="invalid_position", field="location"
            ) from exc
        return lon, lat, address
    for clean in cleaned:
        if clean.gps:
            return clean.gps[0], clean.gps[1], address
    if address.strip():
        places = get_geocoder().search(address, limit=1)
        if not places:
            raise ValidationFailed(
                _("We could not find this address. Check it, or show the place on the map."),
                code="address_not_found",
                field="address",
            )
        return places[0].lon, places[0].lat, address.strip() or places[0].label
    raise ValidationFailed(
        _(
            "Show where the problem is: use your position, tap the map, type an address or add a photo taken there."
        ),
        code="position_required",
        field="location",
    )


@transaction.atomic
def report_submit(
    *,
    component: Component,
    by: Any,
    category_id: int | str | None,
    description: str,
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
    photo_files: Sequence[UploadedFile] = (),
    anonymous: bool = False,
    contact_email: str = "",
    contact_name: str = "",
    idempotency_key: str = "",
) -> Report:
    """File a report. Idempotent on ``idempotency_key`` (a double tap returns the first report).

    Preconditions: the person may ``create`` in the component (signed in, or anonymous where the settings
    allow it, then with a contact e-mail). The position comes from ``lon``/``lat``, else from the first
    photo's EXIF, else from geocoding ``address``; it must lie in one of the organisation's districts when
    it has drawn any. Routing: district rule of the category, else the category's service.
    Side effects: photos stored by content hash without EXIF; trail event "received"; e-mails to the
    reporter, the service and the category's external body. Raises PermissionDenied or ValidationFailed
    (field: category, description, photos, location, address, contact_email, anonymous); nothing is stored
    when it raises.
    """
    organisation = component.process.organisation
    user = _user(by)
    key = (idempotency_key or "").strip()[:64]
    if key:
        existing = Report.objects.filter(component=component, idempotency_key=key).first()
        if existing is not None:
            return existing
    decision = permissions.can_perform(user or AnonymousUser(), component, "create")
    if not decision:
        raise PermissionDenied(decision.reason)
    conf = settings_of(component)
    if (anonymous or user is None) and not conf.allow_anonymous:
        raise ValidationFailed(_("Reports must be signed with your name here."), field="anonymous")
    contact_email = (contact_email or "").strip()
    if user is None:
        if not contact_email:
            raise ValidationFailed(
                _("Give your e-mail address so that the service can tell you what happens."),
                code="contact_required",
                field="contact_email",
            )
        try:
            validate_email(contact_email)
        except ValidationError as exc:
            raise ValidationFailed(_("Enter a valid e-mail address."), field="contact_email") from exc
    description = (description or "").strip()
    if len(description) < 5:
        raise ValidationFailed(_("Describe the problem in a few words."), field="description")
    if len(description) > MAX_DESCRIPTION:
        raise ValidationFailed(
            _("The description is too long (%(max)d characters at most).") % {"max": MAX_DESCRIPTION},
            field="description",
        )
    try:
        category = (
            Category.objects.for_organisation(organisation)
            .select_related("service")
            .get(pk=int(category_id or 0), is_active=True)
        )
    except (Category.DoesNotExist, TypeError, ValueError) as exc:
        raise ValidationFailed(
            _("Choose a category from the list."), code="unknown_category", field="category"
        ) from exc
    cleaned = _clean_photos(list(photo_files), conf.max_photos)
    lon, lat, address = _locate(lon=lon, lat=lat, address=address or "", cleaned=cleaned)
    area, has_areas = selectors.area_at(organisation=organisation, lon=lon, lat=lat)
    if has_areas and area is None:
        raise ValidationFailed(
            _("This place is not served by %(town)s. Check the position on the map.")
            % {"town": organisation.name},
            code="outside_area",
            field="location",
        )
    if not address:
        address = (get_geocoder().reverse(lon, lat) or "")[:300]
    now = timezone.now()
    report = Report(
        organisation=organisation,
        component=component,
        category=category,
        service=selectors.route_service(category=category, area=area),
        area=area,
        point=point(lon, lat),
        lon=lon,
        lat=lat,
        address=address[:300],
        description=description,
        reporter=user,
        contact_email=contact_email if user is None else "",
        contact_name=(contact_name or "").strip()[:120],
        is_anonymous=bool(anonymous) or user is None,
        idempotency_key=key,
        due_at=now + timedelta(hours=category.sla_hours),
    )
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        existing = Report.objects.filter(component=component, idempotency_key=key).first() if key else None
        if existing is None:
            raise
        return existing
    cells.report_changed(before=None, after=cells.placement_of(report))
    _attach(report, cleaned, kind=PhotoKind.BEFORE, by=user, published=not conf.photos_reviewed)
    decision_record(
        organisation=organisation,
        subject=report,
        by=None,
        kind=DecisionEvent.Kind.STATUS,
        to_status=Status.RECEIVED,
        author_role=report.service.name if report.service else "",
    )
    emails.send("received", [report.reporter_email()], report)
    if report.service and report.service.email:
        emails.send("new_report", [report.service.email], report)
    if category.external_email:
        emails.send("external", [category.external_email], report)
        Report.objects.filter(pk=report.pk).update(external_sent_at=now)
        report.external_sent_at = now
    return report


# --- Followers ---------------------------------------------------------------------------------------


@transaction.atomic
def report_follow(*, report: Report, by: Any, email: str = "") -> bool:
    """ "Me too": follow a report and count in its followers. Returns False when already following.

    Signed-in people follow with their account; anonymous visitors with an e-mail address where the
    component allows anonymous reports: the address is only sent a signed confirmation link (valid
    FOLLOW_LINK_DAYS days, see ``report_follow_confirm``) and False is returned, so that nobody can
    subscribe a third party and the answer does not tell whether an address already follows.
    The reporter follows their report already.
    """
    user = _user(by)
    decision = permissions.can_perform(user or AnonymousUser(), report.component, "follow", report)
    if not decision:
        raise PermissionDenied(decision.reason)
    if report.is_private or (report.status == Status.CLOSED and report.duplicate_of_id):
        raise Conflict(_("This report cannot be followed."))
    if user is not None:
        if report.reporter_id == user.pk or ReportFollower.objects.filter(report=report, user=user).exists():
            return False
        ReportFollower.objects.create(report=report, user=user)
    else:
        email = (email or "").strip().lower()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationFailed(_("Enter a valid e-mail address."), field="email") from exc
        if (
            ReportFollower.objects.filter(report=report, email=email).exists()
            or email == report.contact_email.lower()
        ):
            return False
        # Nobody may subscribe someone else: the address is added once its owner follows the link.
        token = signing.dumps({"r": report.pk, "e": email}, salt=FOLLOW_SALT)
        path = reverse(
            "reports:follow_confirm",
            kwargs={
                "process_slug": report.component.process.slug,
                "component_id": report.component_id,
                "public_id": report.public_id,
                "token": token,
            },
        )
        emails.send("confirm_follow", [email], report, confirm_url=emails.absolute_url(report, path))
        return False
    _count_follower(report)
    return True


FOLLOW_SALT = "reports.follow"
FOLLOW_LINK_DAYS = 7


def _count_follower(report: Report) -> None:
    Report.objects.filter(pk=report.pk).update(followers_count=F("followers_count") + 1)
    report.refresh_from_db(fields=["followers_count"])


@transaction.atomic
def report_follow_confirm(*, report: Report, token: str) -> bool:
    """An anonymous "me too" confirmed from the e-mail link: the address in the signed ``token`` follows
    ``report``. Returns False when it already does. Raises ValidationFailed for a wrong or expired link
    (valid FOLLOW_LINK_DAYS days) and Conflict when the report cannot be followed any more."""
    try:
        data = signing.loads(token, salt=FOLLOW_SALT, max_age=timedelta(days=FOLLOW_LINK_DAYS))
    except signing.BadSignature as exc:  # SignatureExpired included
        raise ValidationFailed(_("This confirmation link is wrong or has expired."), code="bad_link") from exc
    if data.get("r") != report.pk or not isinstance(data.get("e"), str):
        raise ValidationFailed(_("This confirmation link is wrong or has expired."), code="bad_link")
    if report.is_private or (report.status == Status.CLOSED and report.duplicate_of_id):
        raise Conflict(_("This report cannot be followed."))
    email = data["e"]
    if (
        ReportFollower.objects.filter(report=report, email=email).exists()
        or email == report.contact_email.lower()
    ):
        return False
    ReportFollower.objects.create(report=report, email=email)
    _count_follower(report)
    return True


@transaction.atomic
def report_unfollow(*, report: Report, by: Any) -> bool:
    user = _user(by)
    if user is None:
        return False
    deleted, _detail = ReportFollower.objects.filter(report=report, user=user).delete()
    if deleted:
        Report.objects.filter(pk=report.pk, followers_count__gt=0).update(
            followers_count=F("followers_count") - 1
        )
        report.refresh_from_db(fields=["followers_count"])
    return bool(deleted)


# --- Status, answers, routing ------------------------------------------------------------------------


def _apply_status(report: Report, status: str, close_reason: str, now: datetime) -> str:
    """Set the status and its dates on the instance; returns the previous status. Does not save."""
    if status not in Status.values:
        raise ValidationFailed(_("Unknown status."), field="status")
    previous = report.status
    if status == Status.CLOSED:
        if close_reason not in CloseReason.values:
            raise ValidationFailed(
                _("Say why the report is closed."), code="close_reason_required", field="close_reason"
            )
        report.close_reason = close_reason
        report.closed_at = now
    else:
        report.close_reason = ""
        report.closed_at = None
    if status == Status.ACKNOWLEDGED and report.acknowledged_at is None:
        report.acknowledged_at = now
    if status == Status.FIXED:
        report.fixed_at = now
    elif status in OPEN_STATUSES:
        report.fixed_at = None
    if previous in (Status.FIXED, Status.CLOSED) and status in OPEN_STATUSES:
        report.reopened_count += 1
        report.due_at = now + timedelta(hours=report.category.sla_hours)
        SatisfactionSurvey.objects.filter(report=report, sent_at__isnull=True).delete()
    report.status = status
    if status == Status.FIXED:
        _schedule_survey(report, now)
    return previous


def _schedule_survey(report: Report, now: datetime) -> None:
    email = report.reporter_email()
    if not email or SatisfactionSurvey.objects.filter(report=report, sent_at__isnull=True).exists():
        return
    delay = settings_of(report.component).satisfaction_delay_days
    SatisfactionSurvey.objects.create(report=report, email=email, due_at=now + timedelta(days=delay))


def _role_label(by: Any, report: Report) -> str:
    if by is None:
        return report.service.name if report.service else ""
    membership = permissions.membership_of(by, report.organisation)
    if membership and membership.service_id:
        service = Service.objects.filter(pk=membership.service_id).values_list("name", flat=True).first()
        return service or ""
    return report.organisation.name


def _headline(report: Report) -> str:
    text = gettext("Status: %(status)s") % {"status": _status_label(report.status)}
    if report.status == Status.CLOSED and report.close_reason:
        text += f" — {CloseReason(report.close_reason).label}"
    return text


@transaction.atomic
def report_set_status(
    *, report: Report, by: Any, status: str, close_reason: str = "", body: str = "", is_public: bool = True
) -> Report:
    """Move a report to another status (closing needs a reason). Records the trail and tells the reporter
    and followers. Raises PermissionDenied, ValidationFailed, or Conflict when the status is unchanged."""
    _require_handler(by, report)
    if status == report.status and close_reason == report.close_reason:
        raise Conflict(_("The report already has this status."), field="status")
    with cells.tracking(report):
        previous = _apply_status(report, status, close_reason, timezone.now())
        report.save()
    decision_record(
        organisation=report.organisation,
        subject=report,
        by=by,
        kind=DecisionEvent.Kind.STATUS,
        from_status=previous,
        to_status=report.status,
        body=body,
        author_role=_role_label(by, report),
        is_public=is_public and not report.is_private,
    )
    emails.send(
        "update", emails.audience(report, exclude=by), report, headline=_headline(report), body=body.strip()
    )
    return report


@transaction.atomic
def report_acknowledge(*, report: Report, by: Any, body: str = "") -> Report:
    """Received → acknowledged: the service has seen the report."""
    if report.status != Status.RECEIVED:
        raise Conflict(_("Only a received report can be acknowledged."), field="status")
    return report_set_status(report=report, by=by, status=Status.ACKNOWLEDGED, body=body)


@transaction.atomic
def report_answer(
    *,
    report: Report,
    by: Any,
    body: str = "",
    template_id: int | None = None,
    status: str = "",
    close_reason: str = "",
    photo_files: Sequence[UploadedFile] = (),
) -> Report:
    """Publish an official answer, optionally from a template and with a status change and "after" photos.

    An empty ``body`` takes the template's text; an empty ``status`` takes the template's status.
    """
    _require_handler(by, report)
    template = None
    if template_id:
        template = AnswerTemplate.objects.for_organisation(report.organisation).filter(pk=template_id).first()
        if template is None:
            raise ValidationFailed(_("Unknown answer template."), field="template")
    body = (body or "").strip() or (template.body if template else "")
    if not body:
        raise ValidationFailed(_("Write the answer."), field="body")
    status = status or (template.status if template else "") or report.status
    cleaned = _clean_photos(list(photo_files), 5)
    previous = report.status
    if status != report.status or (status == Status.CLOSED and close_reason != report.close_reason):
        with cells.tracking(report):
            previous = _apply_status(report, status, close_reason, timezone.now())
            report.save()
    else:
        Report.objects.filter(pk=report.pk).update(updated_at=timezone.now())
    _attach(report, cleaned, kind=PhotoKind.AFTER, by=by)
    decision_record(
        organisation=report.organisation,
        subject=report,
        by=by,
        kind=DecisionEvent.Kind.ANSWER,
        from_status=previous,
        to_status=report.status,
        body=body,
        author_role=_role_label(by, report),
        is_public=not report.is_private,
    )
    emails.send("update", emails.audience(report, exclude=by), report, headline=_headline(report), body=body)
    return report


@transaction.atomic
def report_assign(*, report: Report, by: Any, agent_id: int | None) -> Report:
    """Give the report to a member of staff (or to nobody). Internal: recorded in the staff-only trail."""
    _require_handler(by, report)
    agent = None
    if agent_id:
        membership = (
            Membership.objects.for_organisation(report.organisation)
            .filter(user_id=agent_id, role__in=list(STAFF_ROLES))
            .select_related("user")
            .first()
        )
        if membership is None:
            raise ValidationFailed(_("This person is not a member of staff."), field="assigned_to")
        agent = membership.user
    if (agent.pk if agent else None) == report.assigned_to_id:
        return report
    report.assigned_to = agent
    report.save(update_fields=["assigned_to", "updated_at"])
    decision_record(
        organisation=report.organisation,
        subject=report,
        by=by,
        kind=DecisionEvent.Kind.STATUS,
        from_status=report.status,
        to_status=report.status,
        body=gettext("Assigned to %(name)s.") % {"name": agent.public_name}
        if agent
        else gettext("Unassigned."),
        author_role=_role_label(by, report),
        is_public=False,
    )
    if agent is not None and (by is None or agent.pk != by.pk):
        emails.send(
            "staff", [agent.email], report, headline=gettext("This report has been assigned to you."), body=""
        )
    return report


@transaction.atomic
def report_reroute(
    *, report: Report, by: Any, category_id: int | None = None, service_id: int | None = None, body: str = ""
) -> Report:
    """Change the category and/or the service in charge (wrong routing). Public trail; the new service is told."""
    _require_handler(by, report)
    organisation = report.organisation
    before = cells.stored_placement(report.pk)
    if category_id and category_id != report.category_id:
        category = (
            Category.objects.for_organisation(organisation)
            .filter(pk=category_id)
            .select_related("service")
            .first()
        )
        if category is None:
            raise ValidationFailed(
                _("Choose a category from the list."), code="unknown_category", field="category"
            )
        report.category = category
        if not service_id:
            report.service = selectors.route_service(category=category, area=report.area)
    if service_id:
        service = Service.objects.for_organisation(organisation).filter(pk=service_id).first()
        if service is None:
            raise ValidationFailed(_("Unknown service."), field="service")
        report.service = service
    report.save()
    cells.report_changed(before=before, after=cells.placement_of(report))
    text = gettext("Transferred to: %(service)s (%(category)s).") % {
        "service": report.service.name if report.service else "—",
        "category": report.category.name,
    }
    if body.strip():
        text = f"{text}\n\n{body.strip()}"
    decision_record(
        organisation=organisation,
        subject=report,
        by=by,
        kind=DecisionEvent.Kind.STATUS,
        from_status=report.status,
        to_status=report.status,
        body=text,
        author_role=_role_label(by, report),
        is_public=not report.is_private,
    )
    emails.send("update", emails.audience(report, exclude=by), report, headline=text, body="")
    if report.service and report.service.email:
        emails.send("new_report", [report.service.email], report)
    return report


@transaction.atomic
def report_merge(*, report: Report, into: Report, by: Any) -> Report:
    """Close ``report`` as a duplicate of ``into``: its reporter and followers now follow ``into`` and
    its count moves there. Both trails record it; everyone concerned is told. Returns ``into``."""
    _require_handler(by, report)
    while into.duplicate_of_id:
        into = into.duplicate_of  # type: ignore[assignment]
    if into.pk == report.pk or into.component_id != report.component_id:
        raise ValidationFailed(_("Choose another report of the same map."), field="into")
    # Merging changes the target too (followers, count, trail): its handlers must be able to do it.
    _require_handler(by, into)
    if report.status == Status.CLOSED and report.duplicate_of_id:
        raise Conflict(_("This report is already merged."))
    audience = emails.audience(report, exclude=by)
    have_users = set(
        ReportFollower.objects.filter(report=into, user__isnull=False).values_list("user_id", flat=True)
    )
    have_emails = set(
        ReportFollower.objects.filter(report=into).exclude(email="").values_list("email", flat=True)
    )
    if into.reporter_id:
        have_users.add(into.reporter_id)
    if into.contact_email:
        have_emails.add(into.contact_email.lower())
    movers: list[tuple[int | None, str]] = [
        (f.user_id, f.email) for f in ReportFollower.objects.filter(report=report)
    ]
    movers.append((report.reporter_id, report.contact_email.lower() if not report.reporter_id else ""))
    for user_id, email in movers:
        if user_id and user_id not in have_users:
            ReportFollower.objects.create(report=into, user_id=user_id)
            have_users.add(user_id)
        elif not user_id and email and email not in have_emails:
            ReportFollower.objects.create(report=into, email=email)
            have_emails.add(email)
    ReportFollower.objects.filter(report=report).delete()
    into.followers_count = ReportFollower.objects.filter(report=into).count()
    into.save(update_fields=["followers_count", "updated_at"])
    with cells.tracking(report):
        previous = _apply_status(report, Status.CLOSED, CloseReason.DUPLICATE, timezone.now())
        report.duplicate_of = into
        report.followers_count = 0
        report.save()
    role = _role_label(by, report)
    text = gettext("Same problem as report %(id)s: follow it there.") % {"id": into.public_id}
    decision_record(
        organisation=report.organisation,
        subject=report,
        by=by,
        kind=DecisionEvent.Kind.STATUS,
        from_status=previous,
        to_status=Status.CLOSED,
        body=text,
        author_role=role,
        is_public=not report.is_private,
    )
    decision_record(
        organisation=report.organisation,
        subject=into,
        by=by,
        kind=DecisionEvent.Kind.STATUS,
        from_status=into.status,
        to_status=into.status,
        body=gettext("Report %(id)s, about the same problem, was merged into this one.")
        % {"id": report.public_id},
        author_role=role,
        is_public=not into.is_private,
    )
    emails.send("update", audience, into, headline=text, body="")
    return into


@transaction.atomic
def report_mark_private(*, report: Report, by: Any, private: bool = True, reason: str = "") -> Report:
    """Hide a report from the public (it holds personal data) or publish it again; the reporter still sees it."""
    _require_handler(by, report)
    if report.is_private == private:
        return report
    with cells.tracking(report):
        report.is_private = private
        report.save(update_fields=["is_private", "updated_at"])
    decision_record(
        organisation=report.organisation,
        subject=report,
        by=by,
        kind=DecisionEvent.Kind.STATUS,
        from_status=report.status,
        to_status=report.status,
        body=(gettext("Made private.") if private else gettext("Made public again."))
        + (f" {reason}" if reason else ""),
        author_role=_role_label(by, report),
        is_public=False,
    )
    return report


@transaction.atomic
def report_delete(*, report: Report, by: Any) -> None:
    """Delete a report for good (spam, a test, unlawful content): moderators and administrators only.

    Its photos, followers and surveys go with it, and it leaves the map's counts. The decision trail keeps
    its events (it is an audit record). Raises PermissionDenied.
    """
    _require_moderator(by, report)
    before = cells.stored_placement(report.pk)
    files = dict(ReportPhoto.objects.filter(report=report).values_list("content_hash", "file"))
    report.delete()
    cells.report_changed(before=before, after=None)
    # Photo files are shared by content hash: remove only those no other report uses.
    used = set(
        ReportPhoto.objects.filter(content_hash__in=list(files)).values_list("content_hash", flat=True)
    )
    for name in [name for digest, name in files.items() if digest not in used]:
        transaction.on_commit(partial(default_storage.delete, name))


@transaction.atomic
def photo_publish(*, photo: ReportPhoto, by: Any, publish: bool = True) -> ReportPhoto:
    """Show a reviewed photo to the public (or hold it back again): moderators, administrators and the
    agents in charge of the report. Blur faces and number plates first with ``photo_blur`` when needed.
    Recorded in the staff-only trail. Raises PermissionDenied."""
    report = photo.report
    if by is not None and not (
        can_handle(by, report) or permissions.role_of(by, report.organisation) in (Role.ADMIN, Role.MODERATOR)
    ):
        raise PermissionDenied(_("Only moderators and the service in charge can publish photos."))
    if photo.is_published == publish:
        return photo
    photo.is_published = publish
    photo.save(update_fields=["is_published", "updated_at"])
    decision_record(
        organisation=report.organisation,
        subject=report,
        by=by,
        kind=DecisionEvent.Kind.STATUS,
        from_status=report.status,
        to_status=report.status,
        body=gettext("Photo published.") if publish else gettext("Photo withdrawn from publication."),
        author_role=_role_label(by, report),
        is_public=False,
    )
    return photo


@transaction.atomic
def photo_blur(
    *, photo: ReportPhoto, by: Any, rectangles: Iterable[tuple[float, float, float, float]]
) -> ReportPhoto:
    """Blur faces or number plates (rectangles as fractions of the image); the unblurred file is deleted
    unless another report uses the very same photo."""
    _require_moderator(by, photo.report)
    boxes = [tuple(float(v) for v in r) for r in rectangles]
    if not boxes or any(len(r) != 4 or not all(0 <= v <= 1 for v in r) for r in boxes):
        raise ValidationFailed(_("Draw at least one area to blur."), field="rectangles")
    old_name, old_hash = photo.file.name, photo.content_hash
    with default_storage.open(old_name, "rb") as handle:
        blurred = photos.blur(handle.read(), boxes)  # type: ignore[arg-type]
    if (
        ReportPhoto.objects.filter(report=photo.report, content_hash=blurred.content_hash)
        .exclude(pk=photo.pk)
        .exists()
    ):
        raise Conflict(_("This photo is already blurred this way."))
    photo.file.name = _store_photo(blurred)
    photo.content_hash, photo.width, photo.height = blurred.content_hash, blurred.width, blurred.height
    photo.is_blurred = True
    photo.save()
    if not ReportPhoto.objects.filter(content_hash=old_hash).exists():
        transaction.on_commit(lambda: default_storage.delete(old_name))
    return photo


# --- Satisfaction ------------------------------------------------------------------------------------


@transaction.atomic
def report_satisfaction_answer(
    *, survey: SatisfactionSurvey, answer: str, rating: int | None = None, comment: str = ""
) -> SatisfactionSurvey:
    """Record "is it really fixed?". A "no" on a fixed report reopens it: the trail says so, the service,
    the assigned agent and the followers are told. The survey's secret token is the credential."""
    if survey.answered_at is not None:
        raise Conflict(_("You have already answered, thank you."))
    if answer not in SatisfactionSurvey.Answer.values:
        raise ValidationFailed(_("Say whether the problem is fixed."), field="answer")
    if rating is not None and not 1 <= int(rating) <= 5:
        raise ValidationFailed(_("Give a mark from 1 to 5."), field="rating")
    survey.answer, survey.rating, survey.comment = answer, rating, (comment or "").strip()[:2000]
    survey.answered_at = timezone.now()
    survey.save()
    report = Report.objects.select_related(
        "category", "service", "organisation", "component__process", "assigned_to"
    ).get(pk=survey.report_id)
    if answer == SatisfactionSurvey.Answer.NO and report.status == Status.FIXED:
        with cells.tracking(report):
            previous = _apply_status(report, Status.RECEIVED, "", timezone.now())
            report.save()
        text = gettext("Reopened: the reporter says the problem is not fixed.")
        if survey.comment:
            text = f"{text}\n\n« {survey.comment} »"
        decision_record(
            organisation=report.organisation,
            subject=report,
            by=None,
            kind=DecisionEvent.Kind.STATUS,
            from_status=previous,
            to_status=Status.RECEIVED,
            body=text,
            is_public=not report.is_private,
        )
        staff = [
            report.service.email if report.service else "",
            report.assigned_to.email if report.assigned_to else "",
        ]
        emails.send("staff", staff, report, headline=text, body="")
        emails.send("update", emails.audience(report), report, headline=_headline(report), body=text)
    return survey


def satisfaction_send_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Send the "is it really fixed?" questionnaires that are due; returns how many were sent.

    Called by the periodic task; each survey is sent once (``sent_at``), only while its report is fixed.
    """
    now = now or timezone.now()
    due = list(
        SatisfactionSurvey.objects.filter(sent_at__isnull=True, due_at__lte=now, report__status=Status.FIXED)
        .select_related("report__organisation", "report__component__process", "report__category")
        .order_by("due_at")[:limit]
    )
    for survey in due:
        with transaction.atomic():
            if not SatisfactionSurvey.objects.filter(pk=survey.pk, sent_at__isnull=True).update(sent_at=now):
                continue
            report = survey.report
            path = report.get_absolute_url() + f"satisfaction/{survey.token}/"
            emails.send("survey", [survey.email], report, survey_url=emails.absolute_url(report, path))
    return len(due)


# --- Answer templates and categories (administration) -------------------------------------------------


@transaction.atomic
def answer_template_save(
    *,
    organisation: Any,
    by: Any,
    title: str,
    body: str,
    service_id: int | None = None,
    status: str = "",
    template: AnswerTemplate | None = None,
) -> AnswerTemplate:
    if by is not None and not permissions.is_staff(by, organisation):
        raise PermissionDenied(_("Only the organisation's staff can do this."))
    if not title.strip() or not body.strip():
        raise ValidationFailed(_("A template needs a title and a text."), field="title")
    if status and status not in Status.values:
        raise ValidationFailed(_("Unknown status."), field="status")
    template = template or AnswerTemplate(organisation=organisation)
    template.service = (
        Service.objects.for_organisation(organisation).filter(pk=service_id).first() if service_id else None
    )
    template.title, template.body, template.status = title.strip(), body.strip(), status
    template.save()
    return template


@transaction.atomic
def category_save(
    *,
    organisation: Any,
    by: Any,
    name: str,
    slug: str = "",
    service_id: int | None = None,
    sla_hours: int = 168,
    keywords: str = "",
    external_email: str = "",
    external_name: str = "",
    description: str = "",
    category: Category | None = None,
) -> Category:
    """Create or change a report category (administrators only)."""
    from django.utils.text import slugify

    if by is not None and not permissions.is_admin(by, organisation):
        raise PermissionDenied(_("Only the organisation's administrators can do this."))
    slug = slugify(slug or name)[:80]
    if not slug or not name.strip():
        raise ValidationFailed(_("A category needs a name."), field="name")
    clash = Category.objects.for_organisation(organisation).filter(slug=slug)
    if category is not None:
        clash = clash.exclude(pk=category.pk)
    if clash.exists():
        raise Conflict(_("The identifier “%(slug)s” is already used.") % {"slug": slug}, field="slug")
    category = category or Category(organisation=organisation)
    category.service = (
        Service.objects.for_organisation(organisation).filter(pk=service_id).first() if service_id else None
    )
    category.name, category.slug, category.sla_hours = name.strip(), slug, max(1, int(sla_hours))
    category.keywords, category.description = keywords, description
    category.external_email, category.external_name = external_email.strip(), external_name.strip()
    category.save()
    return category


@transaction.atomic
def category_route_save(
    *, organisation: Any, by: Any, category_id: int | None, area_id: int | None, service_id: int | None
) -> CategoryRoute:
    """In one district, send a category to another service (administrators only). One rule per category and
    district: saving again changes its service. Raises PermissionDenied, ValidationFailed (category, area,
    service: unknown or of another organisation)."""
    if by is not None and not permissions.is_admin(by, organisation):
        raise PermissionDenied(_("Only the organisation's administrators can do this."))
    category = Category.objects.for_organisation(organisation).filter(pk=category_id or 0).first()
    if category is None:
        raise ValidationFailed(_("Choose a category from the list."), field="category")
    area = Area.objects.for_organisation(organisation).filter(pk=area_id or 0).first()
    if area is None:
        raise ValidationFailed(_("Choose a district from the list."), field="area")
    service = Service.objects.for_organisation(organisation).filter(pk=service_id or 0).first()
    if service is None:
        raise ValidationFailed(_("Choose a service from the list."), field="service")
    route, _created = CategoryRoute.objects.update_or_create(
        category=category, area=area, defaults={"service": service}
    )
    return route


@transaction.atomic
def category_route_delete(*, organisation: Any, by: Any, route_id: int) -> None:
    """Remove a district rule: the category goes to its own service there again. Raises NotFound."""
    if by is not None and not permissions.is_admin(by, organisation):
        raise PermissionDenied(_("Only the organisation's administrators can do this."))
    deleted, _detail = CategoryRoute.objects.for_organisation(organisation).filter(pk=route_id).delete()
    if not deleted:
        raise NotFound(_("This routing rule does not exist."))


@transaction.atomic
def answer_template_delete(*, organisation: Any, by: Any, template_id: int) -> None:
    """Delete a reusable answer (staff). Answers already published keep their text. Raises NotFound."""
    if by is not None and not permissions.is_staff(by, organisation):
        raise PermissionDenied(_("Only the organisation's staff can do this."))
    deleted, _detail = AnswerTemplate.objects.for_organisation(organisation).filter(pk=template_id).delete()
    if not deleted:
        raise NotFound(_("This answer template does not exist."))
