"""Pages of the reports module: map and list, report form, report page, satisfaction form, work queue.

Every page works without JavaScript; ``static/reports/*.js`` adds the map, the device position, the
address search, the category suggestion and the live duplicate check.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parlons.common.errors import DomainError, NotFound
from parlons.core import permissions
from parlons.core.models import Area, Component, Service
from parlons.core.routing import component_or_404, component_reverse
from parlons.geo.geocoding import get_geocoder
from parlons.geo.geometry import BBox, InvalidGeometry
from parlons.modules.reports import selectors, services
from parlons.modules.reports.forms import (
    ManageStatusForm,
    ReportForm,
    SatisfactionForm,
    filters_from_query,
    query_string,
)
from parlons.modules.reports.models import (
    OPEN_STATUSES,
    CloseReason,
    Report,
    ReportPhoto,
    SatisfactionSurvey,
    Status,
)
from parlons.modules.reports.settings import settings_of

LIST_PAGE_SIZE = 20
QUEUE_PAGE_SIZE = 50
NEAR_ME_RADIUS_M = 600
SETUP_PAGES = ("setup_categories", "setup_routes", "setup_templates", "setup_api_keys")


def _component(request: HttpRequest, process_slug: str, component_id: int) -> Component:
    return component_or_404(
        request, process_slug=process_slug, component_id=component_id, module_key="reports"
    )


def _url(name: str, component: Component, **kwargs: Any) -> str:
    return component_reverse(component, name, **kwargs)


def _base_context(request: HttpRequest, component: Component) -> dict[str, Any]:
    organisation = component.process.organisation
    conf = settings_of(component)
    return {
        "component": component,
        "process": component.process,
        "conf": conf,
        "is_staff": permissions.is_staff(request.user, organisation),
        "index_url": _url("index", component),
        "new_url": _url("new", component),
        "queue_url": _url("queue", component),
        "map_url": _url("map_geojson", component),
        "can_create": permissions.can_perform(request.user, component, "create"),
    }


# --- Map and list ------------------------------------------------------------------------------------


def _near_me_bbox(request: HttpRequest, component: Component) -> BBox | None:
    """``near=lon,lat`` (the device's position), or ``near=home`` (the address in the person's profile)."""
    near = request.GET.get("near", "")
    if near == "home":
        membership = permissions.membership_of(request.user, component.process.organisation)
        if membership and membership.home_point:
            return BBox.around(membership.home_point.x, membership.home_point.y, NEAR_ME_RADIUS_M)
        return None
    try:
        lon, lat = (float(v) for v in near.split(","))
        return BBox.around(lon, lat, NEAR_ME_RADIUS_M)
    except ValueError:
        return None


def index(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    """The public map with the same results as a paginated list beside it (the list is the accessible view)."""
    component = _component(request, process_slug, component_id)
    organisation = component.process.organisation
    filters = filters_from_query(request.GET)
    near_bbox = _near_me_bbox(request, component)
    if near_bbox:
        filters.bbox = near_bbox
    qs = selectors.report_list_page(
        selectors.report_list(component=component, user=request.user, filters=filters)
    )
    page = Paginator(qs, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    params = {k: request.GET.getlist(k) for k in ("category", "status", "area", "from", "to", "bbox", "near")}
    context = {
        **_base_context(request, component),
        "page": page,
        "reports": list(page.object_list),
        "filters": filters,
        "categories": selectors.categories_by_service(organisation=organisation),
        "areas": list(Area.objects.for_organisation(organisation).only("pk", "name")),
        "statuses": Status.choices,
        "query": query_string(params),
        "page_query": query_string({k: v for k, v in params.items()}),
        "has_home": bool(
            (m := permissions.membership_of(request.user, organisation)) and m.home_point is not None
        ),
        "centre": _centre(component),
    }
    template = "reports/_list.html" if request.headers.get("HX-Request") else "reports/index.html"
    return render(request, template, context)


def _centre(component: Component) -> tuple[float, float]:
    organisation = component.process.organisation
    if organisation.centre:
        return organisation.centre.x, organisation.centre.y
    extent = (
        Area.objects.for_organisation(organisation)
        .filter(geometry__isnull=False)
        .values_list("geometry", flat=True)
    )
    first = extent.first()
    if first is not None:
        centroid = first.centroid
        return centroid.x, centroid.y
    from parlons.modules.reports.seed import DEFAULT_CENTRE

    return DEFAULT_CENTRE


@require_GET
def map_geojson(request: HttpRequest, process_slug: str, component_id: int) -> JsonResponse:
    """``?bbox=west,south,east,north&zoom=14`` plus the list's filters: GeoJSON points and clusters."""
    component = _component(request, process_slug, component_id)
    try:
        BBox.parse(request.GET.get("bbox", ""))
    except InvalidGeometry as exc:
        return JsonResponse({"code": "invalid_bbox", "message": str(exc)}, status=400)
    try:
        zoom = int(request.GET.get("zoom", "14"))
    except ValueError:
        return JsonResponse({"code": "invalid_zoom", "message": "zoom must be an integer"}, status=400)
    data = selectors.map_geojson(
        component=component, user=request.user, filters=filters_from_query(request.GET), zoom=zoom
    )
    response = JsonResponse(data)
    response["Content-Type"] = "application/geo+json"
    return response


