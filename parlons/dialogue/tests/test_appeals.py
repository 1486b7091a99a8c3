"""Appeals by the author of moderated content, end to end: hidden with a justification and told so by e-mail,
the appeal sent from the author's page, seen in the organisation's queue, decided by a moderator with a
justification, logged, and the author told the decision."""

from __future__ import annotations

import pytest
from django.core import mail

from parlons.common.errors import Conflict, PermissionDenied, ValidationFailed
from parlons.core.tests.factories import MembershipFactory
from parlons.dialogue import services
from parlons.dialogue.models import Comment, Moderation, ModerationAction, UserBlock, Visibility
from parlons.modules.consultations.models import Proposal
from parlons.modules.consultations.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "parlons.notifications.email_backend.QueuedEmailBackend"
    settings.PARLONS_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def proposal(org):
    return ProposalFactory(organisation=org)


@pytest.fixture
def hidden_comment(proposal, citizen, moderator, django_capture_on_commit_callbacks):
    comment = services.comment_post(target=proposal, by=citizen, body="Le maire ne comprend rien au vélo.")
    case = services.content_flag(target=comment, by=moderator, reason="offensive")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.moderation_hide(moderation=case, by=moderator, justification="Attaque personnelle.")
    return comment


def _text(message) -> str:
    """The text of a message that went through the e-mail queue (rendered MIME)."""
    import email

    mime = email.message_from_bytes(message._raw)
    part = next(p for p in mime.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def _case(target) -> Moderation:
    return Moderation.objects.get(object_id=str(target.pk))


def test_appeal_granted_end_to_end(
    hidden_comment, citizen, moderator, client_for, django_capture_on_commit_callbacks
):
    # The author is told, by e-mail, what was hidden, why, and where to appeal.
    [notice] = [m for m in mail.outbox if citizen.email in m.to]
    assert "Attaque personnelle." in _text(notice) and "/dialogue/moderation/mine/" in _text(notice)
    author = client_for(citizen)
    page = author.get("/dialogue/moderation/mine/").content.decode()
    assert "Attaque personnelle." in page and "Send my appeal" in page
    case = _case(hidden_comment)
    response = author.post(
        f"/dialogue/moderation/{case.pk}/appeal/",
        {
            "explanation": "C'est une critique de la politique, pas de la personne.",
            "next": "/dialogue/moderation/mine/",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.appealed and case.state == Moderation.State.PENDING and case.is_hidden
    assert ModerationAction.objects.filter(moderation=case, kind="appeal", by=citizen).exists()
    # The appeal reaches the organisation's queue with its text and the reason of the hiding.
    queue = client_for(moderator).get("/dialogue/moderation/").content.decode()
    assert "Appealed by the author" in queue and "pas de la personne" in queue
    assert "Attaque personnelle." in queue and "Grant the appeal and restore" in queue
    # A decision needs a justification; without one nothing changes.
    client_for(moderator).post(f"/dialogue/moderation/{case.pk}/", {"action": "grant", "justification": " "})
    assert _case(hidden_comment).appealed
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(moderator).post(
            f"/dialogue/moderation/{case.pk}/",
            {"action": "grant", "justification": "Critique légitime d'une politique publique."},
        )
    case.refresh_from_db()
    assert not case.appealed and not case.is_hidden and case.state == Moderation.State.RESTORED
    assert Comment.objects.get(pk=hidden_comment.pk).visibility == Visibility.VISIBLE
    logged = ModerationAction.objects.get(moderation=case, kind="granted")
    assert logged.by == moderator and logged.justification == "Critique légitime d'une politique publique."
    [decision] = [m for m in mail.outbox if citizen.email in m.to]
    assert "granted" in _text(decision) and "Critique légitime" in _text(decision)
    assert "Appeal granted: visible again" in author.get("/dialogue/moderation/mine/").content.decode()
    assert (
        "Appeal granted" in client_for(moderator).get("/dialogue/moderation/?state=restored").content.decode()
    )


def test_appeal_dismissed_is_final(
    hidden_comment, citizen, moderator, client_for, django_capture_on_commit_callbacks
):
    case = _case(hidden_comment)
    services.moderation_appeal(moderation=case, by=citizen, explanation="Je ne visais personne.")
    with pytest.raises(Conflict):
        services.moderation_appeal(moderation=case, by=citizen, explanation="Encore !")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.moderation_appeal_decide(
            moderation=case, by=moderator, grant=False, justification="Le nom du maire est cité."
        )
    case.refresh_from_db()
    assert case.is_hidden and not case.appealed and case.state == Moderation.State.HIDDEN
    assert Comment.objects.get(pk=hidden_comment.pk).visibility == Visibility.HIDDEN
    assert ModerationAction.objects.filter(moderation=case, kind="dismissed").exists()
    [decision] = [m for m in mail.outbox if citizen.email in m.to]
    assert "dismissed" in _text(decision) and "Le nom du maire est cité." in _text(decision)
    with pytest.raises(Conflict):
        services.moderation_appeal(moderation=case, by=citizen, explanation="Une seconde fois")
    page = client_for(citizen).get("/dialogue/moderation/mine/").content.decode()
    assert "Appeal dismissed: stays hidden" in page and "Send my appeal" not in page


def test_only_the_author_appeals_hidden_content_with_a_text(
    hidden_comment, proposal, citizen, org, moderator
):
    case = _case(hidden_comment)
    stranger = MembershipFactory(organisation=org).user
    with pytest.raises(PermissionDenied):
        services.moderation_appeal(moderation=case, by=stranger, explanation="Je défends mon voisin.")
    with pytest.raises(ValidationFailed):
        services.moderation_appeal(moderation=case, by=citizen, explanation="   ")
    with pytest.raises(ValidationFailed):
        services.moderation_appeal(moderation=case, by=citizen, explanation="x" * 2001)
    visible = services.comment_post(target=proposal, by=citizen, body="Un autre avis")
    flagged = services.content_flag(target=visible, by=moderator, reason="spam")
    with pytest.raises(ValidationFailed):
        services.moderation_appeal(moderation=flagged, by=citizen, explanation="Rien n'est caché.")
    assert not ModerationAction.objects.filter(kind="appeal").exists()
    # Deciding needs a moderator and a waiting appeal.
    services.moderation_appeal(moderation=case, by=citizen, explanation="Ce n'était pas insultant.")
    with pytest.raises(PermissionDenied):
        services.moderation_appeal_decide(moderation=case, by=stranger, grant=True, justification="Moi.")
    with pytest.raises(ValidationFailed):
        services.moderation_appeal_decide(moderation=flagged, by=moderator, grant=True, justification="Ok.")
    assert _case(hidden_comment).appealed


def test_blocked_author_appeals_and_may_be_unblocked(proposal, citizen, org, moderator, client_for):
    comment = services.comment_post(target=proposal, by=citizen, body="Un message jugé agressif")
    case = services.content_flag(target=comment, by=moderator, reason="offensive")
    client_for(moderator).post(
        f"/dialogue/moderation/{case.pk}/", {"action": "block", "justification": "Propos agressifs répétés."}
    )
    assert UserBlock.objects.filter(organisation=org, user=citizen).exists()
    # Blocked from posting, not from appealing.
    response = client_for(citizen).post(
        f"/dialogue/moderation/{case.pk}/appeal/", {"explanation": "Je m'excuse, c'était mal formulé."}
    )
    assert response.status_code == 302 and Moderation.objects.get(pk=case.pk).appealed
    queue = client_for(moderator).get("/dialogue/moderation/").content.decode()
    assert "also let the author take part again" in queue
    client_for(moderator).post(
        f"/dialogue/moderation/{case.pk}/",
        {"action": "grant", "justification": "Excuses acceptées.", "unblock": "1"},
    )
    assert not UserBlock.objects.filter(organisation=org, user=citizen).exists()
    assert ModerationAction.objects.filter(kind="unblock", subject_user=citizen).exists()
    assert Comment.objects.get(pk=comment.pk).visibility == Visibility.VISIBLE


def test_hidden_proposal_appealed_and_restored(org, moderator, client_for):
    proposal = ProposalFactory(organisation=org)
    author = proposal.author
    flaggers = [MembershipFactory(organisation=org).user for _ in range(3)]
    for flagger in flaggers:
        services.content_flag(target=proposal, by=flagger, reason="off_topic")
    assert Proposal.objects.get(pk=proposal.pk).is_hidden
    case = _case(proposal)
    page = client_for(author).get(proposal.get_absolute_url()).content.decode()
    assert "Why, and how to appeal" in page
    services.moderation_appeal(
        moderation=case, by=author, explanation="La proposition concerne bien le quartier."
    )
    # Restoring an appealed case from the usual button is the appeal granted.
    services.moderation_restore(moderation=case, by=moderator, justification="Elle est dans le sujet.")
    assert not Proposal.objects.get(pk=proposal.pk).is_hidden
    assert ModerationAction.objects.filter(moderation=case, kind="granted").exists()


def test_appeals_stay_inside_their_organisation(hidden_comment, citizen, other_org, client_for):
    case = _case(hidden_comment)
    services.moderation_appeal(moderation=case, by=citizen, explanation="Ce n'était pas insultant.")
    outsider_moderator = MembershipFactory(organisation=other_org, role="moderator").user
    other = client_for(outsider_moderator, organisation=other_org)
    assert "pas insultant" not in other.get("/dialogue/moderation/").content.decode()
    response = other.post(f"/dialogue/moderation/{case.pk}/", {"action": "grant", "justification": "Non."})
    assert response.status_code == 404 and Moderation.objects.get(pk=case.pk).appealed
    response = client_for(citizen, organisation=other_org).post(
        f"/dialogue/moderation/{case.pk}/appeal/", {"explanation": "Ailleurs"}
    )
    assert response.status_code == 404
    assert (
        "pas insultant"
        not in client_for(citizen, organisation=other_org).get("/dialogue/moderation/mine/").content.decode()
    )
