"""Co-authors invited by e-mail: a signed link, accepted by a signed-in person, once."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from parlons.common.errors import Conflict, PermissionDenied, ValidationFailed
from parlons.modules.consultations import services
from parlons.modules.consultations.models import CoauthorInvitation
from parlons.modules.consultations.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(org, component, citizen):
    return ProposalFactory(organisation=org, component=component, author=citizen, title="Un verger partagé")


def _text(message) -> str:
    """The text of a message that went through the e-mail queue (rendered MIME, quoted-printable or base64)."""
    import email

    mime = email.message_from_bytes(message._raw)
    part = next(p for p in mime.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def _link(message) -> str:
    return re.search(r"https?://\S+", _text(message)).group(0)


def test_invitation_mail_link_then_acceptance_by_a_signed_in_person(
    proposal, citizen, other_citizen, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.coauthor_invite(proposal=proposal, by=citizen, email="Karim@Example.test ")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["karim@example.test"]
    assert "Un verger partagé" in _text(mail.outbox[0])
    path = _link(mail.outbox[0]).split("://", 1)[1].split("/", 1)[1]
    path = "/" + path
    anonymous = client_for().get(path)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    guest = client_for(other_citizen)
    assert guest.get(path).status_code == 200 and not CoauthorInvitation.objects.filter(
        accepted_at__isnull=False
    )
    assert guest.post(path).status_code == 302
    invitation = CoauthorInvitation.objects.get()
    assert invitation.accepted_by == other_citizen
    page = client_for().get(proposal.get_absolute_url()).content.decode()
    assert other_citizen.public_name in page
    with pytest.raises(ValidationFailed, match="already used"):
        services.coauthor_accept(token=path.rstrip("/").rsplit("/", 1)[1], by=other_citizen)


def test_only_the_author_invites_once_per_address(proposal, citizen, other_citizen):
    with pytest.raises(PermissionDenied):
        services.coauthor_invite(proposal=proposal, by=other_citizen, email="a@example.test")
    with pytest.raises(ValidationFailed) as exc:
        services.coauthor_invite(proposal=proposal, by=citizen, email="not an address")
    assert exc.value.field == "email"
    services.coauthor_invite(proposal=proposal, by=citizen, email="a@example.test")
    with pytest.raises(Conflict):
        services.coauthor_invite(proposal=proposal, by=citizen, email="A@example.test")


def test_tampered_or_foreign_links_are_refused(proposal, citizen, other_citizen):
    services.coauthor_invite(proposal=proposal, by=citizen, email="a@example.test")
    with pytest.raises(ValidationFailed, match="invalid"):
        services.coauthor_accept(token="eyJpIjoxfQ:forged:signature", by=other_citizen)
    from django.core import signing

    token = signing.dumps(
        {"i": CoauthorInvitation.objects.get().pk, "e": "a@example.test"}, salt=services.INVITATION_SALT
    )
    with pytest.raises(ValidationFailed, match="already sign"):
        services.coauthor_accept(token=token, by=citizen)  # the author cannot co-sign
