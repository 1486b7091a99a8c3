"""Writes of the consultations module: proposals, supports, amendments, official answers, merges, debates.

Every participant action is checked with ``parlons.core.permissions.can_perform`` (publication, phase,
verification level, the module's predicate) before anything changes; staff actions check the role.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings as django_settings
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from parlons.common.errors import Conflict, PermissionDenied, ValidationFailed
from parlons.core import permissions
from parlons.core.models import Area, Component, DecisionEvent, Organisation, Topic
from parlons.core.services import decision_record
from parlons.dialogue import services as dialogue
from parlons.modules.consultations import attachments, list_cache, similarity
from parlons.modules.consultations.endorsements import (  # noqa: F401 - services of the module, kept apart for size
    proposal_endorse,
    proposal_unendorse,
    user_group_add_member,
    user_group_create,
    user_group_invitation_answer,
    user_group_invitation_revoke,
    user_group_invite,
    user_group_remove_member,
    user_group_verify,
)
from parlons.modules.consultations.models import (
    Amendment,
    AnswerState,
    BaseAnswer,
    CoauthorInvitation,
    Debate,
    Proposal,
    ProposalAttachment,
    ProposalVersion,
    Status,
    Support,
)
from parlons.modules.consultations.settings import settings_of

TITLE_MIN, TITLE_MAX = 5, 150
BODY_MIN, BODY_MAX = 15, 5000


def _org(component: Component) -> Organisation:
    return component.process.organisation


def _require(user: Any, component: Component, action: str, obj: Any = None) -> None:
    decision = permissions.can_perform(user, component, action, obj)
    if not decision:
        raise PermissionDenied(decision.reason)
    if dialogue.is_blocked(user, _org(component)):
        raise PermissionDenied(_("Your participation in this organisation is suspended."))


def _require_staff(user: Any, organisation: Organisation) -> None:
    if user is not None and not permissions.is_staff(user, organisation):
        raise PermissionDenied(_("Only the organisation's staff can do this."))


def _clean_text(title: str, body: str) -> tuple[str, str]:
    from parlons.dialogue.text import clean

    title, body = clean(title), clean(body)
    if len(title) < TITLE_MIN:
        raise ValidationFailed(
            _("Give a title of at least %(n)d characters.") % {"n": TITLE_MIN}, field="title"
        )
    if len(title) > TITLE_MAX:
        raise ValidationFailed(_("Keep the title under %(n)d characters.") % {"n": TITLE_MAX}, field="title")
    if len(body) < BODY_MIN:
        raise ValidationFailed(
            _("Describe your proposal in at least %(n)d characters.") % {"n": BODY_MIN}, field="body"
        )
    if len(body) > BODY_MAX:
        raise ValidationFailed(
            _("Keep the description under %(n)d characters (it has %(count)d).")
            % {"n": BODY_MAX, "count": len(body)},
            field="body",
        )
    return title, body


def _clean_place(
    organisation: Organisation,
    topic_id: int | None,
    area_id: int | None,
    lon: float | None,
    lat: float | None,
) -> tuple[Topic | None, Area | None, float | None, float | None]:
    topic = area = None
    if topic_id:
        topic = Topic.objects.for_organisation(organisation).filter(pk=topic_id).first()
        if topic is None:
            raise ValidationFailed(_("Choose a topic from the list."), field="topic")
    if area_id:
        area = Area.objects.for_organisation(organisation).filter(pk=area_id).first()
        if area is None:
            raise ValidationFailed(_("Choose a district from the list."), field="area")
    if (lon is None) != (lat is None):
        raise ValidationFailed(_("Give both the latitude and the longitude, or neither."), field="location")
    if lon is not None and lat is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationFailed(_("This position is not on Earth."), field="location")
    return topic, area, lon, lat


def _check_limit(component: Component, by: Any, *, exclude: Proposal | None = None) -> None:
    """The per-participant limit of the component, then the limit of the whole process (all its consultations)."""
    conf = settings_of(component)
    published = Proposal.objects.filter(status=Status.PUBLISHED)
    if exclude is not None:
        published = published.exclude(pk=exclude.pk)
    limit = conf.max_proposals_per_participant
    if limit and published.filter(component=component, author=by).count() >= limit:
        raise ValidationFailed(
            _("You have already published %(n)d proposals here, the most allowed.") % {"n": limit},
            field="__all__",
        )
    process_limit = conf.max_proposals_per_process
    if (
        process_limit
        and published.filter(component__process_id=component.process_id).count() >= process_limit
    ):
        raise ValidationFailed(
            _("This process has received the %(n)d proposals it could take: no more can be published.")
            % {"n": process_limit},
            field="__all__",
        )


def _screen(item: Proposal | Debate, by: Any) -> None:
    """Run the spam check on a newly published proposal or debate; suspicious ones wait hidden for a moderator."""
    score = dialogue.screen_text(body=f"{item.title}\n{item.body}", by=by, organisation=item.organisation)
    if score.suspicious(dialogue.spam_threshold()):
        item.is_hidden = True
        item.save(update_fields=["is_hidden", "updated_at"])
        dialogue.hold_for_review(
            target=item, organisation=item.organisation, author=by, excerpt=item.body, score=score
        )


# --- Proposals ----------------------------------------------------------------------------------------


@transaction.atomic
def proposal_create(
    *,
    component: Component,
    by: Any,
    title: str,
    body: str,
    topic_id: int | None = None,
    area_id: int | None = None,
    lon: float | None = None,
    lat: float | None = None,
    publish: bool = True,
) -> Proposal:
    """Create a proposal, published at once or kept as a draft (``publish=False``).

    Preconditions: ``can_perform(by, component, "create")``; within the per-participant limit when publishing.
    Side effects: first version recorded; the author follows the proposal; the spam check may hide it pending review.
    Errors: PermissionDenied, ValidationFailed (fields title, body, topic, area, location, __all__).
    """
    _require(by, component, "create")
    organisation = _org(component)
    title, body = _clean_text(title, body)
    topic, area, lon, lat = _clean_place(organisation, topic_id, area_id, lon, lat)
    if publish:
        _check_limit(component, by)
    now = timezone.now()
    proposal = Proposal.objects.create(
        organisation=organisation,
        component=component,
        author=by,
        title=title,
        body=body,
        topic=topic,
        area=area,
        lon=lon,
        lat=lat,
        status=Status.PUBLISHED if publish else Status.DRAFT,
        published_at=now if publish else None,
        fingerprint=similarity.fingerprint(title, body),
    )
    if publish:
        ProposalVersion.objects.create(proposal=proposal, title=title, body=body)
        dialogue.follow(target=proposal, by=by)
        _screen(proposal, by)
    list_cache.bump(proposal.component_id)
    return proposal


@transaction.atomic
def proposal_update_draft(
    *,
    proposal: Proposal,
    by: Any,
    title: str,
    body: str,
    topic_id: int | None = None,
    area_id: int | None = None,
    lon: float | None = None,
    lat: float | None = None,
) -> Proposal:
    """Change a draft (only its author, only while it is a draft)."""
    if proposal.author_id != getattr(by, "pk", None) or proposal.status != Status.DRAFT:
        raise PermissionDenied(_("Only the author can change a draft."))
    title, body = _clean_text(title, body)
    topic, area, lon, lat = _clean_place(proposal.organisation, topic_id, area_id, lon, lat)
    proposal.title, proposal.body, proposal.topic, proposal.area = title, body, topic, area
    proposal.lon, proposal.lat = lon, lat
    proposal.fingerprint = similarity.fingerprint(title, body)
    proposal.save()
    return proposal


@transaction.atomic
def proposal_publish(*, proposal: Proposal, by: Any) -> Proposal:
    """Publish one's draft (same checks as creating: permission and per-participant limit).

    Its images, documents and co-author invitations stay with it; the invitations made while it was a draft
    are e-mailed now."""
    if proposal.author_id != getattr(by, "pk", None) or proposal.status != Status.DRAFT:
        raise PermissionDenied(_("Only the author can publish a draft."))
    component = proposal.component
    _require(by, component, "create")
    _check_limit(component, by, exclude=proposal)
    proposal.status = Status.PUBLISHED
    proposal.published_at = timezone.now()
    proposal.save(update_fields=["status", "published_at", "updated_at"])
    ProposalVersion.objects.create(proposal=proposal, title=proposal.title, body=proposal.body)
    dialogue.follow(target=proposal, by=by)
    _screen(proposal, by)
    # Co-authors invited while it was a draft are told now that they can read it.
    for invitation in CoauthorInvitation.objects.filter(proposal=proposal, accepted_at__isnull=True):
        invitation.proposal = proposal
        _send_coauthor_invitation(invitation, by)
    list_cache.bump(proposal.component_id)
    return proposal


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, by: Any) -> Proposal:
    """The author withdraws a published proposal that has no official answer yet."""
    if proposal.author_id != getattr(by, "pk", None):
        raise PermissionDenied(_("Only the author can withdraw a proposal."))
    if proposal.status != Status.PUBLISHED:
        raise ValidationFailed(_("Only a published proposal can be withdrawn."))
    if proposal.answered_at:
        raise ValidationFailed(_("The town has answered this proposal: it can no longer be withdrawn."))
    proposal.status = Status.WITHDRAWN
    proposal.withdrawn_at = timezone.now()
    proposal.save(update_fields=["status", "withdrawn_at", "updated_at"])
    list_cache.bump(proposal.component_id)
    return proposal


def _supportable(proposal: Proposal) -> None:
    if proposal.status != Status.PUBLISHED or proposal.is_hidden:
        raise ValidationFailed(_("This proposal cannot be supported."))


@transaction.atomic
def proposal_support(*, proposal: Proposal, by: Any) -> Proposal:
    """Support a proposal, once per person, while the component's ``support`` action is open.

    Side effect: the first time the threshold is reached, ``threshold_reached_at`` is set (the town must answer).
    Errors: PermissionDenied (phase, verification level, signed out, blocked), Conflict (supported twice).
    """
    _require(by, proposal.component, "support", proposal)
    _supportable(proposal)
    try:
        with transaction.atomic():
            Support.objects.create(proposal=proposal, user=by)
    except IntegrityError:
        raise Conflict(_("You already support this proposal.")) from None
    Proposal.objects.filter(pk=proposal.pk).update(supports_count=F("supports_count") + 1)
    proposal.refresh_from_db(fields=["supports_count", "threshold_reached_at"])
    threshold = settings_of(proposal.component).support_threshold
    if threshold and proposal.supports_count >= threshold and proposal.threshold_reached_at is None:
        proposal.threshold_reached_at = timezone.now()
        proposal.save(update_fields=["threshold_reached_at"])
    list_cache.bump(proposal.component_id)
    return proposal


@transaction.atomic
def proposal_unsupport(*, proposal: Proposal, by: Any) -> Proposal:
    """Withdraw one's support; possible only while supporting is open (until the phase ends)."""
    _require(by, proposal.component, "support", proposal)
    deleted, _rows = Support.objects.filter(proposal=proposal, user=by).delete()
    if not deleted:
        raise ValidationFailed(_("You do not support this proposal."))
    Proposal.objects.filter(pk=proposal.pk).update(supports_count=F("supports_count") - 1)
    proposal.refresh_from_db(fields=["supports_count"])
    list_cache.bump(proposal.component_id)
    return proposal


