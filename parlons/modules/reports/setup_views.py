"""The module's set-up pages for staff: categories, routing rules, answer templates and Open311 API keys.

Categories, routing rules and API keys are for the organisation's administrators; answer templates for all
staff. Everyone else gets a 404 (the pages' existence is not advertised); every read goes through the
organisation's scope, so another town's objects are 404 as well. Writes go through the services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from parlons.common.errors import DomainError
from parlons.core import permissions
from parlons.core.models import Component
from parlons.modules.reports import selectors, services
from parlons.modules.reports.models import AnswerTemplate, Category, CategoryRoute
from parlons.modules.reports.open311 import selectors as open311_selectors
from parlons.modules.reports.open311 import services as open311_services
from parlons.modules.reports.setup_forms import AnswerTemplateForm, ApiKeyForm, CategoryForm, RouteForm
from parlons.modules.reports.views import _base_context, _component, _int, _url

PAGES = (
    ("setup_categories", "Categories", True),
    ("setup_routes", "Routing rules", True),
    ("setup_templates", "Answer templates", False),
    ("setup_api_keys", "Open311 API keys", True),
)


def _guard(request: HttpRequest, process_slug: str, component_id: int, *, admin: bool) -> Component:
    component = _component(request, process_slug, component_id)
    organisation = component.process.organisation
    allowed = permissions.is_admin if admin else permissions.is_staff
    if not allowed(request.user, organisation):
        raise Http404
    return component


def _login_first(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.path}")
    return None


def _context(request: HttpRequest, component: Component, current: str, **extra: Any) -> dict[str, Any]:
    is_admin = permissions.is_admin(request.user, component.process.organisation)
    labels = {
        "setup_categories": _("Categories"),
        "setup_routes": _("Routing rules"),
        "setup_templates": _("Answer templates"),
        "setup_api_keys": _("Open311 API keys"),
    }
    pages = [
        {"url": _url(name, component), "label": labels[name], "current": name == current}
        for name, _label, admin_only in PAGES
        if is_admin or not admin_only
    ]
    return {**_base_context(request, component), "setup_pages": pages, "page_title": labels[current], **extra}


def _apply_error(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


def categories(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    """Report categories grouped by service: add one, or change one (``?edit=<id>``)."""
    if response := _login_first(request):
        return response
    component = _guard(request, process_slug, component_id, admin=True)
    organisation = component.process.organisation
    editing: Category | None = None
    if edit := _int(request.GET.get("edit") or request.POST.get("edit")):
        editing = Category.objects.for_organisation(organisation).filter(pk=edit).first()
        if editing is None:
            raise Http404
    if request.method == "POST":
        form = CategoryForm(request.POST, organisation=organisation)
        if form.is_valid():
            try:
                services.category_save(
                    organisation=organisation,
                    by=request.user,
                    category=editing,
                    service_id=form.cleaned_data["service"],
                    **{k: form.cleaned_data[k] for k in ("name", "sla_hours", "keywords", "description")},
                    external_name=form.cleaned_data["external_name"],
                    external_email=form.cleaned_data["external_email"],
                )
            except DomainError as exc:
                _apply_error(form, exc)
            else:
                messages.success(request, _("The category is saved."))
                return redirect(_url("setup_categories", component))
    else:
        initial = {}
        if editing is not None:
            initial = {
                "name": editing.name,
                "service": editing.service_id,
                "sla_hours": editing.sla_hours,
                "keywords": editing.keywords,
                "description": editing.description,
                "external_name": editing.external_name,
                "external_email": editing.external_email,
            }
        form = CategoryForm(initial=initial or None, organisation=organisation)
    return render(
        request,
        "reports/setup/categories.html",
        _context(
            request,
            component,
            "setup_categories",
            form=form,
            editing=editing,
            groups=selectors.categories_by_service(organisation=organisation, active_only=False),
        ),
    )


def routes(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    """Routing rules: in this district, this category goes to this service."""
    if response := _login_first(request):
        return response
    component = _guard(request, process_slug, component_id, admin=True)
    organisation = component.process.organisation
    form = RouteForm(organisation=organisation)
    if request.method == "POST":
        try:
            if request.POST.get("delete"):
                services.category_route_delete(
                    organisation=organisation, by=request.user, route_id=_int(request.POST["delete"]) or 0
                )
                messages.success(request, _("The routing rule is removed."))
                return redirect(_url("setup_routes", component))
            form = RouteForm(request.POST, organisation=organisation)
            if form.is_valid():
                services.category_route_save(
                    organisation=organisation,
                    by=request.user,
                    category_id=form.cleaned_data["category"],
                    area_id=form.cleaned_data["area"],
                    service_id=form.cleaned_data["service"],
                )
                messages.success(request, _("The routing rule is saved."))
                return redirect(_url("setup_routes", component))
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            _apply_error(form, exc)
    rules = (
        CategoryRoute.objects.for_organisation(organisation)
        .select_related("category", "area", "service")
        .order_by("category__name", "area__name")
    )
    return render(
        request,
        "reports/setup/routes.html",
        _context(request, component, "setup_routes", form=form, rules=rules),
    )


def templates(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    """Reusable answers of each service: add, change (``?edit=<id>``), delete."""
    if response := _login_first(request):
        return response
    component = _guard(request, process_slug, component_id, admin=False)
    organisation = component.process.organisation
    editing: AnswerTemplate | None = None
    if edit := _int(request.GET.get("edit") or request.POST.get("edit")):
        editing = AnswerTemplate.objects.for_organisation(organisation).filter(pk=edit).first()
        if editing is None:
            raise Http404
    initial = None
    if editing is not None:
        initial = {
            "title": editing.title,
            "body": editing.body,
            "service": editing.service_id,
            "status": editing.status,
        }
    form = AnswerTemplateForm(initial=initial, organisation=organisation)
    if request.method == "POST":
        try:
            if request.POST.get("delete"):
                services.answer_template_delete(
                    organisation=organisation, by=request.user, template_id=_int(request.POST["delete"]) or 0
                )
                messages.success(request, _("The answer template is deleted."))
                return redirect(_url("setup_templates", component))
            form = AnswerTemplateForm(request.POST, organisation=organisation)
            if form.is_valid():
                services.answer_template_save(
                    organisation=organisation,
                    by=request.user,
                    template=editing,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    service_id=form.cleaned_data["service"],
                    status=form.cleaned_data["status"],
                )
                messages.success(request, _("The answer template is saved."))
                return redirect(_url("setup_templates", component))
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            _apply_error(form, exc)
    items = AnswerTemplate.objects.for_organisation(organisation).select_related("service").order_by("title")
    return render(
        request,
        "reports/setup/templates.html",
        _context(request, component, "setup_templates", form=form, editing=editing, items=items),
    )


@never_cache
def api_keys(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    """Open311 API keys: create (the clear key is shown once, on this response only), list, revoke."""
    if response := _login_first(request):
        return response
    component = _guard(request, process_slug, component_id, admin=True)
    organisation = component.process.organisation
    form = ApiKeyForm()
    new_key = ""
    if request.method == "POST":
        try:
            if request.POST.get("revoke"):
                open311_services.open311_api_key_revoke(
                    organisation=organisation, by=request.user, key_id=_int(request.POST["revoke"]) or 0
                )
                messages.success(request, _("The key is revoked: requests signed with it are refused."))
                return redirect(_url("setup_api_keys", component))
            form = ApiKeyForm(request.POST)
            if form.is_valid():
                _key, new_key = open311_services.open311_api_key_create(
                    organisation=organisation,
                    by=request.user,
                    name=form.cleaned_data["name"],
                    component=component,
                )
                form = ApiKeyForm()
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            _apply_error(form, exc)
    keys = open311_selectors.open311_api_key_list(organisation=organisation).select_related("component")
    return render(
        request,
        "reports/setup/api_keys.html",
        _context(request, component, "setup_api_keys", form=form, keys=keys, new_key=new_key),
    )
