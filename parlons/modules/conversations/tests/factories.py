"""Factories of the conversations module, and the tenant-isolation builders for each of its models."""

from __future__ import annotations

from django.utils import timezone

from parlons.core.tests.factories import ComponentFactory, ProcessFactory
from parlons.modules.conversations.models import Conversation, OpinionResult, Participant, Statement, Vote


def conversations_component(org, **settings):
    return ComponentFactory(
        process=ProcessFactory(organisation=org),
        module_key="conversations",
        name="Conversations",
        settings=settings,
    )


def make_conversation(org, component=None, **fields):
    component = component or conversations_component(org)
    fields.setdefault("question", "Comment voulez-vous que le centre-ville évolue ?")
    return Conversation.objects.create(organisation=org, component=component, **fields)


def make_statement(org, conversation=None, status=Statement.Status.ACCEPTED, **fields):
    conversation = conversation or make_conversation(org)
    number = Statement.objects.filter(conversation=conversation).count()
    fields.setdefault("text", f"Proposition numéro {number}")
    return Statement.objects.create(
        organisation=org, conversation=conversation, number=number, status=status, **fields
    )


def make_participant(org, conversation=None, user=None):
    conversation = conversation or make_conversation(org)
    number = Participant.objects.filter(conversation=conversation).count()
    return Participant.objects.create(organisation=org, conversation=conversation, user=user, number=number)


def make_vote(org, value=1):
    statement = make_statement(org)
    participant = make_participant(org, statement.conversation)
    return Vote.objects.create(
        organisation=org,
        conversation=statement.conversation,
        statement=statement,
        participant=participant,
        value=value,
    )


TENANT_BUILDERS = {
    "conversations.Conversation": lambda org: make_conversation(org),
    "conversations.Participant": lambda org: make_participant(org),
    "conversations.Statement": lambda org: make_statement(org),
    "conversations.Vote": lambda org: make_vote(org),
    "conversations.OpinionResult": lambda org: OpinionResult.objects.create(
        organisation=org, conversation=make_conversation(org), computed_at=timezone.now()
    ),
}