def set_hidden(proposal: Proposal, hidden: bool) -> None:
    """Called by the dialogue's moderation to hide or show a proposal."""
    Proposal.objects.filter(pk=proposal.pk).update(is_hidden=hidden)
    proposal.is_hidden = hidden
    list_cache.bump(proposal.component_id)


def set_debate_hidden(debate: Debate, hidden: bool) -> None:
    Debate.objects.filter(pk=debate.pk).update(is_hidden=hidden)
    debate.is_hidden = hidden


# --- Images and documents -----------------------------------------------------------------------------

MAX_ATTACHMENTS = 6
ATTACHMENT_ERRORS = {
    "too_big": _("This file is too big (10 MB at most)."),
    "not_an_image": _("This file is not an image we can read (JPEG, PNG, WebP or GIF)."),
    "too_large_image": _("This image has too many pixels."),
    "not_a_pdf": _("This document is not a readable PDF file."),
    "active_pdf": _(
        "This PDF contains scripts, launch actions or embedded files: please export it again without them."
    ),
    "unsupported": _("Only images (JPEG, PNG, WebP, GIF) and PDF documents can be attached."),
}


@transaction.atomic
def proposal_attach(*, proposal: Proposal, by: Any, data: bytes, description: str) -> ProposalAttachment:
    """Attach an image or a PDF to one's proposal (draft or published), recognised by its content.

    Preconditions: ``by`` is the author; fewer than MAX_ATTACHMENTS; a description (an image's text alternative, a
    document's title) of 3 to 300 characters. Side effects: images are re-encoded without their metadata.
    Errors: PermissionDenied (not the author, proposal closed), ValidationFailed (fields file, description).
    """
    if proposal.author_id != getattr(by, "pk", None):
        raise PermissionDenied(_("Only the author can add images and documents to a proposal."))
    if proposal.status not in (Status.DRAFT, Status.PUBLISHED):
        raise PermissionDenied(_("This proposal can no longer be changed."))
    try:
        checked = attachments.check(data)
    except attachments.AttachmentError as exc:
        raise ValidationFailed(ATTACHMENT_ERRORS[exc.code], field="file") from None
    description = " ".join((description or "").split())
    if not 3 <= len(description) <= 300:
        message = (
            _("Describe what the image shows for people who cannot see it (3 to 300 characters).")
            if checked.kind == "image"
            else _("Give the document a title (3 to 300 characters).")
        )
        raise ValidationFailed(message, field="description")
    if ProposalAttachment.objects.filter(proposal=proposal).count() >= MAX_ATTACHMENTS:
        raise ValidationFailed(
            _("A proposal can have %(n)d images and documents at most.") % {"n": MAX_ATTACHMENTS},
            field="file",
        )
    attachment = ProposalAttachment(
        proposal=proposal,
        kind=checked.kind,
        description=description,
        size=len(checked.data),
        width=checked.width,
        height=checked.height,
    )
    attachment.file.save(
        f"{secrets.token_hex(16)}.{checked.extension}", ContentFile(checked.data), save=False
    )
    attachment.save()
    list_cache.bump(proposal.component_id)
    return attachment


