"""The spam classifier learns from each organisation's own moderation decisions, explains its scores with the
words that drove them, keeps organisations apart, and leaves the rules alone until it has learned enough."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from parlons.accounts.models import Role
from parlons.core.tests.factories import MembershipFactory
from parlons.dialogue import services, spam, spam_classifier
from parlons.dialogue.models import Comment, Moderation, Visibility
from parlons.dialogue.spam_model import Example, train
from parlons.dialogue.tasks import retrain_spam_models
from parlons.modules.consultations.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db

# Advertising no rule knows: only the moderators' decisions can teach it.
ADVERTS = [
    "Découvrez les trottinettes miracle Trottimax à prix cassé, livraison offerte !",
    "Trottimax : trottinettes miracle en stock, commandez vite, offre limitée.",
    "Offre limitée sur les trottinettes miracle, prix cassé chez Trottimax.",
    "Trottinette miracle Trottimax, la meilleure affaire du moment, prix cassé.",
    "Livraison offerte pour toute trottinette miracle Trottimax commandée aujourd'hui.",
    "Prix cassé, offre limitée : trottinettes Trottimax, le miracle de l'été.",
]
CIVIC = [
    "Je propose des bancs à l'ombre le long de la Loire pour les personnes âgées.",
    "Une piste cyclable rue Nationale rendrait le trajet vers l'école plus sûr.",
    "Il faudrait planter des arbres dans la cour de l'école Jules Ferry.",
    "Le marché du samedi manque d'arceaux pour garer les vélos.",
    "Merci pour cette consultation, je soutiens les jardins partagés du quartier.",
    "Pourquoi ne pas éclairer le parc le soir, l'hiver, jusqu'à 21 heures ?",
]
ADVERT_PROBE = "Trottinettes miracle chez Trottimax, prix cassé, offre limitée !"
CIVIC_PROBE = "Des bancs et des arbres le long de la Loire, pour l'été."
SCOOTER_OPINION = "Les trottinettes en libre service devant la gare : bonne idée pour le quartier."
SCOOTER_OPINIONS = [
    "Les trottinettes en libre service à la gare, c'est pratique pour le quartier.",
    "Bonne idée, des trottinettes en libre service devant la gare du quartier.",
    "Je soutiens les trottinettes en libre service près de la gare.",
]


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.PARLONS_DIALOGUE_RATES = {"post": (1000, 60), "post_hour": (1000, 3600), "flag": (1000, 3600)}


@pytest.fixture
def proposal(org):
    return ProposalFactory(organisation=org)


def _author(proposal):
    """One participant writes everything here (creating people is the slow part of these tests)."""
    if not hasattr(proposal, "test_author"):
        proposal.test_author = MembershipFactory(organisation=proposal.organisation).user
    return proposal.test_author


def _post(proposal, body):
    return services.comment_post(target=proposal, by=_author(proposal), body=body)


def _decide(proposal, moderator, body, *, hide, capture):
    """A participant posts ``body``, it is flagged as spam, and a moderator hides or restores it."""
    comment = _post(proposal, body)
    case = services.content_flag(target=comment, by=moderator, reason="spam")
    with capture(execute=True):
        if hide:
            services.moderation_hide(moderation=case, by=moderator, justification="Publicité.")
        else:
            services.moderation_restore(moderation=case, by=moderator, justification="Avis légitime.")
    return case


def _unflagged(proposal, texts):
    """Comments that stayed online a few days without anyone flagging them."""
    for body in texts:
        comment = _post(proposal, body)
        Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(days=3))


def _teach(proposal, moderator, capture):
    _unflagged(proposal, CIVIC)
    for body in ADVERTS:
        _decide(proposal, moderator, body, hide=True, capture=capture)


def _score(proposal, body):
    return services.screen_text(body=body, by=_author(proposal), organisation=proposal.organisation)


def _words(score):
    return {word.lower() for word, weight in score.terms if weight > 0}


def test_no_decisions_means_rules_only(proposal, org, django_capture_on_commit_callbacks):
    rules = spam.rule_score("Gagnez de l'argent facile au casino")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = _score(proposal, "Gagnez de l'argent facile au casino")
    # The cache had no model: the rules scored, and a retraining was requested after the commit ...
    assert first == rules and len(callbacks) == 1
    # ... which found nothing to learn from: the organisation stays on the rules, with their explanation.
    assert (
        spam_classifier.model_for(org) is None and cache.get(spam_classifier._stamp_key(org.pk)) is not None
    )
    assert _score(proposal, "Gagnez de l'argent facile au casino") == rules
    assert {"gagnez", "argent", "facile", "casino"} <= _words(rules)
    assert rules.reasons == ["advertising_words"]


def test_too_few_decisions_means_rules_only(proposal, org, moderator, django_capture_on_commit_callbacks):
    _unflagged(proposal, CIVIC)
    for body in ADVERTS[: spam_classifier.MIN_HIDDEN - 1]:
        _decide(proposal, moderator, body, hide=True, capture=django_capture_on_commit_callbacks)
    assert spam_classifier.retrain(org) is None
    assert _score(proposal, ADVERT_PROBE) == spam.rule_score(ADVERT_PROBE)


def test_learns_from_what_moderators_hid(proposal, org, moderator, django_capture_on_commit_callbacks):
    before = _score(proposal, ADVERT_PROBE)
    civic_before = _score(proposal, CIVIC_PROBE)
    assert before.value == 0 and not before.terms  # no rule knows these words
    _teach(proposal, moderator, django_capture_on_commit_callbacks)
    # Each decision retrained the model in the task queue once committed.
    model = spam_classifier.model_for(org)
    assert model is not None and model.hidden == len(ADVERTS) and model.unflagged == len(CIVIC)
    after = _score(proposal, ADVERT_PROBE)
    assert after.value > before.value + 0.1
    assert "like_hidden_content" in after.reasons
    # The explanation names the words that drove the score, strongest first.
    assert {"trottimax", "miracle"} & {word for word, _weight in after.terms[:3]}
    assert all(weight > 0 for word, weight in after.terms if word in {"trottimax", "miracle"})
    # Ordinary contributions are not dragged along: they look like what stayed online.
    civic_after = _score(proposal, CIVIC_PROBE)
    assert civic_after.value < 0.2 and civic_after.value < after.value
    assert "like_accepted_content" in civic_after.reasons or civic_after.value <= civic_before.value + 0.1


def test_enough_decisions_hold_learned_spam(
    proposal, org, moderator, django_capture_on_commit_callbacks, monkeypatch, client_for
):
    monkeypatch.setattr(spam_classifier, "FULL_TRUST_DECISIONS", len(ADVERTS))
    _teach(proposal, moderator, django_capture_on_commit_callbacks)
    assert spam_classifier.model_for(org).trust == 1.0
    comment = _post(proposal, ADVERT_PROBE)
    assert comment.visibility == Visibility.HELD
    case = Moderation.objects.get(object_id=str(comment.pk), content_type__model="comment")
    assert case.state == Moderation.State.PENDING and case.is_hidden
    assert "like_hidden_content" in case.spam_reasons
    assert {"trottimax", "miracle"} <= {word for word, weight in case.spam_terms if weight > 0}
    # The moderator sees, next to the held comment, the words that raised its score.
    html = client_for(moderator).get("/dialogue/moderation/").content.decode()
    assert f'id="case-{case.pk}"' in html
    section = html[html.index(f'id="case-{case.pk}"') :]
    assert "like content the moderators hid" in section and "Words that raised it" in section
    assert "trottimax" in section.lower() and "miracle" in section.lower()
    # An ordinary comment still goes through.
    assert _post(proposal, CIVIC_PROBE).visibility == Visibility.VISIBLE


def test_restored_content_lowers_the_score(proposal, org, moderator, django_capture_on_commit_callbacks):
    _teach(proposal, moderator, django_capture_on_commit_callbacks)
    suspected = _score(proposal, SCOOTER_OPINION)
    assert "trottinettes" in _words(suspected)  # the word the adverts made suspicious
    for body in SCOOTER_OPINIONS:
        _decide(proposal, moderator, body, hide=False, capture=django_capture_on_commit_callbacks)
    assert spam_classifier.model_for(org).restored == len(SCOOTER_OPINIONS)
    cleared = _score(proposal, SCOOTER_OPINION)
    assert cleared.value < suspected.value
    lowered = {word for word, weight in cleared.terms if weight < 0}
    assert lowered & {"libre", "service", "gare", "quartier", "bonne", "idée"}
    # The adverts themselves are still recognised.
    assert _score(proposal, ADVERT_PROBE).value > cleared.value


def test_restore_after_appeal_teaches_too(proposal, org, moderator, django_capture_on_commit_callbacks):
    _teach(proposal, moderator, django_capture_on_commit_callbacks)
    case = _decide(
        proposal, moderator, SCOOTER_OPINIONS[0], hide=True, capture=django_capture_on_commit_callbacks
    )
    assert spam_classifier.model_for(org).hidden == len(ADVERTS) + 1
    services.moderation_appeal(moderation=case, by=case.author, explanation="Ce n'est pas de la publicité.")
    with django_capture_on_commit_callbacks(execute=True):
        services.moderation_appeal_decide(moderation=case, by=moderator, grant=True, justification="Exact.")
    model = spam_classifier.model_for(org)
    assert model.hidden == len(ADVERTS) and model.restored == 1


def test_off_topic_hidings_teach_nothing_about_spam(
    proposal, org, moderator, django_capture_on_commit_callbacks
):
    _unflagged(proposal, CIVIC)
    for body in ADVERTS:
        comment = _post(proposal, body)
        case = services.content_flag(target=comment, by=moderator, reason="off_topic")
        services.moderation_hide(moderation=case, by=moderator, justification="Hors sujet.")
    assert spam_classifier.retrain(org) is None


def test_one_organisation_never_teaches_another(
    proposal, org, other_org, moderator, django_capture_on_commit_callbacks
):
    elsewhere = ProposalFactory(organisation=other_org)
    other_moderator = MembershipFactory(organisation=other_org, role=Role.MODERATOR).user
    baseline = _score(elsewhere, ADVERT_PROBE)
    _teach(proposal, moderator, django_capture_on_commit_callbacks)
    # Valmont's adverts do not reach Autreville: its score is still the rules', and it has no model.
    assert spam_classifier.retrain(other_org) is None
    assert _score(elsewhere, ADVERT_PROBE) == baseline == spam.rule_score(ADVERT_PROBE)
    # Autreville's moderators restoring the same texts does not change Valmont's verdict either.
    valmont = _score(proposal, ADVERT_PROBE)
    _unflagged(elsewhere, CIVIC)
    for body in ADVERTS:
        _decide(elsewhere, other_moderator, body, hide=False, capture=django_capture_on_commit_callbacks)
    for body in SCOOTER_OPINIONS + CIVIC[:2]:
        _decide(elsewhere, other_moderator, body, hide=True, capture=django_capture_on_commit_callbacks)
    assert spam_classifier.model_for(other_org) is not None
    assert spam_classifier.model_for(org).restored == 0
    assert _score(proposal, ADVERT_PROBE) == valmont
    assert _score(elsewhere, ADVERT_PROBE).value < valmont.value


def test_nightly_retraining_and_lost_cache(proposal, org, moderator, django_capture_on_commit_callbacks):
    _teach(proposal, moderator, django_capture_on_commit_callbacks)
    spam_classifier.forget(org)
    with django_capture_on_commit_callbacks(execute=True):
        assert _score(proposal, ADVERT_PROBE) == spam.rule_score(ADVERT_PROBE)  # meanwhile, the rules
    assert spam_classifier.model_for(org) is not None  # retrained after the commit
    spam_classifier.forget(org)
    assert retrain_spam_models.call_local() == 1
    assert spam_classifier.model_for(org) is not None


def test_blend_and_explanation_without_django():
    examples = [Example(t, True) for t in ADVERTS] + [Example(t, False) for t in CIVIC]
    model = train(examples, hidden=len(ADVERTS), restored=0, unflagged=len(CIVIC), trust=1.0)
    decision, words = model.explain(ADVERT_PROBE)
    assert decision > 0 and words[0][1] > 0
    assert {"trottimax", "miracle"} <= {w.lower() for w, part in words[:5]}
    # The rules stay in the blend: their reasons and words are kept, and learned words add to them.
    blended = spam.score_text(ADVERT_PROBE + " Casino !", model=model)
    assert "advertising_words" in blended.reasons and "casino" in _words(blended)
    assert blended.value > spam.score_text(ADVERT_PROBE + " Casino !").value
    assert spam.score_text(CIVIC_PROBE, model=model).value < spam.PRIOR_FLOOR
    # Without a model, or with no trust in it, the rules alone.
    assert spam.score_text(ADVERT_PROBE) == spam.rule_score(ADVERT_PROBE)
    model.trust = 0.0
    assert spam.score_text(ADVERT_PROBE, model=model) == spam.rule_score(ADVERT_PROBE)


def test_texts_without_words_leave_the_rules_in_charge(proposal, org, moderator):
    _unflagged(proposal, ["!!", "?", "…", "+1", "=)"])
    for body in ["$$$", "€€€", "@@@", "###", "%%%"]:
        comment = _post(proposal, body)
        case = services.content_flag(target=comment, by=moderator, reason="spam")
        services.moderation_hide(moderation=case, by=moderator, justification="Bruit.")
    # Nothing to learn (no word of two letters): no model, but the verdict is kept, so no retraining loop.
    assert spam_classifier.retrain(org) is None
    assert cache.get(spam_classifier._stamp_key(org.pk)) is not None
    assert _score(proposal, "$$$ ###") == spam.rule_score("$$$ ###")
