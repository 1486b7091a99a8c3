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


def level_facts_sql() -> tuple[str, int]:
    """Two SQL expressions, "census checked in this organisation, e-mail confirmed", for ``level_from``.

    Parameters, in order: user id, organisation id, user id (returns the SQL and that count, 3). Lets a hot path
    (a ballot) read the level in the same query as its other facts."""
    from allauth.account.models import EmailAddress

    from parlons.accounts.models import Membership

    return (
        f"EXISTS (SELECT 1 FROM {Membership._meta.db_table} m WHERE m.user_id = %s AND m.organisation_id = %s"  # noqa: S608
        " AND m.census_verified_at IS NOT NULL),"
        f" EXISTS (SELECT 1 FROM {EmailAddress._meta.db_table} e WHERE e.user_id = %s AND e.verified)"
    ), 3


def level_from(user: Any, *, census_checked: bool, email_confirmed: bool) -> Level:
    """The level from the facts that ``level_facts_sql`` reads (anonymous or deleted: NONE)."""
    if user is None or not user.is_authenticated or getattr(user, "deleted_at", None):
        return Level.NONE
    if user.franceconnect_verified_at:
        return Level.FRANCECONNECT
    if census_checked:
        return Level.CENSUS
    return Level.EMAIL if email_confirmed else Level.NONE


def level_for(user: Any, organisation: Any) -> Level:
    """The highest level this user holds in this organisation (NONE for anonymous visitors); one query."""
    if user is None or not user.is_authenticated or getattr(user, "deleted_at", None):
        return Level.NONE
    if user.franceconnect_verified_at:
        return Level.FRANCECONNECT
    from django.db import connection

    facts, _count = level_facts_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {facts}", [user.pk, getattr(organisation, "pk", None), user.pk])
        census_checked, email_confirmed = cursor.fetchone()
    return level_from(user, census_checked=bool(census_checked), email_confirmed=bool(email_confirmed))
