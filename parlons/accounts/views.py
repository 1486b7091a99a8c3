"""The person's own pages under /me/: profile, API tokens, personal data, census check, account deletion;
and the administrators' census upload page under /backoffice/census/."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parlons.accounts import census, selectors, services
from parlons.accounts.forms import (
    ApiTokenForm,
    CensusClaimForm,
    CensusUploadForm,
    DeleteAccountForm,
    ProfileForm,
)
from parlons.accounts.verification import Level, level_for
from parlons.common.errors import DomainError
from parlons.core.permissions import is_admin


def _membership(request: HttpRequest) -> Any:
    return services.membership_ensure(user=request.user, organisation=request.organisation)  # type: ignore[arg-type,attr-defined]


def _franceconnect_available() -> bool:
    from allauth.socialaccount.models import SocialApp

    providers: Any = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
    return (
        any(app.get("provider_id") == "franceconnect" for app in providers)
        or SocialApp.objects.filter(provider="openid_connect", provider_id="franceconnect").exists()
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    user = request.user
    prefs = services.notification_preferences(membership)
    if request.method == "POST":
        form = ProfileForm(request.POST, organisation=request.organisation)  # type: ignore[attr-defined]
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.profile_update(
                    membership=membership,
                    display_name=data["display_name"],
                    language=data["language"],
                    interest_ids=[int(i) for i in data["interests"]],
                    home_address=data["home_address"],
                    home_area_id=int(data["home_area"]) if data["home_area"] else None,
                    email_notifications=data["email_notifications"],
                    in_app_notifications=data["in_app_notifications"],
                    digest=data["digest"],
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("Your profile has been saved."))
                response = redirect("accounts:profile")
                # The cookie keeps the language on this browser even after signing out.
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    data["language"],
                    max_age=settings.LANGUAGE_COOKIE_AGE,
                    samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE,
                )
                return response
    else:
        form = ProfileForm(
            organisation=request.organisation,  # type: ignore[attr-defined]
            initial={
                "display_name": user.display_name,  # type: ignore[union-attr]
                "language": user.language or request.LANGUAGE_CODE,  # type: ignore[union-attr]
                "interests": [str(pk) for pk in membership.interests.values_list("pk", flat=True)],
                "home_address": membership.home_address,
                "home_area": str(membership.home_area_id or ""),
                "email_notifications": prefs["channels"]["email"],
                "in_app_notifications": prefs["channels"]["in_app"],
                "digest": prefs["digest"],
            },
        )
    level = level_for(user, request.organisation)  # type: ignore[attr-defined]
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "profile_membership": membership,
            "level": level,
            "Level": Level,
            "levels": list(Level),
            "franceconnect_available": _franceconnect_available(),
            "census_available": selectors.census_latest_import(organisation=request.organisation) is not None,  # type: ignore[attr-defined]
        },
    )


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    _membership(request)
    new_plaintext = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_plaintext = services.api_token_create(
                user=request.user,  # type: ignore[arg-type]
                organisation=request.organisation,  # type: ignore[attr-defined]
                name=form.cleaned_data["name"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            form = ApiTokenForm()
    response = render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "new_plaintext": new_plaintext,
            "tokens": selectors.api_token_list(user=request.user, organisation=request.organisation),  # type: ignore[arg-type,attr-defined]
        },
    )
    # The clear token is on this page only once: never keep it in a cache.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = services.api_token_revoke(
            user=request.user,  # type: ignore[arg-type]
            organisation=request.organisation,  # type: ignore[attr-defined]
            token_id=token_id,
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The token “%(name)s” has been revoked.") % {"name": token.name})
    return redirect("accounts:tokens")


@login_required
def export(request: HttpRequest) -> HttpResponse:
    data = selectors.personal_data_export(user=request.user)  # type: ignore[arg-type]
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="parlons-personal-data-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        services.user_delete(user=user)  # type: ignore[arg-type]
        messages.success(
            request, _("Your account has been deleted. Your contributions remain, without your name.")
        )
        return redirect("core:home")
    return render(request, "accounts/delete.html", {"form": form})


@login_required
def census_verify(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    form = CensusClaimForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.census_claim(
                membership=membership,
                identifier=form.cleaned_data["identifier"],
                birth_date=form.cleaned_data["birth_date"],
                postal_code=form.cleaned_data["postal_code"],
            )
        except DomainError as error:
            form.add_domain_error(error)
            status = error.status if error.status == 429 else 200
        else:
            messages.success(request, _("Thank you: you are now verified as a resident."))
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/census_verify.html",
        {
            "form": form,
            "profile_membership": membership,
            "census_available": selectors.census_latest_import(organisation=request.organisation) is not None,  # type: ignore[attr-defined]
        },
        status=status,
    )


@login_required
def census_upload(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    if not is_admin(request.user, organisation):
        raise DjangoPermissionDenied
    form = CensusUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.census_import(
                organisation=organisation,
                by=request.user,  # type: ignore[arg-type]
                file=upload,
                filename=upload.name,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("Census imported: %(rows)d residents. The previous census is replaced.")
                % {"rows": batch.rows},
            )
            return redirect("census:upload")
    return render(
        request,
        "accounts/census_upload.html",
        {
            "form": form,
            "latest": selectors.census_latest_import(organisation=organisation),
            "max_errors": census.MAX_REPORTED_ERRORS,
        },
    )