@transaction.atomic
def proposal_detach(*, attachment: ProposalAttachment, by: Any) -> None:
    """Remove an image or document: its proposal's author, or a moderator of the organisation."""
    proposal = attachment.proposal
    if proposal.author_id != getattr(by, "pk", None) and not dialogue.can_moderate(by, proposal.organisation):
        raise PermissionDenied(_("Only the author can remove this file."))
    name = attachment.file.name
    storage = attachment.file.storage
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))
    list_cache.bump(proposal.component_id)


# --- Co-authors --------------------------------------------------------------------------------------

MAX_COAUTHORS = 5
INVITATION_DAYS = 14
INVITATION_SALT = "consultations.coauthor"


def coauthor_link(invitation: CoauthorInvitation) -> str:
    """The absolute, signed acceptance link of an invitation (valid INVITATION_DAYS days)."""
    proposal = invitation.proposal
    token = signing.dumps({"i": invitation.pk, "e": invitation.email}, salt=INVITATION_SALT)
    path = reverse(
        "consultations:coauthor_accept",
        kwargs={
            "process_slug": proposal.component.process.slug,
            "component_id": proposal.component_id,
            "public_id": proposal.public_id,
            "token": token,
        },
    )
    organisation = proposal.organisation
    base = str(getattr(django_settings, "PARLONS_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")
    prefix = "" if organisation.is_default else f"/o/{organisation.slug}"
    return f"{base}{prefix}{path.removeprefix(get_script_prefix().rstrip('/'))}"


@transaction.atomic
def coauthor_invite(*, proposal: Proposal, by: Any, email: str) -> CoauthorInvitation:
    """The author invites someone, by e-mail, to sign the proposal with them.

    Preconditions: ``by`` is the author; the proposal is a draft or published; fewer than MAX_COAUTHORS invitations.
    Side effect: an e-mail with a signed link, in the organisation's language, once the transaction has committed;
    for a draft, the invitation waits and the e-mail goes when the draft is published (nobody can read a draft).
    Errors: PermissionDenied, ValidationFailed (field email), Conflict (already invited).
    """
    if proposal.author_id != getattr(by, "pk", None):
        raise PermissionDenied(_("Only the author can invite co-authors."))
    if proposal.status not in (Status.DRAFT, Status.PUBLISHED):
        raise PermissionDenied(_("This proposal can no longer be changed."))
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed(_("Enter a valid e-mail address."), field="email") from None
    if email == (by.email or "").lower():
        raise ValidationFailed(_("You are already the author of this proposal."), field="email")
    if CoauthorInvitation.objects.filter(proposal=proposal).count() >= MAX_COAUTHORS:
        raise ValidationFailed(
            _("A proposal can have %(n)d co-authors at most.") % {"n": MAX_COAUTHORS}, field="email"
        )
    try:
        with transaction.atomic():
            invitation = CoauthorInvitation.objects.create(proposal=proposal, email=email, invited_by=by)
    except IntegrityError:
        raise Conflict(_("This person is already invited.")) from None
    if proposal.status == Status.PUBLISHED:
        _send_coauthor_invitation(invitation, by)
    return invitation


def _send_coauthor_invitation(invitation: CoauthorInvitation, by: Any) -> None:
    """E-mail the signed link of an invitation once the transaction has committed."""
    proposal = invitation.proposal
    organisation = proposal.organisation
    context = {
        "organisation": organisation,
        "inviter": by.public_name,
        "title": proposal.title,
        "url": coauthor_link(invitation),
        "days": INVITATION_DAYS,
    }
    email = invitation.email

    def send() -> None:
        with translation.override(organisation.default_language or django_settings.LANGUAGE_CODE):
            subject = _("%(name)s invites you to co-sign a proposal") % {"name": by.public_name}
            body = render_to_string("consultations/email/coauthor_invitation.txt", context)
            send_mail(str(subject)[:200], body, None, [email])

    transaction.on_commit(send)


@transaction.atomic
def coauthor_accept(*, token: str, by: Any) -> Proposal:
    """A signed-in person accepts an invitation: they become a co-author and follow the proposal.

    Errors: PermissionDenied (signed out), ValidationFailed (link invalid, expired, already used; the author).
    """
    if by is None or not by.is_authenticated:
        raise PermissionDenied(_("Sign in to accept the invitation."))
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=timedelta(days=INVITATION_DAYS))
    except signing.BadSignature:
        raise ValidationFailed(_("This invitation link is invalid or has expired.")) from None
    invitation = (
        CoauthorInvitation.objects.select_for_update()
        .select_related("proposal")
        .filter(pk=data.get("i"), email=data.get("e"))
        .first()
    )
    if invitation is None or invitation.accepted_at is not None:
        raise ValidationFailed(_("This invitation link is invalid or was already used."))
    proposal = invitation.proposal
    if proposal.status != Status.PUBLISHED:
        raise ValidationFailed(_("This proposal can no longer be signed."))
    if (
        proposal.author_id == by.pk
        or CoauthorInvitation.objects.filter(proposal=proposal, accepted_by=by).exists()
    ):
        raise ValidationFailed(_("You already sign this proposal."))
    invitation.accepted_by = by
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_by", "accepted_at"])
    dialogue.follow(target=proposal, by=by)
    return proposal


