"""Organisation settings and its reference lists: districts, topics, services (administrators only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parlons.backoffice import forms, selectors
from parlons.backoffice.access import admin_required
from parlons.common.errors import DomainError
from parlons.core import selectors as core_selectors
from parlons.core import services
from parlons.core.models import Organisation


@admin_required
def organisation_edit(request: HttpRequest) -> HttpResponse:
    # A fresh copy: a refused change must not alter the organisation shown in the page header.
    organisation = Organisation.objects.get(pk=request.organisation.pk)  # type: ignore[attr-defined]
    initial = {
        "name": organisation.name,
        "description": organisation.description,
        "contact_email": organisation.contact_email,
        "logo_alt": organisation.logo_alt,
        "primary_colour": organisation.primary_colour,
        "accent_colour": organisation.accent_colour,
        "default_language": organisation.default_language,
        "languages": organisation.language_codes,
    }
    form = forms.OrganisationForm(
        request.POST or None, request.FILES or None, organisation=organisation, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.organisation_update_branding(
                organisation=organisation,
                by=request.user,
                name=data["name"],
                description=data["description"],
                contact_email=data["contact_email"],
                primary_colour=data["primary_colour"],
                accent_colour=data["accent_colour"],
                default_language=data["default_language"],
                languages=data["languages"],
                logo=data["logo"],
                logo_alt=data["logo_alt"],
                remove_logo=data.get("remove_logo", False),
            )
        except DomainError as err:
            forms.show_domain_error(form, err)
        else:
            messages.success(request, _("The settings were saved."))
            return redirect("backoffice:organisation")
    return render(
        request,
        "backoffice/organisation_form.html",
        {"form": form, "current": organisation, "section": "organisation"},
    )


# --- Districts, topics and services share one list/form/delete pattern ------------------------------


class Catalogue:
    """How one reference list is read and written; the three lists differ only in these pieces."""

    def __init__(
        self,
        *,
        key: str,
        title: Any,
        singular: Any,
        form: type[forms.forms.Form],
        get: Callable[..., Any],
        list_: Callable[..., Any],
        create: Callable[..., Any],
        update: Callable[..., Any],
        delete: Callable[..., Any],
        initial: Callable[[Any], dict[str, Any]],
        columns: list[tuple[Any, str]],
    ) -> None:
        self.key, self.title, self.singular, self.form = key, title, singular, form
        self.get, self.list, self.create, self.update, self.delete = get, list_, create, update, delete
        self.initial, self.columns = initial, columns


def _area_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    return {"name": data["name"], "slug": data["slug"], "code": data["code"], "geometry": data["boundary"]}


def _plain_kwargs(fields: tuple[str, ...]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda data: {f: data[f] for f in fields}


CATALOGUES: dict[str, Catalogue] = {
    "areas": Catalogue(
        key="areas",
        title=gettext_lazy("Districts"),
        singular=gettext_lazy("district"),
        form=forms.AreaForm,
        get=lambda org, pk: selectors.area_get(organisation=org, area_id=pk),
        list_=lambda org: core_selectors.area_list(organisation=org),
        create=lambda org, by, data: services.area_create(organisation=org, by=by, **_area_kwargs(data)),
        update=lambda obj, by, data: services.area_update(
            area=obj, by=by, keep_geometry=not data.get("clear_geometry"), **_area_kwargs(data)
        ),
        delete=lambda obj, by: services.area_delete(area=obj, by=by),
        initial=lambda a: {"name": a.name, "slug": a.slug, "code": a.code},
        columns=[(gettext_lazy("Identifier"), "slug"), (gettext_lazy("Code"), "code")],
    ),
    "topics": Catalogue(
        key="topics",
        title=gettext_lazy("Topics"),
        singular=gettext_lazy("topic"),
        form=forms.TopicForm,
        get=lambda org, pk: selectors.topic_get(organisation=org, topic_id=pk),
        list_=lambda org: core_selectors.topic_list(organisation=org),
        create=lambda org, by, data: services.topic_create(
            organisation=org, by=by, **_plain_kwargs(("name", "slug", "description"))(data)
        ),
        update=lambda obj, by, data: services.topic_update(
            topic=obj, by=by, **_plain_kwargs(("name", "slug", "description"))(data)
        ),
        delete=lambda obj, by: services.topic_delete(topic=obj, by=by),
        initial=lambda t: {"name": t.name, "slug": t.slug, "description": t.description},
        columns=[(gettext_lazy("Identifier"), "slug")],
    ),
    "services": Catalogue(
        key="services",
        title=gettext_lazy("Services"),
        singular=gettext_lazy("service"),
        form=forms.ServiceForm,
        get=lambda org, pk: selectors.service_get(organisation=org, service_id=pk),
        list_=lambda org: core_selectors.service_list(organisation=org),
        create=lambda org, by, data: services.service_create(
            organisation=org, by=by, **_plain_kwargs(("name", "slug", "email", "description"))(data)
        ),
        update=lambda obj, by, data: services.service_update(
            service=obj, by=by, **_plain_kwargs(("name", "slug", "email", "description"))(data)
        ),
        delete=lambda obj, by: services.service_delete(service=obj, by=by),
        initial=lambda s: {"name": s.name, "slug": s.slug, "email": s.email, "description": s.description},
        columns=[(gettext_lazy("Identifier"), "slug"), (gettext_lazy("E-mail"), "email")],
    ),
}


def _list_url(catalogue: Catalogue) -> str:
    return reverse(f"backoffice:{catalogue.key}")


@admin_required
def catalogue_list(request: HttpRequest, kind: str) -> HttpResponse:
    catalogue = CATALOGUES[kind]
    items = list(catalogue.list(request.organisation))  # type: ignore[attr-defined]
    singular = kind[:-1]
    rows = [
        {
            "item": item,
            "values": [getattr(item, attr) for _label, attr in catalogue.columns],
            "edit_url": reverse(f"backoffice:{singular}_edit", kwargs={"pk": item.pk}),
            "delete_url": reverse(f"backoffice:{singular}_delete", kwargs={"pk": item.pk}),
        }
        for item in items
    ]
    return render(
        request,
        "backoffice/catalogue_list.html",
        {
            "catalogue": catalogue,
            "rows": rows,
            "section": kind,
            "create_url": reverse(f"backoffice:{singular}_create"),
        },
    )


@admin_required
def catalogue_form(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    catalogue = CATALOGUES[kind]
    organisation = request.organisation  # type: ignore[attr-defined]
    obj = catalogue.get(organisation, pk) if pk is not None else None
    extra: dict[str, Any] = {"has_geometry": bool(obj and obj.geometry)} if kind == "areas" else {}
    form = catalogue.form(
        request.POST or None, request.FILES or None, initial=catalogue.initial(obj) if obj else None, **extra
    )
    if request.method == "POST" and form.is_valid():
        try:
            if obj is None:
                catalogue.create(organisation, request.user, form.cleaned_data)
            else:
                catalogue.update(obj, request.user, form.cleaned_data)
        except DomainError as err:
            forms.show_domain_error(form, err)
        else:
            messages.success(request, _("Saved."))
            return redirect(_list_url(catalogue))
    return render(
        request,
        "backoffice/catalogue_form.html",
        {"catalogue": catalogue, "form": form, "object": obj, "section": kind},
        status=400 if form.errors else 200,
    )


@admin_required
def catalogue_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    catalogue = CATALOGUES[kind]
    obj = catalogue.get(request.organisation, pk)  # type: ignore[attr-defined]
    error = ""
    if request.method == "POST":
        try:
            catalogue.delete(obj, request.user)
        except DomainError as err:
            error = str(err)
        else:
            messages.success(request, _("Deleted."))
            return redirect(_list_url(catalogue))
    return render(
        request,
        "backoffice/confirm_delete.html",
        {"object": obj, "error": error, "cancel_url": _list_url(catalogue), "section": kind},
    )
