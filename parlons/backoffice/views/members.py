"""Members of the organisation: roles and services (administrators only)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from parlons.backoffice import forms, selectors
from parlons.backoffice.access import admin_required
from parlons.common.errors import DomainError
from parlons.core import services

PAGE_SIZE = 50


@admin_required
def member_list(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    search = forms.MemberSearchForm(request.GET or None)
    q = search.cleaned_data["q"] if search.is_valid() else ""
    page = Paginator(selectors.member_list(organisation=organisation, search=q), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    add_form = forms.MemberAddForm(organisation=organisation, initial={"role": "agent"})
    return render(
        request,
        "backoffice/member_list.html",
        {"search": search, "q": q, "page": page, "add_form": add_form, "section": "members"},
    )


@admin_required
def member_add(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    form = forms.MemberAddForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.membership_add(
                organisation=organisation,
                by=request.user,
                email=data["email"],
                role=data["role"],
                service_id=data["service"].pk if data["service"] else None,
            )
        except DomainError as err:
            forms.show_domain_error(form, err)
        else:
            messages.success(request, _("%(email)s is now a member.") % {"email": membership.user.email})
            return redirect("backoffice:members")
    return render(
        request,
        "backoffice/member_form.html",
        {"form": form, "membership": None, "section": "members"},
        status=400 if form.errors else 200,
    )


@admin_required
def member_edit(request: HttpRequest, membership_id: int) -> HttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    membership = selectors.member_get(organisation=organisation, membership_id=membership_id)
    form = forms.MemberRoleForm(
        request.POST or None,
        organisation=organisation,
        initial={"role": membership.role, "service": membership.service},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.membership_set_role(
                membership=membership,
                by=request.user,
                role=data["role"],
                service_id=data["service"].pk if data["service"] else None,
            )
        except DomainError as err:
            forms.show_domain_error(form, err)
            membership.refresh_from_db()
        else:
            messages.success(request, _("The role was changed."))
            return redirect("backoffice:members")
    return render(
        request,
        "backoffice/member_form.html",
        {"form": form, "membership": membership, "section": "members"},
        status=400 if form.errors else 200,
    )


@admin_required
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    membership = selectors.member_get(organisation=organisation, membership_id=membership_id)
    error = ""
    if request.method == "POST":
        try:
            services.membership_remove(membership=membership, by=request.user)
        except DomainError as err:
            error = str(err)
        else:
            messages.success(request, _("%(email)s was removed.") % {"email": membership.user.email})
            return redirect("backoffice:members")
    return render(
        request,
        "backoffice/confirm_delete.html",
        {
            "object": membership.user.email,
            "error": error,
            "section": "members",
            "warning": _("The account stays; the person is no longer a member of this organisation."),
            "cancel_url": reverse("backoffice:members"),
        },
        status=409 if error else 200,
    )