def coauthors_of(proposal: Proposal) -> list[Any]:
    """The people who accepted to sign the proposal, in the order they accepted."""
    return [
        i.accepted_by
        for i in CoauthorInvitation.objects.filter(proposal=proposal, accepted_by__isnull=False)
        .select_related("accepted_by")
        .order_by("accepted_at")
    ]


# --- Amendments ---------------------------------------------------------------------------------------


@transaction.atomic
def amendment_create(*, proposal: Proposal, by: Any, title: str, body: str) -> Amendment:
    """Propose an amended version of someone else's proposal; its author will accept or reject it.

    Side effect: the spam check may hold it, hidden, for the moderators.
    Errors: PermissionDenied (own proposal, phase, level), ValidationFailed (texts, unchanged text).
    """
    if by is not None and by.is_authenticated and proposal.author_id == by.pk:
        raise PermissionDenied(_("You cannot amend your own proposal."))
    _require(by, proposal.component, "amend", proposal)
    if proposal.status != Status.PUBLISHED or proposal.is_hidden:
        raise ValidationFailed(_("This proposal cannot be amended."))
    title, body = _clean_text(title, body)
    if title == proposal.title and body == proposal.body:
        raise ValidationFailed(_("The amended version is identical to the proposal."), field="body")
    amendment = Amendment.objects.create(proposal=proposal, author=by, title=title, body=body)
    score = dialogue.screen_text(body=f"{title}\n{body}", by=by, organisation=proposal.organisation)
    if score.suspicious(dialogue.spam_threshold()):
        set_amendment_hidden(amendment, True)
        dialogue.hold_for_review(
            target=amendment, organisation=proposal.organisation, author=by, excerpt=body, score=score
        )
    return amendment


