"""Rules of the dialogue checked by the issue's list that the first tests left out: rate limits on editing and
flagging, following a process or a topic, and the edit history shown to moderators only."""

from __future__ import annotations

import pytest
from django.utils import timezone

from parlons.core.tests.factories import MembershipFactory, ProcessFactory, TopicFactory
from parlons.dialogue import selectors, services
from parlons.dialogue.models import Comment, CommentRevision, Flag, Follow
from parlons.dialogue.ratelimit import RateLimited
from parlons.modules.consultations.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(org):
    return ProposalFactory(organisation=org)


def test_rate_limit_on_editing_changes_nothing(proposal, citizen, settings):
    settings.PARLONS_DIALOGUE_RATES = {"edit": (2, 600)}
    comment = services.comment_post(target=proposal, by=citizen, body="Version 1")
    services.comment_edit(comment=comment, by=citizen, body="Version 2")
    services.comment_edit(comment=comment, by=citizen, body="Version 3")
    with pytest.raises(RateLimited) as exc:
        services.comment_edit(comment=comment, by=citizen, body="Version 4")
    assert exc.value.status == 429 and "too fast" in str(exc.value)
    assert Comment.objects.get(pk=comment.pk).body == "Version 3"
    assert CommentRevision.objects.filter(comment=comment).count() == 2


def test_rate_limit_on_flagging_changes_nothing(proposal, citizen, org, settings):
    settings.PARLONS_DIALOGUE_RATES = {"flag": (2, 3600)}
    comments = [
        services.comment_post(target=proposal, by=MembershipFactory(organisation=org).user, body=f"Avis {n}")
        for n in range(3)
    ]
    services.content_flag(target=comments[0], by=citizen, reason="spam")
    services.content_flag(target=comments[1], by=citizen, reason="spam")
    with pytest.raises(RateLimited):
        services.content_flag(target=comments[2], by=citizen, reason="spam")
    assert Flag.objects.filter(reporter=citizen).count() == 2


def test_follow_a_process_or_a_topic_through_the_page(org, citizen, client_for, other_org):
    process = ProcessFactory(organisation=org, visibility="public", published_at=timezone.now())
    topic = TopicFactory(organisation=org)
    client = client_for(citizen)
    for obj, key in ((process, f"core.process:{process.pk}"), (topic, f"core.topic:{topic.pk}")):
        assert client.post("/dialogue/follow/", {"target": key, "next": "/"}).status_code == 302
        assert selectors.is_following(user=citizen, target=obj)
        assert list(selectors.followers_of(organisation=org, target=obj)) == [citizen]
    client.post("/dialogue/follow/", {"target": f"core.topic:{topic.pk}", "unfollow": "1", "next": "/"})
    assert not selectors.is_following(user=citizen, target=topic)
    # Another organisation's process cannot be followed from here, nor anything that is not followable.
    foreign = ProcessFactory(organisation=other_org)
    assert client.post("/dialogue/follow/", {"target": f"core.process:{foreign.pk}"}).status_code == 404
    assert client.post("/dialogue/follow/", {"target": f"accounts.user:{citizen.pk}"}).status_code == 404
    assert Follow.objects.filter(user=citizen).count() == 1


def test_edit_history_is_shown_to_moderators_only(proposal, citizen, moderator, client_for):
    comment = services.comment_post(target=proposal, by=citizen, body="Texte d'origine")
    services.comment_edit(comment=comment, by=citizen, body="Texte corrigé")
    url = f"/dialogue/comments/{comment.public_id}/history/"
    assert client_for(citizen).get(url).status_code == 404
    page = client_for(moderator).get(url)
    assert page.status_code == 200 and "Texte d&#x27;origine" in page.content.decode()
    shown = client_for().get(proposal.get_absolute_url()).content.decode()
    assert "Texte corrigé" in shown and "edited" in shown and "Texte d&#x27;origine" not in shown
