from __future__ import annotations

import factory

from parlons.core.tests.factories import ComponentFactory, ProcessFactory
from parlons.modules.pages.models import Page


class PageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Page

    component = factory.SubFactory(ComponentFactory)
    slug = factory.Sequence(lambda n: f"page-{n}")
    title = factory.Sequence(lambda n: f"Page {n}")
    body = "Le calendrier de la concertation."


TENANT_BUILDERS = {
    "pages.Page": lambda org: PageFactory(
        component=ComponentFactory(process=ProcessFactory(organisation=org))
    ),
}
