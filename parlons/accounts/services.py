"""Writes of account data: accounts, memberships, profile, verification, API tokens, GDPR rights."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parlons.accounts import census, identity
from parlons.accounts.models import ApiToken, CensusEntry, CensusImport, Membership, Role, User
from parlons.common.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from parlons.core.permissions import is_admin

logger = logging.getLogger("parlons.accounts")

DIGEST_CHOICES = ("immediate", "daily", "weekly", "never")
CHANNELS = ("email", "in_app")
DEFAULT_NOTIFICATION_PREFERENCES: dict[str, Any] = {
    "channels": {"email": True, "in_app": True},
    "digest": "daily",
}

CENSUS_ATTEMPTS_PER_HOUR = 5
TOKEN_PREFIX = "prl_"


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    status = 429


class CensusInvalid(ValidationFailed):
    """A census file with errors; ``lines`` holds one translated sentence per error (the first 20)."""

    code = "census_invalid"

    def __init__(self, lines: list[str]) -> None:
        super().__init__(
            _("The census was not imported, nothing has changed. Correct these errors and upload it again."),
            field="file",
        )
        self.lines = lines


@transaction.atomic
def user_get_or_create(
    *, email: str, password: str | None = None, display_name: str = "", email_verified: bool = False
) -> User:
    """Find the account for this e-mail or create it (unusable password unless one is given)."""
    from allauth.account.models import EmailAddress

    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, display_name=display_name)
        if password is None:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    if email_verified:
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
    return user


@transaction.atomic
def membership_ensure(*, user: User, organisation: Any, role: str = Role.CITIZEN) -> Membership:
    """The person's membership in the organisation, created as citizen on first visit or action."""
    membership, _created = Membership.objects.get_or_create(
        user=user, organisation=organisation, defaults={"role": role}
    )
    return membership


# --- Profile -----------------------------------------------------------------------------------------


def notification_preferences(membership: Membership) -> dict[str, Any]:
    """The membership's preferences merged over the defaults: what the notification channels read."""
    stored = membership.notification_preferences or {}
    channels = {**DEFAULT_NOTIFICATION_PREFERENCES["channels"], **(stored.get("channels") or {})}
    digest = stored.get("digest") if stored.get("digest") in DIGEST_CHOICES else "daily"
    return {"channels": {c: bool(channels.get(c)) for c in CHANNELS}, "digest": digest}


@transaction.atomic
def profile_update(
    *,
    membership: Membership,
    display_name: str,
    language: str,
    interest_ids: Iterable[int] = (),
    home_address: str = "",
    home_area_id: int | None = None,
    email_notifications: bool = True,
    in_app_notifications: bool = True,
    digest: str = "daily",
) -> Membership:
    """Save the person's profile: name and language on the account, the rest on this organisation's membership.

    Topics and district must belong to the membership's organisation. An address without a district is
    stored as written: no external geocoder is called (the person did not agree to send it elsewhere).
    Raises ValidationFailed (with ``field``) for an unknown language, topic, district or digest frequency.
    """
    user = membership.user
    organisation = membership.organisation
    if language and language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationFailed(_("Unknown language."), field="language")
    if digest not in DIGEST_CHOICES:
        raise ValidationFailed(_("Unknown digest frequency."), field="digest")
    interest_ids = [int(i) for i in interest_ids]
    topics = list(organisation.topics.filter(pk__in=interest_ids))
    if len(topics) != len(set(interest_ids)):
        raise ValidationFailed(_("Choose topics of this organisation."), field="interests")
    area = None
    if home_area_id:
        area = organisation.areas.filter(pk=home_area_id).first()
        if area is None:
            raise ValidationFailed(_("Choose a district of this organisation."), field="home_area")
    user.display_name = display_name.strip()[:80]
    user.language = language
    user.save(update_fields=["display_name", "language"])
    membership.home_address = home_address.strip()[:300]
    membership.home_area = area
    if not membership.home_address:
        membership.home_point = None
    membership.notification_preferences = {
        "channels": {"email": bool(email_notifications), "in_app": bool(in_app_notifications)},
        "digest": digest,
    }
    membership.save(
        update_fields=["home_address", "home_area", "home_point", "notification_preferences", "updated_at"]
    )
    membership.interests.set(topics)
    return membership


# --- API tokens --------------------------------------------------------------------------------------


