from __future__ import annotations

import io

import pytest
from django.urls import reverse

from parlons.modules.surveys.tests.factories import make_survey, surveys_component


@pytest.fixture
def survey(org):
    return make_survey(org, component=surveys_component(org), allow_anonymous=True)


def url(survey, name, **kwargs):
    component = survey.component
    return reverse(
        f"surveys:{name}",
        kwargs={
            "process_slug": component.process.slug,
            "component_id": component.pk,
            "public_id": survey.public_id,
            **kwargs,
        },
    )


def png_bytes(size=(40, 30), colour="red"):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()