def set_amendment_hidden(amendment: Amendment, hidden: bool) -> None:
    """Called by the dialogue's moderation (and the spam check) to hide or show an amendment."""
    Amendment.objects.filter(pk=amendment.pk).update(is_hidden=hidden)
    amendment.is_hidden = hidden


def _decide(amendment: Amendment, by: Any) -> None:
    if amendment.proposal.author_id != getattr(by, "pk", None):
        raise PermissionDenied(_("Only the author of the proposal can accept or reject an amendment."))
    if amendment.state != Amendment.State.PENDING:
        raise ValidationFailed(_("This amendment was already decided."))
    if amendment.is_hidden:
        raise ValidationFailed(_("This amendment is waiting for the moderators."))


@transaction.atomic
def amendment_accept(*, amendment: Amendment, by: Any) -> Proposal:
    """The proposal's author takes the amended text; the previous text stays in the versions."""
    _decide(amendment, by)
    proposal = amendment.proposal
    proposal.title, proposal.body = amendment.title, amendment.body
    proposal.fingerprint = similarity.fingerprint(proposal.title, proposal.body)
    proposal.save(update_fields=["title", "body", "fingerprint", "updated_at"])
    author = amendment.author.public_name if amendment.author else ""
    ProposalVersion.objects.create(
        proposal=proposal,
        title=proposal.title,
        body=proposal.body,
        note=str(_("Amendment by %(name)s") % {"name": author})[:200],
    )
    amendment.state = Amendment.State.ACCEPTED
    amendment.decided_at = timezone.now()
    amendment.save(update_fields=["state", "decided_at", "updated_at"])
    list_cache.bump(proposal.component_id)
    return proposal


