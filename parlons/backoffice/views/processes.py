"""Processes, their phases and their components."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parlons.backoffice import forms, selectors
from parlons.backoffice.access import admin_required, staff_required
from parlons.common.errors import DomainError
from parlons.core import permissions, registry, services
from parlons.core.models import Process


def _process(request: HttpRequest, process_id: int) -> Process:
    return selectors.process_get(organisation=request.organisation, process_id=process_id)  # type: ignore[attr-defined]


def _back_to(process: Process, anchor: str = "") -> HttpResponse:
    url = reverse("backoffice:process_detail", kwargs={"process_id": process.pk})
    return redirect(f"{url}#{anchor}" if anchor else url)


@staff_required
def process_list(request: HttpRequest) -> HttpResponse:
    processes = list(selectors.process_list(organisation=request.organisation))  # type: ignore[attr-defined]
    return render(request, "backoffice/process_list.html", {"processes": processes, "section": "processes"})


@admin_required
def process_create(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    form = forms.ProcessForm(request.POST or None, request.FILES or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            process = services.process_create(
                organisation=organisation, by=request.user, **form.service_kwargs()
            )
        except DomainError as err:
            forms.show_domain_error(form, err)
        else:
            messages.success(request, _("The process was created as a draft."))
            return _back_to(process)
    return render(
        request, "backoffice/process_form.html", {"form": form, "process": None, "section": "processes"}
    )


@staff_required
def process_detail(request: HttpRequest, process_id: int) -> HttpResponse:
    process = _process(request, process_id)
    phases = list(process.phases.all())
    components = []
    for component in process.components.all():
        component.process = process
        components.append({"component": component, "manifest": registry.get(component.module_key)})
    return render(
        request,
        "backoffice/process_detail.html",
        {
            "process": process,
            "phases": phases,
            "components": components,
            "add_component_form": forms.ComponentAddForm(),
            "can_edit": permissions.is_admin(request.user, request.organisation),  # type: ignore[attr-defined]
            "section": "processes",
        },
    )


@admin_required
def process_edit(request: HttpRequest, process_id: int) -> HttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    process = _process(request, process_id)
    initial = {
        "title": process.title,
        "subtitle": process.subtitle,
        "description": process.description,
        "image_alt": process.image_alt,
        "area": process.area,
        "topics": list(process.topics.all()),
        "start_date": process.start_date,
        "end_date": process.end_date,
    }
    form = forms.ProcessForm(
        request.POST or None,
        request.FILES or None,
        organisation=organisation,
        process=process,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.process_update(process=process, by=request.user, **form.service_kwargs())
        except DomainError as err:
            forms.show_domain_error(form, err)
            process.refresh_from_db()  # the service may have set fields before refusing
        else:
            messages.success(request, _("The process was saved."))
            return _back_to(process)
    return render(
        request, "backoffice/process_form.html", {"form": form, "process": process, "section": "processes"}
    )


@admin_required
def process_visibility(request: HttpRequest, process_id: int) -> HttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    process = _process(request, process_id)
    initial = {
        "visibility": process.visibility,
        "pilot_service": process.pilot_service,
        "pilot_users": "\n".join(u.email for u in process.pilot_users.all()),
    }
    form = forms.VisibilityForm(request.POST or None, organisation=organisation, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.process_set_visibility(
                process=process,
                by=request.user,
                visibility=data["visibility"],
                pilot_service_id=data["pilot_service"].pk if data["pilot_service"] else None,
                pilot_user_emails=data["pilot_users"],
            )
        except DomainError as err:
            forms.show_domain_error(form, err)
            process.refresh_from_db()
        else:
            messages.success(request, _("The visibility was changed."))
            return _back_to(process)
    return render(
        request,
        "backoffice/process_visibility.html",
        {"form": form, "process": process, "section": "processes"},
    )


# --- Phases ---------------------------------------------------------------------------------------


@admin_required
def phase_create(request: HttpRequest, process_id: int) -> HttpResponse:
    process = _process(request, process_id)
    form = forms.PhaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.phase_create(process=process, by=request.user, **form.cleaned_data)
        except DomainError as err:
            forms.show_domain_error(form, err)
        else:
            messages.success(request, _("The phase was added."))
            return _back_to(process, "phases")
    return render(
        request,
        "backoffice/phase_form.html",
        {"form": form, "process": process, "phase": None, "section": "processes"},
    )


@admin_required
def phase_edit(request: HttpRequest, process_id: int, phase_id: int) -> HttpResponse:
    process = _process(request, process_id)
    phase = selectors.phase_get(process=process, phase_id=phase_id)
    initial = {f: getattr(phase, f) for f in ("title", "description", "start_date", "end_date")}
    form = forms.PhaseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.phase_update(phase=phase, by=request.user, **form.cleaned_data)
        except DomainError as err:
            forms.show_domain_error(form, err)
        else:
            messages.success(request, _("The phase was saved."))
            return _back_to(process, "phases")
    return render(
        request,
        "backoffice/phase_form.html",
        {"form": form, "process": process, "phase": phase, "section": "processes"},
    )


@admin_required
def phase_delete(request: HttpRequest, process_id: int, phase_id: int) -> HttpResponse:
    process = _process(request, process_id)
    phase = selectors.phase_get(process=process, phase_id=phase_id)
    return _confirm_delete(
        request,
        process=process,
        obj=phase,
        anchor="phases",
        delete=lambda: services.phase_delete(phase=phase, by=request.user),
        done=_("The phase was deleted."),
        warning=_("Actions open only in this phase will be closed."),
    )


@require_POST
@admin_required
def phase_move(request: HttpRequest, process_id: int, phase_id: int) -> HttpResponse:
    process = _process(request, process_id)
    phase = selectors.phase_get(process=process, phase_id=phase_id)
    services.phase_move(
        phase=phase, by=request.user, direction=-1 if request.POST.get("direction") == "up" else 1
    )
    return _back_to(process, "phases")


@require_POST
@admin_required
def phase_set_current(request: HttpRequest, process_id: int, phase_id: int) -> HttpResponse:
    process = _process(request, process_id)
    phase = selectors.phase_get(process=process, phase_id=phase_id)
    services.phase_set_current(phase=phase, by=request.user)
    messages.success(request, _("“%(title)s” is now the current phase.") % {"title": phase.title})
    return _back_to(process, "phases")


def _confirm_delete(
    request: HttpRequest,
    *,
    process: Process,
    obj: Any,
    anchor: str,
    delete: Any,
    done: str,
    warning: str = "",
) -> HttpResponse:
    """A confirmation page (no script needed), then the deletion on POST; a refusal is shown on the page."""
    error = ""
    if request.method == "POST":
        try:
            delete()
        except DomainError as err:
            error = str(err)
        else:
            messages.success(request, done)
            return _back_to(process, anchor)
    return render(
        request,
        "backoffice/confirm_delete.html",
        {
            "object": obj,
            "warning": warning,
            "error": error,
            "process": process,
            "section": "processes",
            "cancel_url": reverse("backoffice:process_detail", kwargs={"process_id": process.pk}),
        },
        status=409 if error else 200,
    )


# --- Components -----------------------------------------------------------------------------------


@admin_required
def component_create(request: HttpRequest, process_id: int) -> HttpResponse:
    process = _process(request, process_id)
    form = forms.ComponentAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            component = services.component_add(
                process=process,
                by=request.user,
                module_key=form.cleaned_data["module_key"],
                name=form.cleaned_data["name"].strip(),
            )
        except DomainError as err:
            forms.show_domain_error(form, err)
        else:
            messages.success(
                request, _("The component was added, unpublished: configure it, then publish it.")
            )
            return redirect("backoffice:component_edit", process_id=process.pk, component_id=component.pk)
    return render(
        request, "backoffice/component_add.html", {"form": form, "process": process, "section": "processes"}
    )


@admin_required
def component_edit(request: HttpRequest, process_id: int, component_id: int) -> HttpResponse:
    """Name, module settings and the permissions matrix: three forms, saved one at a time."""
    process = _process(request, process_id)
    component = selectors.component_get(process=process, component_id=component_id)
    manifest = registry.get(component.module_key)
    phases = list(process.phases.all())
    posted = request.POST.get("section") if request.method == "POST" else None

    def bound(section: str) -> Any:
        return request.POST if posted == section else None

    rename_form = forms.ComponentRenameForm(bound("name"), initial={"name": component.name}, prefix="name")
    settings_form = None
    if manifest and manifest.settings_form:
        current = {**manifest.default_settings, **component.settings}
        settings_form = manifest.settings_form(bound("settings"), initial=current, prefix="settings")
    permissions_form = forms.PermissionsForm(
        bound("permissions"), component=component, phases=phases, prefix="permissions"
    )
    form = {"name": rename_form, "settings": settings_form, "permissions": permissions_form}.get(posted or "")
    if form is not None and form.is_valid():
        if posted == "name":
            changes: dict[str, Any] = {"name": form.cleaned_data["name"].strip()}
        elif posted == "settings":
            # The raw values go to the service, which validates them with the same form and stores JSON.
            changes = {"settings": {field.name: field.data for field in form}}
        else:
            changes = {"permissions": permissions_form.rules()}
        try:
            services.component_configure(component=component, by=request.user, **changes)
        except DomainError as err:
            forms.show_domain_error(form, err)
            component.refresh_from_db()
        else:
            messages.success(request, _("The component was saved."))
            return redirect(
                reverse(
                    "backoffice:component_edit",
                    kwargs={"process_id": process.pk, "component_id": component.pk},
                )
                + f"#{posted}"
            )
    return render(
        request,
        "backoffice/component_edit.html",
        {
            "process": process,
            "component": component,
            "manifest": manifest,
            "phases": phases,
            "rename_form": rename_form,
            "settings_form": settings_form,
            "permissions_form": permissions_form,
            "section": "processes",
        },
        status=400 if form is not None and form.errors else 200,
    )


@require_POST
@admin_required
def component_move(request: HttpRequest, process_id: int, component_id: int) -> HttpResponse:
    process = _process(request, process_id)
    component = selectors.component_get(process=process, component_id=component_id)
    direction = -1 if request.POST.get("direction") == "up" else 1
    services.component_move(component=component, by=request.user, direction=direction)
    return _back_to(process, "components")


@require_POST
@admin_required
def component_publish(request: HttpRequest, process_id: int, component_id: int) -> HttpResponse:
    process = _process(request, process_id)
    component = selectors.component_get(process=process, component_id=component_id)
    published = request.POST.get("published") == "1"
    services.component_publish(component=component, by=request.user, published=published)
    messages.success(
        request,
        _("“%(name)s” is published.") % {"name": component.name}
        if published
        else _("“%(name)s” is no longer published.") % {"name": component.name},
    )
    return _back_to(process, "components")


@admin_required
def component_delete(request: HttpRequest, process_id: int, component_id: int) -> HttpResponse:
    process = _process(request, process_id)
    component = selectors.component_get(process=process, component_id=component_id)
    return _confirm_delete(
        request,
        process=process,
        obj=component,
        anchor="components",
        delete=lambda: services.component_delete(component=component, by=request.user),
        done=_("The component was deleted."),
        warning=_("Everything it contains will be deleted too."),
    )
