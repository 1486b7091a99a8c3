"""One key per person, from their name and birth date, shared by every channel that knows who they are.

An agent at an in-person desk types a citizen's full name and birth date; an account verified with
FranceConnect carries the same facts in its verified claims. Both become ``person_key``: an HMAC of the
normalised name and birth date under ``SECRET_KEY``, so the same person gets the same key at the desk and
online, and neither the name nor the birth date is stored. Pure: no model is imported here.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.conf import settings

_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Where allauth's ``openid_connect`` provider (65.11 and later) keeps the claims in ``SocialAccount.extra_data``.
_CLAIM_SECTIONS = ("id_token", "userinfo")
BIRTHDATE_CLAIM = "birthdate"


def person_key(*, full_name: str, birth_date: date) -> str:
    """``p`` + the first 40 hex digits of HMAC-SHA256(SECRET_KEY, "normalised name|YYYY-MM-DD").

    The name loses its accents, case, hyphens and repeated spaces ("Élodie  Martin-Durand" and
    "elodie martin durand" give one key). Changing any of this changes every key already issued."""
    name = unicodedata.normalize("NFKD", full_name).encode("ascii", "ignore").decode().lower()
    name = " ".join(name.replace("-", " ").split())
    message = f"{name}|{birth_date.isoformat()}".encode()
    return "p" + hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:40]


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def full_name_from_claims(claims: Mapping[str, Any]) -> str:
    """The full name an agent would type: every given name (FranceConnect separates them with spaces), then the
    family name. Empty without a family name; a person without a given name has only their family name."""
    family_name = _text(claims.get("family_name"))
    if not family_name:
        return ""
    return " ".join(part for part in (_text(claims.get("given_name")), family_name) if part)


def birth_date_from_claims(claims: Mapping[str, Any]) -> date | None:
    """The ``birthdate`` claim ("YYYY-MM-DD") as a date; None for anything else, including FranceConnect's
    partly unknown dates ("1970-00-00", "1970-03-00") and a year alone ("1970")."""
    value = claims.get(BIRTHDATE_CLAIM)
    if not isinstance(value, str) or not _FULL_DATE.fullmatch(value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def key_from_claims(claims: Mapping[str, Any] | None) -> str:
    """``person_key`` of verified claims, or "" when they lack a family name or a full birth date."""
    if not claims:
        return ""
    full_name = full_name_from_claims(claims)
    birth_date = birth_date_from_claims(claims)
    if not full_name or birth_date is None:
        return ""
    return person_key(full_name=full_name, birth_date=birth_date)


def claims_from_extra_data(extra_data: Mapping[str, Any] | None) -> dict[str, Any]:
    """The claims allauth's ``openid_connect`` provider stored in ``SocialAccount.extra_data``.

    allauth 65.11+ stores ``{"userinfo": {...}, "id_token": {...}}`` (either may be missing: the userinfo
    endpoint is skipped with ``fetch_userinfo=False``); older versions stored the claims flat. The userinfo
    claims win over the ID token's, as allauth itself prefers them."""
    if not extra_data:
        return {}
    sections = [extra_data.get(name) for name in _CLAIM_SECTIONS]
    if not any(isinstance(section, Mapping) for section in sections):
        return dict(extra_data)
    claims: dict[str, Any] = {}
    for section in sections:
        if isinstance(section, Mapping):
            claims.update(section)
    return claims


def without_birthdate(extra_data: Mapping[str, Any] | None) -> dict[str, Any]:
    """``extra_data`` without the ``birthdate`` claim anywhere: once the key is computed, we keep no birth date."""
    data = dict(extra_data or {})
    data.pop(BIRTHDATE_CLAIM, None)
    for name in _CLAIM_SECTIONS:
        section = data.get(name)
        if isinstance(section, Mapping) and BIRTHDATE_CLAIM in section:
            data[name] = {key: value for key, value in section.items() if key != BIRTHDATE_CLAIM}
    return data


def online_identity_key(user: Any) -> str:
    """The person key an online voter shares with the in-person desk: their FranceConnect identity's key, or ""
    when the account is not (or no longer) verified with FranceConnect or its claims gave no key."""
    if getattr(user, "franceconnect_verified_at", None) and getattr(user, "identity_key", ""):
        return user.identity_key
    return ""
