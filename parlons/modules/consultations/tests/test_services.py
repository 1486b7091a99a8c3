"""Rules of proposals, supports, amendments, answers, merges and debates (through the services)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parlons.common.errors import Conflict, PermissionDenied, ValidationFailed
from parlons.core.models import DecisionEvent, Phase
from parlons.core.tests.factories import MembershipFactory, UserFactory
from parlons.dialogue import services as dialogue
from parlons.dialogue.models import Comment, Follow
from parlons.modules.consultations import selectors, services
from parlons.modules.consultations.models import Amendment, Proposal, Status, Support
from parlons.modules.consultations.tests.factories import ProposalFactory, consultations_component

pytestmark = pytest.mark.django_db

BODY = "Installer des bancs à l'ombre le long du quai de Loire pour les promeneurs."


def _create(component, user, **kwargs):
    return services.proposal_create(
        component=component,
        by=user,
        title=kwargs.pop("title", "Des bancs au bord de l'eau"),
        body=kwargs.pop("body", BODY),
        **kwargs,
    )


def test_create_publish_and_first_version(component, citizen):
    proposal = _create(component, citizen)
    assert proposal.status == Status.PUBLISHED and proposal.versions.count() == 1
    assert Follow.objects.filter(user=citizen, object_id=str(proposal.pk)).exists()


def test_draft_then_publish(component, citizen):
    draft = _create(component, citizen, publish=False)
    assert draft.status == Status.DRAFT
    assert not selectors.proposal_list(component=component).filter(pk=draft.pk).exists()
    services.proposal_publish(proposal=draft, by=citizen)
    assert selectors.proposal_list(component=component).filter(pk=draft.pk).exists()


@pytest.mark.parametrize(
    ("title", "body", "field"),
    [
        ("", BODY, "title"),
        ("Banc", BODY, "title"),
        ("Un titre correct", "court", "body"),
        ("Un titre correct", "x" * 5001, "body"),
    ],
)
def test_bad_texts_are_refused_and_change_nothing(component, citizen, title, body, field):
    with pytest.raises(ValidationFailed) as exc:
        services.proposal_create(component=component, by=citizen, title=title, body=body)
    assert exc.value.field == field
    assert Proposal.objects.count() == 0


def test_limit_per_participant(org, citizen):
    component = consultations_component(org, max_proposals_per_participant=1)
    _create(component, citizen)
    with pytest.raises(ValidationFailed):
        _create(component, citizen, title="Une deuxième idée")


def test_limit_per_process_counts_every_consultation_of_the_process(org, citizen, other_citizen):
    from parlons.core.tests.factories import ComponentFactory

    component = consultations_component(org, max_proposals_per_process=2)
    sibling = ComponentFactory(
        process=component.process,
        module_key="consultations",
        name="Autres idées",
        settings={"max_proposals_per_process": 2},
        published_at=component.published_at,
    )
    _create(component, citizen)
    draft = _create(sibling, other_citizen, title="Une idée du quartier", publish=False)
    _create(sibling, other_citizen, title="Une idée pour la gare")
    with pytest.raises(ValidationFailed) as exc:
        _create(component, other_citizen, title="Une troisième idée")
    assert "no more can be published" in str(exc.value) and exc.value.field == "__all__"
    with pytest.raises(ValidationFailed):
        services.proposal_publish(proposal=draft, by=other_citizen)
    assert Proposal.objects.filter(status="published").count() == 2


def test_verification_level_gates_creation(component, org):
    unverified = UserFactory(verified=False)
    MembershipFactory(organisation=org, user=unverified)
    with pytest.raises(PermissionDenied) as exc:
        _create(component, unverified)
    assert "requires" in str(exc.value)


def test_support_once_then_withdraw(component, citizen, other_citizen):
    proposal = _create(component, citizen)
    services.proposal_support(proposal=proposal, by=other_citizen)
    with pytest.raises(Conflict):
        services.proposal_support(proposal=proposal, by=other_citizen)
    proposal.refresh_from_db()
    assert proposal.supports_count == 1
    services.proposal_unsupport(proposal=proposal, by=other_citizen)
    proposal.refresh_from_db()
    assert proposal.supports_count == 0 and not Support.objects.exists()


def test_threshold_reached_is_recorded(component, citizen, other_citizen, org):
    proposal = _create(component, citizen)
    services.proposal_support(proposal=proposal, by=other_citizen)
    assert proposal.threshold_reached_at is None
    services.proposal_support(proposal=proposal, by=MembershipFactory(organisation=org).user)
    assert proposal.threshold_reached_at is not None


def test_support_after_the_phase_ended_is_refused(org, citizen, other_citizen):
    component = consultations_component(org)
    phase = component.process.phases.get()
    later = Phase.objects.create(process=component.process, title="Analyse", position=2)
    component.permissions = {"support": {"phases": [phase.pk]}}
    component.save()
    proposal = _create(component, citizen)
    services.proposal_support(proposal=proposal, by=other_citizen)
    phase.is_current = False
    phase.end_date = timezone.localdate() - timedelta(days=1)
    phase.save()
    later.is_current = True
    later.save()
    component.process.refresh_from_db()
    proposal = Proposal.objects.get(pk=proposal.pk)
    with pytest.raises(PermissionDenied):
        services.proposal_support(proposal=proposal, by=MembershipFactory(organisation=org).user)
    with pytest.raises(PermissionDenied):  # withdrawable only until the phase ends
        services.proposal_unsupport(proposal=proposal, by=other_citizen)
    assert Support.objects.count() == 1


def test_census_level_required_for_support(org, citizen, other_citizen):
    component = consultations_component(org, permissions={"support": {"level": 2}})
    proposal = _create(component, citizen)
    with pytest.raises(PermissionDenied):
        services.proposal_support(proposal=proposal, by=other_citizen)
    other_citizen.memberships.filter(organisation=org).update(census_verified_at=timezone.now())
    services.proposal_support(proposal=Proposal.objects.get(pk=proposal.pk), by=other_citizen)


def test_amending_own_proposal_is_refused(component, citizen):
    proposal = _create(component, citizen)
    with pytest.raises(PermissionDenied) as exc:
        services.amendment_create(
            proposal=proposal, by=citizen, title="Autre titre ici", body=BODY + " Et plus."
        )
    assert "own proposal" in str(exc.value)
    assert not Amendment.objects.exists()


def test_amendment_accept_reject_promote(component, citizen, other_citizen):
    proposal = _create(component, citizen)
    first = services.amendment_create(
        proposal=proposal, by=other_citizen, title=proposal.title, body=BODY + " Avec des fontaines."
    )
    services.amendment_accept(amendment=first, by=citizen)
    proposal.refresh_from_db()
    assert proposal.body.endswith("fontaines.") and proposal.versions.count() == 2
    diff = selectors.text_diff(BODY, proposal.body)
    assert ("insert", "Avec des fontaines.") in diff
    second = services.amendment_create(
        proposal=proposal, by=other_citizen, title="Des bancs et des tables", body=BODY
    )
    with pytest.raises(PermissionDenied):
        services.amendment_accept(amendment=second, by=other_citizen)
    services.amendment_reject(amendment=second, by=citizen)
    own = services.amendment_promote(amendment=second, by=other_citizen)
    assert own.author == other_citizen and own.title == "Des bancs et des tables"


def test_answers_prepared_privately_then_published_in_bulk(component, citizen, agent, org):
    p1, p2 = _create(component, citizen), _create(component, citizen, title="Une fontaine à eau")
    services.answer_state_create(
        organisation=org,
        by=MembershipFactory(organisation=org, role="admin").user,
        label="Transmis à la métropole",
        base="evaluating",
    )
    services.proposal_answer_prepare(
        proposal=p1, by=agent, state="accepted", body="Nous le ferons.", cost="7 500,50"
    )
    services.proposal_answer_prepare(
        proposal=p2, by=agent, state="transmis-a-la-metropole", body="C'est la métropole."
    )
    assert not DecisionEvent.objects.exists() and Proposal.objects.get(pk=p1.pk).answer_state == ""
    with pytest.raises(PermissionDenied):
        services.proposal_answer_prepare(proposal=p1, by=citizen, state="accepted", body="x")
    assert services.proposal_answers_publish(component=component, by=agent) == 2
    p1.refresh_from_db()
    assert p1.answer_state == "accepted" and str(p1.answer_cost) == "7500.50" and p1.draft_answer_state == ""
    events = DecisionEvent.objects.filter(kind="answer")
    assert events.count() == 2 and {e.to_status for e in events} == {"Accepted", "Transmis à la métropole"}
    assert (
        selectors.proposal_list(component=component, filters=selectors.Filters(state="evaluating")).get()
        == p2
    )


def test_merge_keeps_counts_exact(component, citizen, other_citizen, agent, org):
    a, b = _create(component, citizen), _create(component, other_citizen, title="Bancs sur le quai")
    third = MembershipFactory(organisation=org).user
    for user in (other_citizen, third):
        services.proposal_support(proposal=a, by=user)
    for user in (citizen, third):  # third supports both: counted once after the merge
        services.proposal_support(proposal=b, by=user)
    dialogue.comment_post(target=a, by=third, body="Oui !")
    dialogue.comment_post(target=b, by=third, body="Bien sûr.")
    result = services.proposal_merge(
        component=component,
        by=agent,
        proposal_ids=[a.pk, b.pk],
        title="Des bancs au bord de la Loire",
        body=BODY,
    )
    assert result.supports_count == 3 == Support.objects.filter(proposal=result).count()
    assert result.comments_count == 2 == Comment.objects.filter(object_id=str(result.pk)).count()
    assert set(Follow.objects.filter(object_id=str(result.pk)).values_list("user_id", flat=True)) == {
        citizen.pk,
        other_citizen.pk,
        third.pk,
    }
    for original in (a, b):
        original.refresh_from_db()
        assert (
            original.status == Status.MERGED
            and original.merged_into == result
            and original.supports_count == 0
        )
    with pytest.raises(PermissionDenied):
        services.proposal_merge(
            component=component, by=citizen, proposal_ids=[a.pk, b.pk], title="xxxxxx", body=BODY
        )


def test_split(component, citizen, other_citizen, agent):
    proposal = _create(component, citizen)
    services.proposal_support(proposal=proposal, by=other_citizen)
    parts = services.proposal_split(
        proposal=proposal, by=agent, parts=[("Des bancs au bord", BODY), ("Des tables de pique-nique", BODY)]
    )
    assert len(parts) == 2 and all(p.split_from == proposal and p.supports_count == 1 for p in parts)
    proposal.refresh_from_db()
    assert proposal.status == Status.SPLIT


def test_similar_proposals_by_text(component, citizen):
    _create(
        component,
        citizen,
        title="Une piste cyclable vers la gare",
        body="Une piste séparée pour aller à la gare à vélo en sécurité.",
    )
    _create(
        component,
        citizen,
        title="Un jardin partagé",
        body="Des parcelles pour les familles derrière l'école.",
    )
    found = selectors.similar_proposals(
        component=component, title="Pistes cyclables", body="aller à vélo jusqu'à la gare"
    )
    assert [p.title for p in found][:1] == ["Une piste cyclable vers la gare"]


def test_search_filters_and_random_sort_is_stable(component, citizen):
    a = _create(component, citizen, title="Une piste cyclable vers la gare")
    _create(component, citizen, title="Un jardin partagé")
    assert list(selectors.proposal_list(component=component, filters=selectors.Filters(q="cyclable"))) == [a]
    first = list(
        selectors.proposal_list(component=component, filters=selectors.Filters(sort="random", seed=42))
    )
    again = list(
        selectors.proposal_list(component=component, filters=selectors.Filters(sort="random", seed=42))
    )
    assert first == again and len(first) == 2


def test_near_me(component, citizen):
    here = _create(component, citizen, lon=0.98, lat=47.40)
    _create(component, citizen, title="Loin d'ici vraiment", lon=1.2, lat=47.6)
    assert list(
        selectors.proposal_list(component=component, filters=selectors.Filters(near=(0.981, 47.401)))
    ) == [here]


def test_spam_is_held_and_hidden(component, citizen):
    proposal = _create(
        component,
        citizen,
        title="CASINO crypto gratuit",
        body="Gagnez argent facile https://a.example https://b.example https://c.example",
    )
    assert proposal.is_hidden
    assert not selectors.proposal_list(component=component).filter(pk=proposal.pk).exists()


def test_moderation_hides_and_restores_a_proposal(component, citizen, org, moderator):
    proposal = _create(component, citizen)
    flaggers = [MembershipFactory(organisation=org).user for _ in range(2)]
    for user in flaggers:  # component flags_to_hide defaults to 3
        dialogue.content_flag(target=proposal, by=user, reason="offensive")
    assert not Proposal.objects.get(pk=proposal.pk).is_hidden
    case = dialogue.content_flag(target=proposal, by=MembershipFactory(organisation=org).user, reason="spam")
    assert Proposal.objects.get(pk=proposal.pk).is_hidden
    dialogue.moderation_restore(moderation=case, by=moderator, justification="Rien de choquant.")
    assert not Proposal.objects.get(pk=proposal.pk).is_hidden


def test_debate_arguments_need_a_position_and_closing(component, agent, citizen):
    debate = services.debate_create(
        component=component, by=agent, title="Piétonniser la place ?", body="Le samedi matin."
    )
    with pytest.raises(ValidationFailed) as exc:
        dialogue.comment_post(target=debate, by=citizen, body="Je ne sais pas.")
    assert exc.value.field == "alignment"
    dialogue.comment_post(target=debate, by=citizen, body="Oui, pour les terrasses.", alignment=1)
    with pytest.raises(PermissionDenied):
        services.debate_create(
            component=component, by=citizen, title="Ma question ici", body="Un contexte assez long."
        )
    services.debate_close(debate=debate, by=agent, conclusion="La place sera piétonne le samedi à l'essai.")
    with pytest.raises(PermissionDenied):
        dialogue.comment_post(target=debate, by=citizen, body="Trop tard ?", alignment=0)
    assert DecisionEvent.objects.filter(object_id=str(debate.pk)).exists()


def test_withdraw(component, citizen, other_citizen):
    proposal = _create(component, citizen)
    with pytest.raises(PermissionDenied):
        services.proposal_withdraw(proposal=proposal, by=other_citizen)
    services.proposal_withdraw(proposal=proposal, by=citizen)
    assert Proposal.objects.get(pk=proposal.pk).status == Status.WITHDRAWN


def test_factory_proposal_is_listed(org):
    proposal = ProposalFactory(organisation=org)
    assert selectors.proposal_list(component=proposal.component).get() == proposal
