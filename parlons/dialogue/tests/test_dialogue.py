"""Comments, edits, deletion, up-votes, mentions, flags, moderation and rate limits (on a proposal)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from parlons.common.errors import Conflict, PermissionDenied, ValidationFailed
from parlons.core.tests.factories import MembershipFactory
from parlons.dialogue import services, spam
from parlons.dialogue.models import Comment, CommentRevision, Moderation, ModerationAction, Visibility
from parlons.dialogue.ratelimit import RateLimited
from parlons.modules.consultations.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "parlons.notifications.email_backend.QueuedEmailBackend"
    settings.PARLONS_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def proposal(org):
    return ProposalFactory(organisation=org)


def test_three_levels_then_flattened(proposal, citizen):
    root = services.comment_post(target=proposal, by=citizen, body="Niveau 1")
    reply = services.comment_post(target=proposal, by=citizen, body="Niveau 2", parent=root)
    third = services.comment_post(target=proposal, by=citizen, body="Niveau 3", parent=reply)
    fourth = services.comment_post(target=proposal, by=citizen, body="Niveau 4", parent=third)
    assert [c.depth for c in (root, reply, third, fourth)] == [0, 1, 2, 2]
    assert fourth.parent == reply
    proposal.refresh_from_db()
    assert proposal.comments_count == 4


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001])
def test_empty_or_oversized_refused(proposal, citizen, body):
    with pytest.raises(ValidationFailed) as exc:
        services.comment_post(target=proposal, by=citizen, body=body)
    assert exc.value.field == "body" and not Comment.objects.exists()


def test_injection_comes_out_inert(proposal, citizen, client_for):
    attack = '<script>alert(1)</script><img src=x onerror=alert(2)> "><a href="javascript:alert(3)">x</a>'
    services.comment_post(target=proposal, by=citizen, body=attack)
    html = client_for(citizen).get(proposal.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html and 'href="javascript:' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_edit_within_window_keeps_history(proposal, citizen, other_org):
    comment = services.comment_post(target=proposal, by=citizen, body="Première version")
    services.comment_edit(comment=comment, by=citizen, body="Deuxième version")
    comment.refresh_from_db()
    assert comment.edited_at and CommentRevision.objects.get(comment=comment).body == "Première version"


def test_edit_after_window_refused(proposal, citizen):
    comment = services.comment_post(target=proposal, by=citizen, body="Trop tard")
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(PermissionDenied) as exc:
        services.comment_edit(comment=comment, by=citizen, body="Changement")
    assert exc.value.code == "edit_window"
    assert Comment.objects.get(pk=comment.pk).body == "Trop tard"


def test_edit_by_someone_else_refused(proposal, citizen, org):
    comment = services.comment_post(target=proposal, by=citizen, body="À moi")
    with pytest.raises(PermissionDenied):
        services.comment_edit(comment=comment, by=MembershipFactory(organisation=org).user, body="Pirate")


def test_delete_leaves_placeholder(proposal, citizen, client_for):
    comment = services.comment_post(target=proposal, by=citizen, body="Je retire ça")
    services.comment_delete(comment=comment, by=citizen)
    comment.refresh_from_db()
    assert comment.visibility == Visibility.DELETED and comment.body == ""
    html = client_for().get(proposal.get_absolute_url()).content.decode()
    assert "This comment was deleted by its author." in html
    proposal.refresh_from_db()
    assert proposal.comments_count == 0


def test_upvote_once(proposal, citizen, org):
    comment = services.comment_post(target=proposal, by=citizen, body="Utile")
    voter = MembershipFactory(organisation=org).user
    assert services.comment_upvote(comment=comment, by=voter) == 1
    with pytest.raises(Conflict):
        services.comment_upvote(comment=comment, by=voter)
    with pytest.raises(ValidationFailed):
        services.comment_upvote(comment=comment, by=citizen)
    assert services.comment_upvote(comment=comment, by=voter, remove=True) == 0


def test_official_reply_is_marked_and_staff_only(proposal, citizen, agent, client_for):
    with pytest.raises(PermissionDenied):
        services.comment_post(target=proposal, by=citizen, body="Officiel ?", official=True)
    reply = services.comment_post(
        target=proposal, by=agent, body="La mairie étudie la question.", official=True
    )
    assert reply.is_official and reply.official_role
    html = client_for().get(proposal.get_absolute_url()).content.decode()
    assert "Official replies" in html and "comment-official" in html


def test_mentions_and_followers_are_emailed(proposal, citizen, org, django_capture_on_commit_callbacks):
    karim = MembershipFactory(organisation=org, user__display_name="Karim Benali").user
    services.follow(target=proposal, by=proposal.author)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_post(target=proposal, by=citizen, body="Qu'en pense @KarimBenali ?")
    recipients = sorted(r for m in mail.outbox for r in m.to)
    assert karim.email in recipients and proposal.author.email in recipients


def test_flags_hide_after_threshold_then_restore(proposal, citizen, org, moderator):
    comment = services.comment_post(target=proposal, by=citizen, body="Un avis")
    flaggers = [MembershipFactory(organisation=org).user for _ in range(3)]
    with pytest.raises(PermissionDenied):
        services.content_flag(target=comment, by=citizen, reason="spam")
    services.content_flag(target=comment, by=flaggers[0], reason="offensive")
    with pytest.raises(Conflict):
        services.content_flag(target=comment, by=flaggers[0], reason="offensive")
    services.content_flag(target=comment, by=flaggers[1], reason="offensive")
    case = services.content_flag(target=comment, by=flaggers[2], reason="spam")
    assert Comment.objects.get(pk=comment.pk).visibility == Visibility.HIDDEN
    with pytest.raises(PermissionDenied):
        services.moderation_restore(moderation=case, by=citizen, justification="non")
    with pytest.raises(ValidationFailed):
        services.moderation_restore(moderation=case, by=moderator, justification="")
    services.moderation_restore(moderation=case, by=moderator, justification="Critique légitime.")
    assert Comment.objects.get(pk=comment.pk).visibility == Visibility.VISIBLE
    assert ModerationAction.objects.filter(kind="restore", justification="Critique légitime.").exists()


def test_block_user_and_appeal(proposal, citizen, org, moderator):
    comment = services.comment_post(target=proposal, by=citizen, body="Un avis tranché")
    case = services.content_flag(target=comment, by=moderator, reason="offensive")
    services.moderation_hide(moderation=case, by=moderator, justification="Propos insultants.")
    services.moderation_appeal(moderation=case, by=citizen, explanation="Ce n'était pas insultant.")
    assert Moderation.objects.get(pk=case.pk).state == "pending"
    services.user_block(organisation=org, user=citizen, by=moderator, justification="Récidive.")
    with pytest.raises(PermissionDenied):
        services.comment_post(target=proposal, by=citizen, body="Encore moi")


def test_spam_score_is_explainable_and_holds():
    score = spam.score_text("VIAGRA CASINO https://a.example https://b.example https://c.example")
    assert score.suspicious(0.6) and {"many_links", "advertising_words"} <= set(score.reasons)
    assert spam.score_text("Je propose des bancs le long de la Loire.").value == 0


def test_suspicious_comment_is_held(proposal, citizen, client_for):
    comment = services.comment_post(target=proposal, by=citizen, body="Connard, ordure, va crever")
    assert comment.visibility == Visibility.HELD
    assert Moderation.objects.get(object_id=str(comment.pk)).state == "pending"
    assert "va crever" not in client_for().get(proposal.get_absolute_url()).content.decode()


def test_rate_limit_on_posting(proposal, citizen, settings):
    settings.PARLONS_DIALOGUE_RATES = {"post": (2, 60)}
    services.comment_post(target=proposal, by=citizen, body="Un")
    services.comment_post(target=proposal, by=citizen, body="Deux")
    with pytest.raises(RateLimited):
        services.comment_post(target=proposal, by=citizen, body="Trois")
    assert Comment.objects.count() == 2


def test_comment_refused_when_phase_closed(org, citizen):
    from parlons.modules.consultations.tests.factories import consultations_component

    component = consultations_component(org, permissions={"comment": {"enabled": False}})
    proposal = ProposalFactory(organisation=org, component=component)
    with pytest.raises(PermissionDenied):
        services.comment_post(target=proposal, by=citizen, body="Fermé")


def test_views_post_edit_flag_and_queue(proposal, citizen, org, moderator, client_for):
    c = client_for(citizen)
    key = f"consultations.proposal:{proposal.pk}"
    response = c.post(
        "/dialogue/comments/", {"target": key, "body": "Bonne idée", "next": proposal.get_absolute_url()}
    )
    assert response.status_code == 302
    comment = Comment.objects.get()
    response = c.post("/dialogue/comments/", {"target": key, "body": "", "next": "/"})
    assert response.status_code == 422 and "Write something first." in response.content.decode()
    response = c.post(
        "/dialogue/comments/",
        {"target": key, "body": "Réponse", "parent": comment.public_id},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "Réponse" in response.content.decode()
    assert (
        c.post(f"/dialogue/comments/{comment.public_id}/edit/", {"body": "Bonne idée, vraiment"}).status_code
        == 302
    )
    flagger = client_for(MembershipFactory(organisation=org).user)
    flagger.post("/dialogue/flag/", {"target": f"dialogue.comment:{comment.pk}", "reason": "spam"})
    assert client_for(citizen).get("/dialogue/moderation/").status_code == 404
    page = client_for(moderator).get("/dialogue/moderation/")
    assert page.status_code == 200 and "Bonne idée, vraiment" in page.content.decode()
    case = Moderation.objects.get()
    client_for(moderator).post(
        f"/dialogue/moderation/{case.pk}/", {"action": "hide", "justification": "Spam."}
    )
    assert Comment.objects.get(pk=comment.pk).visibility == Visibility.HIDDEN


def test_other_organisation_cannot_post_on_a_target(proposal, other_org, client_for):
    outsider = MembershipFactory(organisation=other_org).user
    response = client_for(outsider, organisation=other_org).post(
        "/dialogue/comments/", {"target": f"consultations.proposal:{proposal.pk}", "body": "Intrus"}
    )
    assert response.status_code == 404 and not Comment.objects.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Avis : je suis d'accord.", "<p>Avis : je suis d&#x27;accord.</p>"),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("Voir https://example.org/plan", 'href="https://example.org/plan"'),
        ("Voir www.valmont.fr ou mairie.org", 'nofollow">mairie.org</a>'),
        ("Écrire à contact@valmont.fr", 'href="mailto:contact@valmont.fr"'),
        ("Un\n\nDeux<b>", "<p>Un</p>\n<p>Deux&lt;b&gt;</p>"),
    ],
)
def test_rich_text_escapes_plain_text_and_links_urls(text, expected):
    from parlons.dialogue.templatetags.dialogue import rich_text

    assert expected in rich_text(text)