# --- Reporting ---------------------------------------------------------------------------------------


def _form_error(form: Any, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    if exc.field in ("location", "photos"):
        form.location_errors = getattr(form, "location_errors", [])
        if exc.field == "photos":
            form.photo_errors = [str(exc)]
            return
        form.location_errors.append(str(exc))
        return
    form.add_error(field, str(exc))


def report_new(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    organisation = component.process.organisation
    conf = settings_of(component)
    decision = permissions.can_perform(request.user, component, "create")
    if not decision:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        messages.error(request, str(decision.reason))
        return redirect(_url("index", component))
    categories = selectors.categories_by_service(organisation=organisation)
    form = ReportForm(
        request.POST or None,
        categories=categories,
        max_photos=conf.max_photos,
        initial={"idempotency_key": uuid.uuid4().hex},
    )
    duplicates: list[tuple[Report, float]] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        photo_files = request.FILES.getlist("photos")
        already = selectors.report_by_idempotency_key(component=component, key=data["idempotency_key"])
        if already is not None:  # a double tap: the first submission went through
            return HttpResponseRedirect(already.get_absolute_url())
        if data["lon"] is not None and data["lat"] is not None:
            duplicates = selectors.nearby_open_reports(
                component=component,
                category_id=data["category"],
                lon=data["lon"],
                lat=data["lat"],
                radius_m=conf.duplicate_radius_m,
            )
        seen = set(request.POST.getlist("duplicates_seen"))
        if any(r.public_id not in seen for r, _d in duplicates):
            form.duplicates_pending = True
            messages.info(
                request,
                _(
                    "Similar problems were already reported nearby. Follow one of them, or send yours if it is different."
                ),
            )
        else:
            try:
                report = services.report_submit(
                    component=component,
                    by=request.user,
                    category_id=data["category"],
                    description=data["description"],
                    lon=data["lon"],
                    lat=data["lat"],
                    address=data["address"],
                    photo_files=photo_files,
                    anonymous=data["anonymous"],
                    contact_email=data["contact_email"],
                    contact_name=data["contact_name"],
                    idempotency_key=data["idempotency_key"],
                )
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("Thank you! Your report has been sent to the service in charge."))
                return HttpResponseRedirect(report.get_absolute_url())
    return render(
        request,
        "reports/new.html",
        {
            **_base_context(request, component),
            "form": form,
            "duplicates": duplicates,
            "nearby_url": _url("nearby", component),
            "geocode_url": _url("geocode", component),
            # The category suggestion, learnt by insights from the organisation's categorised reports.
            "suggest_url": reverse("insights_suggest", kwargs={"component_id": component.pk}),
            "centre": _centre(component),
            "photo_errors": getattr(form, "photo_errors", []),
            "location_errors": getattr(form, "location_errors", []),
        },
        status=422 if request.method == "POST" else 200,
    )


@require_GET
def nearby(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    """The duplicate check, as a fragment of the report form (loaded when position or category change)."""
    component = _component(request, process_slug, component_id)
    try:
        lon, lat = float(request.GET["lon"]), float(request.GET["lat"])
        category_id = int(request.GET.get("category") or 0) or None
    except (KeyError, ValueError):
        return render(request, "reports/_nearby.html", {"duplicates": []})
    duplicates = selectors.nearby_open_reports(
        component=component,
        category_id=category_id,
        lon=lon,
        lat=lat,
        radius_m=settings_of(component).duplicate_radius_m,
    )
    return render(request, "reports/_nearby.html", {"duplicates": duplicates, "component": component})


@require_GET
def geocode(request: HttpRequest, process_slug: str, component_id: int) -> JsonResponse:
    component = _component(request, process_slug, component_id)
    query = request.GET.get("q", "")[:200]
    places = get_geocoder().search(query, near=_centre(component), limit=5) if query.strip() else []
    return JsonResponse({"results": [{"label": p.label, "lon": p.lon, "lat": p.lat} for p in places]})


# --- Report page -------------------------------------------------------------------------------------


def _report(request: HttpRequest, component: Component, public_id: str) -> Report:
    try:
        return selectors.access_report(component=component, user=request.user, public_id=public_id)
    except NotFound as exc:
        raise Http404 from exc


def detail(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    component = _component(request, process_slug, component_id)
    report = _report(request, component, public_id)
    organisation = component.process.organisation
    handler = services.can_handle(request.user, report)
    photos = selectors.visible_photos(report=report, user=request.user)
    survey = None
    if (
        request.user.is_authenticated
        and report.reporter_id == request.user.pk
        and report.status == Status.FIXED
    ):
        survey = SatisfactionSurvey.objects.filter(report=report, answered_at__isnull=True).first()
    context = {
        **_base_context(request, component),
        "report": report,
        "before": [p for p in photos if p.kind == "before"],
        "after": [p for p in photos if p.kind == "after"],
        "is_following": selectors.is_following(report=report, user=request.user),
        "can_follow": permissions.can_perform(request.user, component, "follow", report)
        and report.status in OPEN_STATUSES
        and not report.is_private,
        "is_reporter": request.user.is_authenticated and report.reporter_id == request.user.pk,
        "survey": survey,
        "survey_form": SatisfactionForm() if survey else None,
        "handler": handler,
        "is_moderator": permissions.role_of(request.user, organisation) in ("admin", "moderator"),
    }
    if handler:
        context.update(
            status_form=ManageStatusForm(initial={"status": report.status}),
            templates=list(selectors.answer_templates(organisation=organisation, service=report.service)),
            agents=selectors.agent_choices(organisation=organisation, service=report.service),
            services=list(Service.objects.for_organisation(organisation)),
            category_groups=selectors.categories_by_service(organisation=organisation),
            statuses=Status.choices,
            close_reasons=CloseReason.choices,
            reporter_contact=report.reporter_email(),
        )
    return render(request, "reports/detail.html", context)


@require_POST
def follow(request: HttpRequest, process_slug: str, component_id: int, public_id: str) -> HttpResponse:
    """ "Me too". Also the target of the buttons of the duplicate check inside the report form."""
    component = _component(request, process_slug, component_id)
    report = _report(request, component, public_id)
    try:
        if request.POST.get("unfollow"):
            services.report_unfollow(report=report, by=request.user)
            messages.success(request, _("You no longer follow this report."))
        else:
            email = request.POST.get("email") or request.POST.get("contact_email", "")
            created = services.report_follow(report=report, by=request.user, email=email)
            if not request.user.is_authenticated:
                messages.success(
                    request,
                    _("Thank you: follow the link we sent to %(email)s to confirm your “me too”.")
                    % {"email": email.strip()},
                )
            else:
                messages.success(
                    request,
                    _("Thank you: your “me too” is counted and you will be told what happens.")
                    if created
                    else _("You already follow this report."),
                )
    except DomainError as exc:
        messages.error(request, str(exc))
    return HttpResponseRedirect(report.get_absolute_url())


@require_GET
def follow_confirm(
    request: HttpRequest, process_slug: str, component_id: int, public_id: str, token: str
) -> HttpResponse:
    """The link of the "me too" confirmation e-mail: only then does the address follow the report."""
    component = _component(request, process_slug, component_id)
    report = _report(request, component, public_id)
    try:
        services.report_follow_confirm(report=report, token=token)
        messages.success(request, _("Thank you: your “me too” is counted and you will be told what happens."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return HttpResponseRedirect(report.get_absolute_url())


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@require_POST
def manage(
    request: HttpRequest, process_slug: str, component_id: int, public_id: str, action: str
) -> HttpResponse:
    """The staff's actions on one report; each calls one service and comes back to the report page."""
    component = _component(request, process_slug, component_id)
    report = _report(request, component, public_id)
    if not services.can_handle(request.user, report):
        raise Http404
    post, by = request.POST, request.user
    try:
        if action == "acknowledge":
            services.report_acknowledge(report=report, by=by, body=post.get("body", ""))
        elif action == "status":
            services.report_set_status(
                report=report,
                by=by,
                status=post.get("status", ""),
                close_reason=post.get("close_reason", ""),
                body=post.get("body", ""),
            )
        elif action == "answer":
            services.report_answer(
                report=report,
                by=by,
                body=post.get("body", ""),
                template_id=_int(post.get("template")),
                status=post.get("status", ""),
                close_reason=post.get("close_reason", ""),
                photo_files=request.FILES.getlist("photos"),
            )
        elif action == "assign":
            services.report_assign(report=report, by=by, agent_id=_int(post.get("agent")))
        elif action == "reroute":
            services.report_reroute(
                report=report,
                by=by,
                category_id=_int(post.get("category")),
                service_id=_int(post.get("service")),
                body=post.get("body", ""),
            )
        elif action == "merge":
            target = Report.objects.filter(
                component=component, public_id=post.get("into", "").strip()
            ).first()
            if target is None:
                messages.error(request, _("No report with this number on this map."))
                return HttpResponseRedirect(report.get_absolute_url())
            services.report_merge(report=report, into=target, by=by)
        elif action == "private":
            services.report_mark_private(
                report=report, by=by, private=post.get("private") == "1", reason=post.get("reason", "")
            )
        elif action in ("publish_photo", "withdraw_photo"):
            photo = ReportPhoto.objects.filter(report=report, pk=_int(post.get("photo")) or 0).first()
            if photo is None:
                raise Http404
            services.photo_publish(photo=photo, by=by, publish=action == "publish_photo")
        elif action == "blur":
            photo = ReportPhoto.objects.filter(report=report, pk=_int(post.get("photo")) or 0).first()
            if photo is None:
                raise Http404
            rect = [float(post.get(k, "0") or 0) / 100 for k in ("x", "y", "w", "h")]
            services.photo_blur(photo=photo, by=by, rectangles=[tuple(rect)])  # type: ignore[list-item]
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, str(exc))
    except ValueError:
        messages.error(request, _("Check the values entered."))
    else:
        messages.success(request, _("Saved."))
    return HttpResponseRedirect(report.get_absolute_url())


def satisfaction(
    request: HttpRequest, process_slug: str, component_id: int, public_id: str, token: str
) -> HttpResponse:
    """ "Is it really fixed?": the link in the e-mail carries the survey's secret token."""
    component = _component(request, process_slug, component_id)
    report = (
        Report.objects.filter(component=component, public_id=public_id).select_related("category").first()
    )
    if report is None:
        raise Http404
    try:
        survey = selectors.survey_by_token(report=report, token=token)
    except NotFound as exc:
        raise Http404 from exc
    form = SatisfactionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_satisfaction_answer(
                survey=survey,
                answer=form.cleaned_data["answer"],
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("Thank you for your answer."))
            report.component = component
            return HttpResponseRedirect(report.get_absolute_url())
    return render(
        request,
        "reports/satisfaction.html",
        {**_base_context(request, component), "report": report, "survey": survey, "form": form},
        status=422 if request.method == "POST" else 200,
    )


# --- Work queue --------------------------------------------------------------------------------------


def _require_staff(request: HttpRequest, component: Component) -> None:
    if not permissions.is_staff(request.user, component.process.organisation):
        raise Http404


def queue(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    """The service's work queue: oldest open reports first, filters, bulk actions. Query count is constant."""
    component = _component(request, process_slug, component_id)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.path}")
    _require_staff(request, component)
    organisation = component.process.organisation
    query = request.GET.copy()
    if "status" not in query and not query.get("all"):
        query.setlist("status", list(OPEN_STATUSES))
    filters = filters_from_query(query, staff=True)
    qs = selectors.report_queue(component=component, user=request.user, filters=filters)
    page = Paginator(qs, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    params = {
        k: query.getlist(k)
        for k in ("status", "category", "area", "service", "assigned", "overdue", "older_than")
    }
    from django.utils import timezone

    return render(
        request,
        "reports/queue.html",
        {
            **_base_context(request, component),
            "page": page,
            "reports": list(page.object_list),
            "filters": filters,
            "categories": selectors.categories_by_service(organisation=organisation),
            "areas": list(Area.objects.for_organisation(organisation).only("pk", "name")),
            "services": list(Service.objects.for_organisation(organisation)),
            "agents": selectors.agent_choices(organisation=organisation),
            "statuses": Status.choices,
            "page_query": query_string(params),
            "now": timezone.now(),
            "bulk_url": _url("queue_bulk", component),
            "is_admin": permissions.is_admin(request.user, organisation),
            **{f"{name}_url": _url(name, component) for name in SETUP_PAGES},
        },
    )


@require_POST
def queue_bulk(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    """Apply one action to the ticked reports; each goes through its service (and its trail)."""
    component = _component(request, process_slug, component_id)
    _require_staff(request, component)
    ids = request.POST.getlist("reports")
    action = request.POST.get("action", "")
    reports = list(
        selectors.report_queue(component=component, user=request.user, filters=None)
        .filter(public_id__in=ids)
        .select_related("organisation", "component__process")
    )
    done, failed = 0, 0
    for report in reports:
        try:
            if action == "acknowledge":
                services.report_acknowledge(report=report, by=request.user)
            elif action in ("in_progress", "fixed"):
                services.report_set_status(report=report, by=request.user, status=action)
            elif action == "assign_me":
                services.report_assign(report=report, by=request.user, agent_id=request.user.pk)
            elif action == "assign":
                services.report_assign(
                    report=report, by=request.user, agent_id=_int(request.POST.get("agent"))
                )
            elif action == "private":
                services.report_mark_private(report=report, by=request.user, private=True)
            else:
                messages.error(request, _("Choose an action."))
                break
            done += 1
        except DomainError:
            failed += 1
    if done:
        messages.success(request, _("%(count)d reports updated.") % {"count": done})
    if failed:
        messages.warning(
            request, _("%(count)d reports could not be changed (already in that state).") % {"count": failed}
        )
    if not reports:
        messages.error(request, _("Tick at least one report."))
    return redirect(
        _url("queue", component) + ("?" + request.POST.get("back", "") if request.POST.get("back") else "")
    )


@require_GET
def photo(request: HttpRequest, public_id: str, content_hash: str) -> FileResponse:
    """A report's photo, checked like the report: held photos and private reports' photos only for the
    reporter and the staff. The content hash in the address lets public ones be cached for good."""
    try:
        found, public = selectors.access_photo(
            organisation=request.organisation,  # type: ignore[attr-defined]
            user=request.user,
            public_id=public_id,
            content_hash=content_hash,
        )
    except NotFound as exc:
        raise Http404 from exc
    try:
        response = FileResponse(found.file.open("rb"), content_type="image/jpeg")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response["Cache-Control"] = "public, max-age=31536000, immutable" if public else "private, no-store"
    if not public:
        response["Vary"] = "Cookie"
    return response
