"""Verification levels: how sure the platform is about who a person is, per organisation."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    NONE = 0, _("No verification")
    EMAIL = 1, _("E-mail confirmed")
    CENSUS = 2, _("Resident checked against the census")
    FRANCECONNECT = 3, _("Identity checked with FranceConnect")


def level_for(user: Any, organisation: Any) -> Level:
    """The highest level this user holds in this organisation (NONE for anonymous visitors)."""
    if user is None or not user.is_authenticated or getattr(user, "deleted_at", None):
        return Level.NONE
    if user.franceconnect_verified_at:
        return Level.FRANCECONNECT
    from parlons.accounts.models import Membership

    if (
        organisation is not None
        and Membership.objects.filter(
            user=user, organisation=organisation, census_verified_at__isnull=False
        ).exists()
    ):
        return Level.CENSUS
    from allauth.account.models import EmailAddress

    if EmailAddress.objects.filter(user=user, verified=True).exists():
        return Level.EMAIL
    return Level.NONE
