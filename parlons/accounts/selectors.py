"""Reads of account data, scoped to one organisation where the data belongs to one."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from parlons.accounts.models import ApiToken, CensusImport, Membership, User
from parlons.core import registry

# last_used_at is informative; writing it on every API call would turn each read into a write.
_LAST_USED_PRECISION = timedelta(minutes=5)


def membership_get(*, user: User, organisation: Any) -> Membership | None:
    return Membership.objects.filter(user=user, organisation=organisation).select_related("home_area").first()


def api_token_list(*, user: User, organisation: Any) -> QuerySet[ApiToken]:
    return (
        ApiToken.objects.for_organisation(organisation)
        .filter(user=user)
        .order_by("revoked_at", "-created_at")
    )


def api_token_authenticate(*, organisation: Any, plaintext: str) -> User | None:
    """The active account a clear API token belongs to in this organisation, or None.

    A token of another organisation, a revoked token, or one of a closed or deleted account gives None.
    """
    if not plaintext or organisation is None:
        return None
    digest = hashlib.sha256(plaintext.strip().encode("utf-8")).hexdigest()
    token = (
        ApiToken.objects.for_organisation(organisation)
        .select_related("user")
        .filter(digest=digest, revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active or token.user.deleted_at is not None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def census_latest_import(*, organisation: Any) -> CensusImport | None:
    return CensusImport.objects.for_organisation(organisation).select_related("uploaded_by").first()


def personal_data_export(*, user: User) -> dict[str, Any]:
    """Everything the platform holds about the person, as JSON-ready data (GDPR right of access).

    Participation modules add their own part by declaring ``personal_data(user) -> dict`` on their
    manifest; it is optional.
    """
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    def when(value: Any) -> str | None:
        return value.isoformat() if value else None

    memberships = (
        Membership.objects.filter(user=user)
        .select_related("organisation", "home_area", "service")
        .prefetch_related("interests")
        .order_by("organisation__name")
    )
    data: dict[str, Any] = {
        "format": "parlons-personal-data/1",
        "exported_at": timezone.now().isoformat(),
        "account": {
            "public_id": user.public_id,
            "email": user.email,
            "display_name": user.display_name,
            "language": user.language,
            "date_joined": when(user.date_joined),
            "last_login": when(user.last_login),
            "franceconnect_verified_at": when(user.franceconnect_verified_at),
            # A keyed hash of the FranceConnect name and birth date (never the name or date themselves).
            "identity_key": user.identity_key,
        },
        "memberships": [
            {
                "organisation": {"slug": m.organisation.slug, "name": m.organisation.name},
                "role": m.role,
                "service": m.service.name if m.service else None,
                "district": m.home_area.name if m.home_area else None,
                "home_address": m.home_address,
                "home_position": [m.home_point.x, m.home_point.y] if m.home_point else None,
                "topics_of_interest": [t.name for t in m.interests.all()],
                "notification_preferences": m.notification_preferences,
                "census_verified_at": when(m.census_verified_at),
                "joined_at": when(m.created_at),
            }
            for m in memberships
        ],
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user).order_by("email")
        ],
        "api_tokens": [
            {
                "name": t.name,
                "organisation": t.organisation.slug,
                "created_at": when(t.created_at),
                "revoked_at": when(t.revoked_at),
            }
            for t in ApiToken.objects.filter(user=user).select_related("organisation").order_by("created_at")
        ],
        "social_accounts": [
            {"provider": s.provider, "uid": s.uid}
            for s in SocialAccount.objects.filter(user=user).order_by("pk")
        ],
        "modules": {},
    }
    for manifest in registry.all_modules():
        provider = getattr(manifest, "personal_data", None)
        if callable(provider):
            data["modules"][manifest.key] = provider(user)
    return data