@transaction.atomic
def amendment_reject(*, amendment: Amendment, by: Any) -> Amendment:
    _decide(amendment, by)
    amendment.state = Amendment.State.REJECTED
    amendment.decided_at = timezone.now()
    amendment.save(update_fields=["state", "decided_at", "updated_at"])
    return amendment


@transaction.atomic
def amendment_promote(*, amendment: Amendment, by: Any) -> Proposal:
    """The author of a rejected amendment publishes it as a proposal of their own."""
    if amendment.author_id != getattr(by, "pk", None):
        raise PermissionDenied(_("Only the author of the amendment can do this."))
    if amendment.state != Amendment.State.REJECTED:
        raise ValidationFailed(_("Only a rejected amendment can become its own proposal."))
    original = amendment.proposal
    proposal = proposal_create(
        component=original.component,
        by=by,
        title=amendment.title,
        body=amendment.body,
        topic_id=original.topic_id,
        area_id=original.area_id,
        lon=original.lon,
        lat=original.lat,
    )
    amendment.state = Amendment.State.PROMOTED
    amendment.promoted_to = proposal
    amendment.save(update_fields=["state", "promoted_to", "updated_at"])
    return proposal


# --- Official answers ---------------------------------------------------------------------------------


def answer_states(organisation: Organisation) -> list[tuple[str, str, str]]:
    """(slug, label, base) of every answer state of the organisation: the four base ones, then custom ones."""
    states = [(value, str(label), value) for value, label in BaseAnswer.choices]
    states += [(s.slug, s.label, s.base) for s in AnswerState.objects.for_organisation(organisation)]
    return states


def answer_label(organisation: Organisation, slug: str) -> str:
    return next((label for value, label, _b in answer_states(organisation) if value == slug), slug)


@transaction.atomic
def answer_state_create(*, organisation: Organisation, by: Any, label: str, base: str) -> AnswerState:
    """Add a custom answer state (e.g. "Passed to the metropolis") that counts as one of the base states."""
    if by is not None and not permissions.is_admin(by, organisation):
        raise PermissionDenied(_("Only administrators can add answer states."))
    label = label.strip()
    if not label or len(label) > 100:
        raise ValidationFailed(_("Give the state a name of at most 100 characters."), field="label")
    if base not in BaseAnswer.values:
        raise ValidationFailed(_("Choose what the state counts as."), field="base")
    slug = slugify(label)[:60] or "etat"
    if (
        slug in BaseAnswer.values
        or AnswerState.objects.for_organisation(organisation).filter(slug=slug).exists()
    ):
        raise Conflict(_("This state already exists."), field="label")
    return AnswerState.objects.create(organisation=organisation, slug=slug, label=label, base=base)