def _token_digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, organisation: Any, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token for this organisation and return it with its clear value.

    The clear value is returned once and never stored (only its SHA-256 and 8-character prefix are).
    Preconditions: the user is an active member of the organisation. Raises ValidationFailed for an
    empty name, PermissionDenied for a non-member.
    """
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Give the token a name, so you can recognise it later."), field="name")
    if user.deleted_at or not user.is_active:
        raise PermissionDenied(_("This account is closed."))
    if not Membership.objects.filter(user=user, organisation=organisation).exists():
        raise PermissionDenied(_("You are not a member of this organisation."))
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organisation=organisation,
        user=user,
        name=name[:100],
        prefix=plaintext[:8],
        digest=_token_digest(plaintext),
    )
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, user: User, organisation: Any, token_id: int) -> ApiToken:
    """Revoke one of the user's tokens in this organisation (idempotent). Raises NotFound for anyone else's."""
    token = ApiToken.objects.for_organisation(organisation).filter(user=user, pk=token_id).first()
    if token is None:
        raise NotFound(_("This token does not exist."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


# --- Verification ------------------------------------------------------------------------------------


@transaction.atomic
def franceconnect_mark_verified(*, user: User, claims: dict[str, Any] | None = None) -> User:
    """Record that the person just proved their identity with FranceConnect (level FRANCECONNECT).

    With the verified ``claims`` (given_name, family_name, birthdate), also store their person key
    (``identity_key``), or "" when they lack a family name or a full birth date; without claims the key
    stays as it was."""
    user.franceconnect_verified_at = timezone.now()
    fields = ["franceconnect_verified_at"]
    if claims is not None:
        user.identity_key = identity.key_from_claims(claims)
        fields.append("identity_key")
    user.save(update_fields=fields)
    return user


@transaction.atomic
def franceconnect_unlinked(*, user: User) -> User:
    """The person removed their last FranceConnect link: the verification and its person key go with it."""
    from allauth.socialaccount.models import SocialAccount

    from parlons.accounts.adapter import FRANCECONNECT

    if SocialAccount.objects.filter(user=user, provider=FRANCECONNECT).exists():
        return user
    user.franceconnect_verified_at = None
    user.identity_key = ""
    user.save(update_fields=["franceconnect_verified_at", "identity_key"])
    return user


def census_key(organisation: Any) -> bytes:
    """The HMAC key for an organisation's census: the platform's pepper plus the organisation id."""
    return f"{settings.PARLONS_CENSUS_PEPPER}{organisation.pk}".encode()


_CENSUS_REASONS = {
    "too_large": _("The file is larger than 20 MB."),
    "encoding": _("The file is not encoded in UTF-8. Save it as “CSV UTF-8” and try again."),
    "empty": _("The file is empty."),
    "missing_column": _("Missing column(s): %(detail)s."),
    "bad_date": _("The birth date is not written YYYY-MM-DD or DD/MM/YYYY."),
    "empty_identifier": _("The identifier is empty."),
    "empty_postal_code": _("The postal code is empty."),
    "duplicate": _("The same person already appears on line %(detail)s."),
    "unknown_district": _("Unknown district “%(detail)s”."),
    "columns": _("The line has fewer columns than the header."),
}


def census_error_messages(errors: Iterable[census.RowError]) -> list[str]:
    """Translated sentences, one per error, each naming its line."""
    lines = []
    for error in errors:
        reason = str(_CENSUS_REASONS[error.reason]) % {"detail": error.detail}
        if error.line:
            lines.append(str(_("Line %(line)d: %(reason)s")) % {"line": error.line, "reason": reason})
        else:
            lines.append(reason)
    return lines


@transaction.atomic
def census_import(*, organisation: Any, by: User | None, file: Any, filename: str) -> CensusImport:
    """Replace the organisation's census with the residents listed in a CSV file.

    Format: header ``identifier,birth_date,postal_code[,district]``, UTF-8, at most 20 MB. Each row is
    normalised and stored only as a keyed hash; clear values are neither stored nor logged.
    All or nothing: any malformed row raises CensusInvalid (a ValidationFailed) whose ``lines`` list the
    first 20 errors with their line numbers, and nothing changes. Unclaimed entries of the previous census are replaced;
    entries already claimed stay claimed when the person is still listed, and memberships keep their
    ``census_verified_at`` in every case. Only administrators of the organisation may import
    (PermissionDenied); ``by=None`` is the system (commands).
    """
    if by is not None and not is_admin(by, organisation):
        raise PermissionDenied(_("Only the organisation's administrators can import the census."))
    raw = file.read(census.MAX_FILE_BYTES + 1) if hasattr(file, "read") else bytes(file)
    areas = list(organisation.areas.all())
    by_name: dict[str, Any] = {}
    for area in areas:
        for label in (area.code, area.slug, area.name):
            if label:
                by_name.setdefault(census.normalise(label), area)
    parsed = census.parse(raw, key=census_key(organisation), known_districts=set(by_name))
    if parsed.errors:
        messages = census_error_messages(parsed.errors)
        if parsed.error_count > len(parsed.errors):
            messages.append(
                str(_("… and %(count)d more errors.")) % {"count": parsed.error_count - len(parsed.errors)}
            )
        raise CensusInvalid(messages)
    batch = CensusImport.objects.create(
        organisation=organisation, uploaded_by=by, filename=filename[:255], rows=len(parsed.rows)
    )
    entries = CensusEntry.objects.for_organisation(organisation)
    entries.filter(claimed_by__isnull=True).delete()
    new_digests = {value: by_name.get(census.normalise(district)) for value, district in parsed.rows}
    kept = set()
    for entry in entries.filter(claimed_by__isnull=False):
        if entry.digest in new_digests:
            entry.batch = batch
            entry.area = new_digests[entry.digest]
            entry.save(update_fields=["batch", "area"])
            kept.add(entry.digest)
        else:
            # No longer a resident: the entry goes, the membership keeps the date it was checked.
            entry.delete()
    CensusEntry.objects.bulk_create(
        [
            CensusEntry(organisation=organisation, digest=value, area=area, batch=batch)
            for value, area in new_digests.items()
            if value not in kept
        ],
        batch_size=2000,
    )
    logger.info("census imported for organisation %s: %d rows", organisation.pk, len(parsed.rows))
    return batch


def _census_attempts_key(membership: Membership) -> str:
    return f"census-attempts:{membership.organisation_id}:{membership.user_id}"


@transaction.atomic
def census_claim(
    *, membership: Membership, identifier: str, birth_date: date, postal_code: str
) -> Membership:
    """Check the person against their organisation's census and, on a match, mark them as a resident.

    One census entry belongs to one person: a second account giving the same details gets Conflict.
    At most 5 attempts an hour per person and organisation (TooManyAttempts), so the census cannot be
    searched by trial. No match raises ValidationFailed. On success, the membership's district is set
    from the census when it lists one.
    """
    key = _census_attempts_key(membership)
    cache.add(key, 0, timeout=3600)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        attempts = 1
    if attempts > CENSUS_ATTEMPTS_PER_HOUR:
        raise TooManyAttempts(_("Too many attempts. For your security, try again in an hour."))
    value = census.digest(
        key=census_key(membership.organisation),
        identifier=identifier,
        birth_date=birth_date,
        postal_code=postal_code,
    )
    entry = (
        CensusEntry.objects.for_organisation(membership.organisation)
        .select_for_update()
        .filter(digest=value)
        .first()
    )
    if entry is None:
        raise ValidationFailed(
            _("These details do not match the census. Check them as written on your documents."),
            code="census_no_match",
        )
    if entry.claimed_by_id and entry.claimed_by_id != membership.pk:
        logger.warning("census entry %s already claimed; refused for membership %s", entry.pk, membership.pk)
        raise Conflict(
            _(
                "This resident has already been verified with another account. Contact the town hall if this is you."
            )
        )
    entry.claimed_by = membership
    entry.save(update_fields=["claimed_by"])
    membership.census_verified_at = timezone.now()
    fields = ["census_verified_at", "updated_at"]
    if entry.area_id:
        membership.home_area_id = entry.area_id
        fields.append("home_area")
    membership.save(update_fields=fields)
    cache.delete(key)
    return membership


# --- GDPR --------------------------------------------------------------------------------------------


@transaction.atomic
def user_delete(*, user: User) -> User:
    """Close the account: contributions stay, under the pseudonym "Deleted participant".

    Clears every personal datum: e-mail (replaced by ``deleted-<public_id>@invalid``), display name,
    language, addresses, home positions, interests, notification preferences, census claims, API
    tokens, FranceConnect (and its person key) and other social accounts, e-mail addresses and second factors; the password
    becomes unusable and the account inactive. Idempotent.
    """
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount

    memberships = Membership.objects.filter(user=user)
    CensusEntry.objects.filter(claimed_by__in=memberships).update(claimed_by=None)
    for membership in memberships:
        membership.interests.clear()
    memberships.update(
        home_address="", home_point=None, home_area=None, notification_preferences={}, census_verified_at=None
    )
    ApiToken.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user.email = f"deleted-{user.public_id}@invalid"
    user.display_name = ""
    user.language = ""
    user.franceconnect_verified_at = None
    user.identity_key = ""
    user.deleted_at = user.deleted_at or timezone.now()
    user.is_active = False
    user.set_unusable_password()
    user.save()
    logger.info("account %s deleted at the person's request", user.public_id)
    return user
