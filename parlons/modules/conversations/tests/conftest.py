from __future__ import annotations

import pytest
from django.urls import reverse

from parlons.modules.conversations.tests.factories import (
    conversations_component,
    make_conversation,
    make_statement,
)


@pytest.fixture
def conversation(org):
    conversation = make_conversation(org, component=conversations_component(org))
    for text in (
        "La Grande Rue devrait devenir piétonne.",
        "Il faut garder le stationnement gratuit place du Marché.",
        "Il faut planter plus d'arbres dans le centre.",
    ):
        make_statement(org, conversation, text=text)
    return conversation


def url(conversation, name, **kwargs):
    component = conversation.component
    return reverse(
        f"conversations:{name}",
        kwargs={
            "process_slug": component.process.slug,
            "component_id": component.pk,
            "public_id": conversation.public_id,
            **kwargs,
        },
    )
