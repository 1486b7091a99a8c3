"""Back-office pages of the budgets module: the budgets of a component, their configuration before the vote,
importing a Pabulib file as a budget, and importing accepted proposals of another component as projects.

Staff (agents, moderators) see the list; configuring and importing are for the organisation's administrators.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parlons.common.errors import DomainError, NotFound
from parlons.core import permissions
from parlons.core.models import Component
from parlons.core.selectors import area_list
from parlons.modules.budgets import selectors, services
from parlons.modules.budgets.forms import BudgetForm, ImportPbForm
from parlons.modules.budgets.models import Budget
from parlons.modules.budgets.views import _attach_error, _component, _ctx, _url

MAX_PB_BYTES = 20 * 1024 * 1024


def _staff_component(request: HttpRequest, process_slug: str, component_id: int, *, admin: bool) -> Component:
    component = _component(request, process_slug, component_id)
    organisation = component.process.organisation
    allowed = permissions.is_admin if admin else permissions.is_staff
    if not allowed(request.user, organisation):
        raise Http404
    return component


def _draft_budget(component: Component, budget_id: int) -> Budget:
    try:
        return selectors.access_budget(component=component, budget_id=budget_id)
    except NotFound as exc:
        raise Http404 from exc


def manage(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    """The budgets of the component with their status and what can be done with each."""
    component = _staff_component(request, process_slug, component_id, admin=False)
    budgets = list(selectors.budget_list(component=component).select_related("area"))
    return render(
        request,
        "budgets/manage.html",
        _ctx(
            component,
            budgets=budgets,
            admin=permissions.is_admin(request.user, component.process.organisation),
        ),
    )


def budget_form(
    request: HttpRequest, process_slug: str, component_id: int, budget_id: int | None = None
) -> HttpResponse:
    """Create a budget, or configure one still in preparation (amount, ballot, district, rule, tie rule)."""
    component = _staff_component(request, process_slug, component_id, admin=True)
    budget = _draft_budget(component, budget_id) if budget_id else None
    areas = area_list(organisation=component.process.organisation)
    form = BudgetForm(request.POST or None, instance=budget, areas=areas)
    locked = budget is not None and budget.status != Budget.Status.DRAFT
    if locked:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and not locked and form.is_valid():
        config = {name: form.cleaned_data[name] for name in services.CONFIG_FIELDS}
        try:
            if budget is None:
                budget = services.budget_create(component=component, by=request.user, **config)
                messages.success(request, _("Budget created."))
            else:
                services.budget_configure(budget=budget, by=request.user, **config)
                messages.success(request, _("Budget saved."))
        except DomainError as exc:
            _attach_error(form, exc)
        else:
            return redirect(_url(component, "manage"))
    return render(
        request, "budgets/manage_budget.html", _ctx(component, budget=budget, form=form, locked=locked)
    )


def import_pb(request: HttpRequest, process_slug: str, component_id: int) -> HttpResponse:
    """Upload a Pabulib file as a new budget (its projects and ballots); errors give the line and reason."""
    component = _staff_component(request, process_slug, component_id, admin=True)
    form = ImportPbForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        text = None
        if upload.size > MAX_PB_BYTES:
            form.add_error("file", _("The file is larger than 20 MB."))
        else:
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                form.add_error("file", _("The file is not UTF-8 text."))
        if text is not None:
            try:
                budget = services.budget_import_pb(
                    component=component, by=request.user, text=text, title=form.cleaned_data["title"]
                )
            except DomainError as exc:
                _attach_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Budget “%(title)s” imported: close the vote to compute its result.")
                    % {"title": budget},
                )
                return redirect(_url(component, "manage"))
    return render(request, "budgets/manage_import_pb.html", _ctx(component, form=form))


def import_items(request: HttpRequest, process_slug: str, component_id: int, budget_id: int) -> HttpResponse:
    """List the components of the organisation offering items (accepted proposals) and import the chosen ones
    into a budget in preparation."""
    component = _staff_component(request, process_slug, component_id, admin=True)
    budget = _draft_budget(component, budget_id)
    sources = services.importable_components(component=component)
    imported = set(budget.projects.exclude(source_ref="").values_list("source_ref", flat=True))
    error = ""
    if request.method == "POST":
        source = next((c for c, _items in sources if str(c.pk) == request.POST.get("source")), None)
        if source is None:
            error = _("Unknown component.")
        else:
            try:
                created, skipped = services.project_import_items(
                    budget=budget, by=request.user, source=source, refs=request.POST.getlist("items")
                )
            except DomainError as exc:
                error = str(exc)
            else:
                message = ngettext(
                    "%(count)d project imported; it awaits its feasibility review.",
                    "%(count)d projects imported; they await their feasibility review.",
                    len(created),
                ) % {"count": len(created)}
                if skipped:
                    message += " " + ngettext(
                        "%(count)d was already imported.", "%(count)d were already imported.", skipped
                    ) % {"count": skipped}
                messages.success(request, message)
                return redirect(_url(component, "import_items", budget_id=budget.pk))
    groups: list[dict[str, Any]] = [
        {"component": c, "items": [{"item": i, "done": i.ref in imported} for i in items]}
        for c, items in sources
    ]
    return render(
        request,
        "budgets/manage_import_items.html",
        _ctx(component, budget=budget, groups=groups, error=error),
    )
