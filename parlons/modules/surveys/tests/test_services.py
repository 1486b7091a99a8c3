"""Services of the surveys module: definitions, starting and resuming, answering page by page, sending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from parlons.common.errors import Conflict, PermissionDenied
from parlons.modules.surveys import services
from parlons.modules.surveys.models import Response, ResponseFile, Survey, Uniqueness
from parlons.modules.surveys.tests.conftest import png_bytes

pytestmark = pytest.mark.django_db

PROFILE = {"age": {"choice": "25-44"}, "quartier": {"choice": "centre"}}


def answer_all(response, pages):
    for page, values in pages:
        services.response_answer_page(response=response, page_key=page, values=values, shown=None)


def test_save_definition_refuses_a_cycle_naming_the_questions(survey, admin_user):
    definition = {
        "pages": [
            {
                "key": "p",
                "sections": [
                    {
                        "key": "s",
                        "questions": [
                            {
                                "key": "alpha",
                                "type": "short_text",
                                "text": {"fr": "A"},
                                "condition": {"ref": "beta", "op": "answered"},
                            },
                            {
                                "key": "beta",
                                "type": "short_text",
                                "text": {"fr": "B"},
                                "condition": {"ref": "alpha", "op": "answered"},
                            },
                        ],
                    }
                ],
            }
        ]
    }
    before = survey.definition
    with pytest.raises(services.DefinitionInvalid) as info:
        services.survey_save_definition(survey=survey, by=admin_user, definition=definition)
    assert "circle" in str(info.value) and "alpha" in str(info.value) and "beta" in str(info.value)
    survey.refresh_from_db()
    assert survey.definition == before


def test_save_definition_refuses_unreachable_questions(survey, admin_user):
    definition = {
        "pages": [
            {
                "key": "p1",
                "jumps": [{"to": "p3"}],
                "sections": [
                    {"key": "s", "questions": [{"key": "a", "type": "short_text", "text": {"fr": "A"}}]}
                ],
            },
            {
                "key": "p2",
                "sections": [
                    {"key": "s", "questions": [{"key": "b", "type": "short_text", "text": {"fr": "B"}}]}
                ],
            },
            {
                "key": "p3",
                "sections": [
                    {"key": "s", "questions": [{"key": "c", "type": "short_text", "text": {"fr": "C"}}]}
                ],
            },
        ]
    }
    with pytest.raises(services.DefinitionInvalid) as info:
        services.survey_save_definition(survey=survey, by=admin_user, definition=definition)
    assert "No respondent can reach these pages: p2." in info.value.problems


def test_only_staff_edit(survey, citizen):
    with pytest.raises(PermissionDenied):
        services.survey_save_definition(survey=survey, by=citizen, definition=survey.definition)


def test_duplicate_and_template(survey, admin_user):
    copy = services.survey_duplicate(survey=survey, by=admin_user)
    assert (
        copy.component_id == survey.component_id
        and copy.definition == survey.definition
        and copy.pk != survey.pk
    )
    template = services.survey_duplicate(survey=survey, by=admin_user, as_template=True)
    assert template.is_template and template.component is None
    again = services.survey_duplicate(survey=template, by=admin_user, component=survey.component)
    assert not again.is_template and again.component_id == survey.component_id


def test_start_resumes_the_draft_and_refuses_a_second_response(survey, citizen):
    first = services.response_start(survey=survey, user=citizen)
    assert services.response_start(survey=survey, user=citizen).pk == first.pk
    answer_all(
        first, [("profil", PROFILE), ("deplacements", {"modes": ["marche"]}), ("satisfaction", {"note": 7})]
    )
    services.response_submit(response=first)
    with pytest.raises(Conflict) as info:
        services.response_start(survey=survey, user=citizen)
    assert info.value.code == "already_answered"


def test_one_response_per_device_for_anonymous_people(survey):
    from django.contrib.auth.models import AnonymousUser

    response = services.response_start(survey=survey, user=AnonymousUser(), device_id="device-1")
    answer_all(
        response,
        [("profil", PROFILE), ("deplacements", {"modes": ["marche"]}), ("satisfaction", {"note": 7})],
    )
    services.response_submit(response=response)
    with pytest.raises(Conflict):
        services.response_start(survey=survey, user=AnonymousUser(), device_id="device-1")
    assert (
        services.response_start(survey=survey, user=AnonymousUser(), device_id="device-2").pk != response.pk
    )


def test_anonymous_refused_when_the_survey_needs_an_account(survey):
    from django.contrib.auth.models import AnonymousUser

    survey.allow_anonymous = False
    survey.save()
    with pytest.raises(PermissionDenied):
        services.response_start(survey=survey, user=AnonymousUser(), device_id="d")


def test_several_responses_allowed(survey, citizen):
    survey.uniqueness = Uniqueness.NONE
    survey.save()
    first = services.response_start(survey=survey, user=citizen)
    answer_all(
        first, [("profil", PROFILE), ("deplacements", {"modes": ["marche"]}), ("satisfaction", {"note": 7})]
    )
    services.response_submit(response=first)
    assert services.response_start(survey=survey, user=citizen).pk != first.pk


def test_verification_level_is_required(survey, citizen):
    component = survey.component
    component.permissions = {"respond": {"level": 2}}
    component.save()
    with pytest.raises(PermissionDenied) as info:
        services.response_start(survey=survey, user=citizen)
    assert "census" in str(info.value)


def test_closed_and_not_yet_open(survey, citizen):
    survey.closes_at = timezone.now() - timedelta(minutes=1)
    survey.save()
    with pytest.raises(PermissionDenied) as info:
        services.response_start(survey=survey, user=citizen)
    assert info.value.code == "closed"
    survey.closes_at, survey.opens_at = None, timezone.now() + timedelta(days=1)
    survey.save()
    with pytest.raises(PermissionDenied):
        services.response_start(survey=survey, user=citizen)


def test_answer_after_closing_is_refused_and_nothing_saved(survey, citizen):
    response = services.response_start(survey=survey, user=citizen)
    Survey.objects.filter(pk=survey.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    response = Response.objects.select_related("survey").get(pk=response.pk)
    with pytest.raises(PermissionDenied):
        services.response_answer_page(response=response, page_key="profil", values=PROFILE)
    assert Response.objects.get(pk=response.pk).answers == {}


def test_a_refused_answer_saves_nothing_of_the_page(survey, citizen):
    response = services.response_start(survey=survey, user=citizen)
    with pytest.raises(services.AnswersInvalid) as info:
        services.response_answer_page(
            response=response,
            page_key="profil",
            values={"age": {"choice": "25-44"}, "quartier": {"choice": "mars"}},
        )
    assert info.value.errors == {"quartier": "Please choose among the answers offered."}
    assert Response.objects.get(pk=response.pk).answers == {}


def test_required_and_out_of_range_messages(survey, citizen):
    response = services.response_start(survey=survey, user=citizen)
    answer_all(response, [("profil", PROFILE)])
    with pytest.raises(services.AnswersInvalid) as info:
        services.response_answer_page(
            response=response, page_key="deplacements", values={"modes": ["voiture", "bus", "velo", "marche"]}
        )
    assert info.value.errors["modes"] == "Please choose at most 3 answers."
    with pytest.raises(services.AnswersInvalid) as info:
        services.response_answer_page(response=response, page_key="deplacements", values={"modes": ""})
    assert info.value.errors["modes"] == "Please answer this question."


def test_deepen_follow_up_keeps_the_person_on_the_page(survey, citizen):
    response = services.response_start(survey=survey, user=citizen)
    answer_all(response, [("profil", PROFILE), ("deplacements", {"modes": ["bus"]})])
    shown = ["note", "priorites", "cadre"]
    path, following = services.response_answer_page(
        response=response, page_key="satisfaction", values={"note": 1}, shown=shown
    )
    assert following == "satisfaction" and "pourquoi" in path.questions_of("satisfaction")
    with pytest.raises(services.AnswersInvalid):
        services.response_submit(response=response)
    _path, following = services.response_answer_page(
        response=response,
        page_key="satisfaction",
        values={"note": 1, "pourquoi": "Trop de voitures"},
        shown=[*shown, "pourquoi", "ou"],
    )
    assert following == "idees"


def test_submit_drops_answers_from_branches_not_taken_and_keeps_the_profile(survey, citizen):
    response = services.response_start(survey=survey, user=citizen)
    answer_all(
        response,
        [
            ("profil", PROFILE),
            ("deplacements", {"modes": ["voiture"], "km_voiture": "40"}),
            ("stationnement", {"stationnement": {"choice": "facile"}}),
        ],
    )
    answer_all(response, [("deplacements", {"modes": ["marche"]}), ("satisfaction", {"note": 8})])
    sent = services.response_submit(response=response)
    assert "km_voiture" not in sent.answers and "stationnement" not in sent.answers
    assert sent.district == "centre" and sent.age_group == "25-44" and sent.receipt and sent.submitted_at
    with pytest.raises(Conflict):
        services.response_submit(response=sent)


def test_assisted_mode_is_marked(survey, agent, citizen):
    response = services.response_assisted_start(
        survey=survey, agent=agent, channel="phone", district="nord", age_group="65-plus"
    )
    assert response.is_assisted and response.channel == "phone" and response.respondent is None
    answer_all(
        response,
        [
            ("profil", {"age": {"choice": "65-plus"}, "quartier": {"choice": "nord"}}),
            ("deplacements", {"modes": ["marche"]}),
            ("satisfaction", {"note": 5}),
        ],
    )
    sent = services.response_submit(response=response)
    assert sent.assisted_by == agent and sent.district == "nord"
    with pytest.raises(PermissionDenied):
        services.response_assisted_start(survey=survey, agent=citizen)


def test_photo_is_checked_by_pillow_and_cleaned(survey, citizen):
    response = services.response_start(survey=survey, user=citizen)
    answer_all(
        response,
        [("profil", PROFILE), ("deplacements", {"modes": ["marche"]}), ("satisfaction", {"note": 7})],
    )
    fake = SimpleUploadedFile("photo.jpg", b"<?php echo 'not an image'; ?>", content_type="image/jpeg")
    with pytest.raises(services.AnswersInvalid) as info:
        services.response_answer_page(response=response, page_key="idees", values={}, files={"photo": fake})
    assert "not an image" in info.value.errors["photo"]
    assert not ResponseFile.objects.exists()
    real = SimpleUploadedFile("rue.png", png_bytes(), content_type="image/png")
    services.response_answer_page(response=response, page_key="idees", values={}, files={"photo": real})
    stored = ResponseFile.objects.get()
    assert response.answers["photo"]["name"] == "rue.png" and stored.file.name.endswith(".jpg")


def test_profile_from_membership_drives_profile_rules(survey, citizen, org):
    from parlons.accounts.models import Membership
    from parlons.core.tests.factories import TopicFactory

    Membership.objects.get(user=citizen, organisation=org).interests.add(
        TopicFactory(organisation=org, slug="mobilite")
    )
    response = services.response_start(survey=survey, user=citizen)
    assert response.profile["topics"] == ["mobilite"]
    answer_all(
        response, [("profil", PROFILE), ("deplacements", {"modes": ["bus"]}), ("satisfaction", {"note": 7})]
    )
    assert "ligne_bus" in services.response_path(response).questions_of("idees")


def test_submit_all_for_the_api(survey, citizen):
    sent = services.response_submit_all(
        survey=survey,
        user=citizen,
        answers={
            **PROFILE,
            "modes": ["velo"],
            "securite_velo": 1,
            "note": 2,
            "pourquoi": "Pistes interrompues",
            "recontact": {"choice": "oui"},
        },
    )
    assert sent.status == "submitted" and sent.answers["recontact"] == {"choice": "oui"}
