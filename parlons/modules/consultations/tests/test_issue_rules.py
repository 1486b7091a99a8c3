"""Lines of the issue that no earlier test pinned: citizens open debates where the component allows it, and
``parlons demo`` fills the consultations with French proposals, amendments, debates, comments and answers."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from parlons.common.errors import PermissionDenied
from parlons.core.models import DecisionEvent
from parlons.dialogue.models import Comment
from parlons.modules.consultations import services
from parlons.modules.consultations.models import Amendment, Debate, Proposal
from parlons.modules.consultations.tests.factories import consultations_component

pytestmark = pytest.mark.django_db


def test_citizens_open_debates_only_where_the_component_allows_it(org, citizen, client_for):
    closed = consultations_component(org)
    with pytest.raises(PermissionDenied):
        services.debate_create(
            component=closed, by=citizen, title="Ma question ici", body="Un contexte assez long."
        )
    open_to_citizens = consultations_component(org, citizen_debates=True)
    url = f"/processes/{open_to_citizens.process.slug}/consultations/{open_to_citizens.pk}/debates/new/"
    response = client_for(citizen).post(
        url,
        {"title": "Faut-il un marché le dimanche ?", "body": "Beaucoup d'habitants travaillent en semaine."},
    )
    assert response.status_code == 302
    debate = Debate.objects.get(component=open_to_citizens)
    assert debate.author == citizen and not debate.is_official


def test_demo_fills_consultations_in_french():
    call_command("demo", stdout=io.StringIO())
    published = Proposal.objects.filter(status="published")
    assert published.count() >= 10
    assert Amendment.objects.exists() and Debate.objects.exists()
    assert Comment.objects.filter(
        object_id__in=[str(pk) for pk in published.values_list("pk", flat=True)]
    ).exists()
    answered = published.exclude(answered_at=None)
    assert answered.exists()
    assert DecisionEvent.objects.filter(object_id__in=[str(p.pk) for p in answered]).exists()
    # French text: the demo town speaks French.
    text = " ".join(published.values_list("body", flat=True)).lower()
    assert sum(word in text for word in (" le ", " la ", " les ", " des ", " pour ")) >= 4
    assert {p.organisation.default_language for p in published.select_related("organisation")} == {"fr"}


ATTACK = '<script>alert(1)</script><img src=x onerror=alert(2)> <a href="javascript:alert(3)">x</a>'


def test_injection_in_proposals_and_amendments_comes_out_inert(component, citizen, other_citizen, client_for):
    proposal = services.proposal_create(
        component=component,
        by=citizen,
        title=f"Titre {ATTACK}",
        body=f"Une description assez longue. {ATTACK}",
    )
    services.amendment_create(
        proposal=proposal, by=other_citizen, title="Titre modifié", body=f"Autre texte {ATTACK} ajouté."
    )
    base = f"/processes/{component.process.slug}/consultations/{component.pk}/"
    for page in (
        client_for().get(base).content.decode(),
        client_for(citizen).get(base).content.decode(),
        client_for(citizen).get(proposal.get_absolute_url()).content.decode(),
    ):
        assert "<script>alert(1)" not in page and "<img src=x" not in page and 'href="javascript:' not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_suspicious_citizen_debate_is_held_for_review(org, citizen, client_for):
    from parlons.dialogue.models import Moderation

    component = consultations_component(org, citizen_debates=True)
    url = f"/processes/{component.process.slug}/consultations/{component.pk}/debates/"
    response = client_for(citizen).post(
        url + "new/",
        {
            "title": "Gagnez de l'argent facile avec le casino",
            "body": "VIAGRA CASINO https://a.example https://b.example https://c.example promo gratuit",
        },
    )
    debate = Debate.objects.get()
    assert response.status_code == 302 and debate.is_hidden
    assert Moderation.objects.get(object_id=str(debate.pk)).state == "pending"
    assert "casino" not in client_for().get(url).content.decode().lower()
    assert client_for().get(debate.get_absolute_url()).status_code == 404
    # Its author still reads it, is told why, and may appeal.
    page = client_for(citizen).get(debate.get_absolute_url()).content.decode()
    assert "Hidden pending moderation" in page and "Why, and how to appeal" in page


def test_suspicious_amendment_is_held_then_restored_by_a_moderator(
    component, citizen, other_citizen, moderator, client_for
):
    from parlons.dialogue import services as dialogue
    from parlons.dialogue.models import Moderation

    proposal = services.proposal_create(
        component=component,
        by=citizen,
        title="Des bancs sur le quai",
        body="Cinq bancs à l'ombre des platanes.",
    )
    amendment = services.amendment_create(
        proposal=proposal,
        by=other_citizen,
        title="Des bancs sur le quai",
        body="VIAGRA CASINO https://a.example https://b.example https://c.example promo gratuit",
    )
    amendment.refresh_from_db()
    assert amendment.is_hidden
    case = Moderation.objects.get(object_id=str(amendment.pk), content_type__model="amendment")
    assert "casino" not in client_for(citizen).get(proposal.get_absolute_url()).content.decode().lower()
    with pytest.raises(Exception, match="moderators"):
        services.amendment_accept(amendment=amendment, by=citizen)
    assert (
        "Why, and how to appeal"
        in client_for(other_citizen).get(proposal.get_absolute_url()).content.decode()
    )
    queue = client_for(moderator).get("/dialogue/moderation/").content.decode()
    assert "Amendment" in queue and "#amendments" in queue
    dialogue.moderation_restore(moderation=case, by=moderator, justification="Faux positif.")
    amendment.refresh_from_db()
    assert not amendment.is_hidden
    page = client_for(citizen).get(proposal.get_absolute_url()).content.decode()
    assert "promo gratuit" in page and "Report to the moderators" in page