def _parse_cost(cost: Any) -> Decimal | None:
    if cost in (None, ""):
        return None
    try:
        value = Decimal(str(cost).replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise ValidationFailed(_("Give the cost as a number of euros."), field="cost") from None
    if value < 0 or value >= Decimal("1e10"):
        raise ValidationFailed(_("Give the cost as a number of euros."), field="cost")
    return value.quantize(Decimal("0.01"))


@transaction.atomic
def proposal_answer_prepare(
    *,
    proposal: Proposal,
    by: Any,
    state: str,
    body: str,
    cost: Any = None,
    implementation_label: str = "",
    implementation_url: str = "",
) -> Proposal:
    """Prepare (privately) the official answer to a proposal; ``proposal_answers_publish`` makes it public."""
    _require_staff(by, proposal.organisation)
    if state not in {s for s, _l, _b in answer_states(proposal.organisation)}:
        raise ValidationFailed(_("Choose an answer state."), field="state")
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("An official answer needs a text."), field="body")
    if implementation_url and not implementation_url.startswith(("https://", "http://", "/")):
        raise ValidationFailed(_("Give a web address."), field="implementation_url")
    proposal.draft_answer_state = state
    proposal.draft_answer_body = body[:10000]
    proposal.draft_answer_cost = _parse_cost(cost)
    proposal.implementation_label = implementation_label.strip()[:200]
    proposal.implementation_url = implementation_url.strip()[:200]
    proposal.save()
    return proposal


@transaction.atomic
def proposal_answers_publish(
    *, component: Component, by: Any, proposal_ids: Iterable[int] | None = None
) -> int:
    """Publish the prepared answers (all of the component's, or those listed) at once.

    Each publication goes to the core decision trail (kind ``answer``) and so to the transparency log.
    Returns how many answers were published.
    """
    organisation = _org(component)
    _require_staff(by, organisation)
    qs = Proposal.objects.filter(component=component).exclude(draft_answer_state="").select_for_update()
    if proposal_ids is not None:
        qs = qs.filter(pk__in=list(proposal_ids))
    labels = {slug: label for slug, label, _b in answer_states(organisation)}
    count = 0
    for proposal in qs:
        previous = proposal.answer_state
        proposal.answer_state = proposal.draft_answer_state
        proposal.answer_body = proposal.draft_answer_body
        proposal.answer_cost = proposal.draft_answer_cost
        proposal.answered_at = timezone.now()
        proposal.draft_answer_state, proposal.draft_answer_body, proposal.draft_answer_cost = "", "", None
        proposal.save()
        body = proposal.answer_body
        if proposal.answer_cost is not None:
            body += "\n\n" + str(_("Estimated cost: %(cost)s €") % {"cost": proposal.answer_cost})
        if proposal.implementation_label:
            body += "\n\n" + str(_("Implemented by: %(what)s") % {"what": proposal.implementation_label})
        decision_record(
            organisation=organisation,
            subject=proposal,
            by=by,
            kind=DecisionEvent.Kind.ANSWER,
            from_status=labels.get(previous, previous),
            to_status=labels.get(proposal.answer_state, proposal.answer_state),
            body=body,
            author_role=organisation.name,
        )
        count += 1
    list_cache.bump(component.pk)
    return count


# --- Merge and split ----------------------------------------------------------------------------------


@transaction.atomic
def proposal_merge(
    *, component: Component, by: Any, proposal_ids: Sequence[int], title: str, body: str
) -> Proposal:
    """Merge duplicates into one new proposal: the distinct supporters, the followers and the comments move
    to it; the originals are marked merged and point to it (their pages redirect there)."""
    organisation = _org(component)
    _require_staff(by, organisation)
    originals = list(
        Proposal.objects.filter(
            component=component, pk__in=list(proposal_ids), status=Status.PUBLISHED
        ).order_by("pk")
    )
    if len(originals) < 2 or len(originals) != len(set(proposal_ids)):
        raise ValidationFailed(_("Choose at least two published proposals of this space."), field="proposals")
    title, body = _clean_text(title, body)
    first = originals[0]
    result = Proposal.objects.create(
        organisation=organisation,
        component=component,
        author=None,
        title=title,
        body=body,
        topic=first.topic,
        area=first.area,
        lon=first.lon,
        lat=first.lat,
        status=Status.PUBLISHED,
        published_at=timezone.now(),
        fingerprint=similarity.fingerprint(title, body),
    )
    ProposalVersion.objects.create(proposal=result, title=title, body=body, note=str(_("Merge"))[:200])
    supporters = set(Support.objects.filter(proposal__in=originals).values_list("user_id", flat=True))
    Support.objects.bulk_create([Support(proposal=result, user_id=uid) for uid in supporters])
    Support.objects.filter(proposal__in=originals).delete()
    result.supports_count = len(supporters)
    threshold = settings_of(component).support_threshold
    if threshold and result.supports_count >= threshold:
        result.threshold_reached_at = timezone.now()
    result.save(update_fields=["supports_count", "threshold_reached_at"])
    for original in originals:
        dialogue.dialogue_move(source=original, destination=result)
        Proposal.objects.filter(pk=original.pk).update(
            status=Status.MERGED, merged_into=result, supports_count=0, updated_at=timezone.now()
        )
        decision_record(
            organisation=organisation,
            subject=original,
            by=by,
            kind=DecisionEvent.Kind.STATUS,
            from_status=str(Status.PUBLISHED.label),
            to_status=str(Status.MERGED.label),
            body=str(_("Merged into “%(title)s”.") % {"title": title}),
            author_role=organisation.name,
        )
    result.refresh_from_db()
    list_cache.bump(component.pk)
    return result


@transaction.atomic
def proposal_split(*, proposal: Proposal, by: Any, parts: Sequence[tuple[str, str]]) -> list[Proposal]:
    """Split a proposal into several: each part keeps the author, topic, district and supporters of the
    original (who backed the whole); the original is marked split and lists its parts."""
    organisation = proposal.organisation
    _require_staff(by, organisation)
    if proposal.status != Status.PUBLISHED:
        raise ValidationFailed(_("Only a published proposal can be split."))
    if len(parts) < 2:
        raise ValidationFailed(_("Give at least two parts."), field="parts")
    cleaned = [_clean_text(t, b) for t, b in parts]
    supporters = list(Support.objects.filter(proposal=proposal).values_list("user_id", flat=True))
    created = []
    now = timezone.now()
    for title, body in cleaned:
        part = Proposal.objects.create(
            organisation=organisation,
            component=proposal.component,
            author=proposal.author,
            title=title,
            body=body,
            topic=proposal.topic,
            area=proposal.area,
            lon=proposal.lon,
            lat=proposal.lat,
            status=Status.PUBLISHED,
            published_at=now,
            split_from=proposal,
            fingerprint=similarity.fingerprint(title, body),
            supports_count=len(supporters),
        )
        ProposalVersion.objects.create(proposal=part, title=title, body=body, note=str(_("Split"))[:200])
        Support.objects.bulk_create([Support(proposal=part, user_id=uid) for uid in supporters])
        created.append(part)
    proposal.status = Status.SPLIT
    proposal.save(update_fields=["status", "updated_at"])
    decision_record(
        organisation=organisation,
        subject=proposal,
        by=by,
        kind=DecisionEvent.Kind.STATUS,
        from_status=str(Status.PUBLISHED.label),
        to_status=str(Status.SPLIT.label),
        body="\n".join(f"– {p.title}" for p in created),
        author_role=organisation.name,
    )
    list_cache.bump(proposal.component_id)
    return created


# --- Debates ------------------------------------------------------------------------------------------


@transaction.atomic
def debate_create(*, component: Component, by: Any, title: str, body: str) -> Debate:
    """Open a debate (staff, or participants when the component allows it).

    Side effect: the spam check may hide it pending review (staff texts are never held)."""
    _require(by, component, "debate")
    title, body = _clean_text(title, body)
    organisation = _org(component)
    debate = Debate.objects.create(
        organisation=organisation,
        component=component,
        author=by,
        is_official=permissions.is_staff(by, organisation),
        title=title,
        body=body,
    )
    dialogue.follow(target=debate, by=by)
    _screen(debate, by)
    return debate


@transaction.atomic
def debate_close(*, debate: Debate, by: Any, conclusion: str) -> Debate:
    """Close a debate with its published conclusion (staff); recorded in the decision trail."""
    organisation = debate.organisation
    _require_staff(by, organisation)
    if debate.is_closed:
        raise ValidationFailed(_("This debate is already closed."))
    conclusion = (conclusion or "").strip()
    if not conclusion:
        raise ValidationFailed(_("Write the conclusion of the debate."), field="conclusion")
    debate.closed_at = timezone.now()
    debate.conclusion = conclusion[:10000]
    debate.save(update_fields=["closed_at", "conclusion", "updated_at"])
    decision_record(
        organisation=organisation,
        subject=debate,
        by=by,
        kind=DecisionEvent.Kind.STATUS,
        to_status=str(_("Closed")),
        body=debate.conclusion,
        author_role=organisation.name,
    )
    return debate
