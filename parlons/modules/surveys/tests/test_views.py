"""The pages: answering along two paths (branching, piping, progress), resuming, review, receipt, editor, results."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parlons.modules.surveys import services
from parlons.modules.surveys.models import Response
from parlons.modules.surveys.tests.conftest import url
from parlons.modules.surveys.tests.factories import make_response, make_survey, surveys_component

pytestmark = pytest.mark.django_db


def progress(body):
    return int(re.search(r'<progress max="100" value="(\d+)"', body).group(1))


def post_page(client, survey, page, data, shown):
    return client.post(url(survey, "answer", page_key=page), {**data, "shown": shown})


def test_two_paths_through_the_pages(survey, client_for, citizen, agent):
    walker, driver = client_for(citizen), client_for(agent)
    for client in (walker, driver):
        response = client.post(url(survey, "start"))
        assert response.status_code == 302 and response["Location"].endswith("/page/profil/")
        post_page(client, survey, "profil", {"age": "25-44", "quartier": "centre"}, ["age", "quartier"])
    # On foot: the car questions and the parking page are skipped.
    r = post_page(
        walker,
        survey,
        "deplacements",
        {"modes": "marche"},
        ["modes", "km_voiture", "securite_velo", "dernier_bus"],
    )
    assert r["Location"].endswith("/page/satisfaction/")
    # By car: the parking page comes next, and the distance question appears with it (same page first).
    r = post_page(driver, survey, "deplacements", {"modes": "voiture"}, ["modes"])
    assert r["Location"].endswith("/page/deplacements/")
    body = driver.get(r["Location"]).content.decode()
    assert 'name="km_voiture"' in body
    r = post_page(
        driver, survey, "deplacements", {"modes": "voiture", "km_voiture": "40"}, ["modes", "km_voiture"]
    )
    assert r["Location"].endswith("/page/stationnement/")
    walker_body = walker.get(url(survey, "answer", page_key="satisfaction")).content.decode()
    driver_body = driver.get(url(survey, "answer", page_key="stationnement")).content.decode()
    assert "Page 3 of 4" in walker_body and "Page 3 of 5" in driver_body
    # Progress counts the questions of each person's own path: the driver's path is longer.
    walked = re.search(r"(\d+) of (\d+) questions answered", walker_body).groups()
    driven = re.search(r"(\d+) of (\d+) questions answered", driver_body).groups()
    assert walked == ("3", "9") and driven == ("4", "11")
    assert progress(walker_body) == round(100 * 3 / 9) and progress(driver_body) == round(100 * 4 / 11)


def test_deepen_and_piping_through_the_pages(survey, client_for, citizen):
    client = client_for(citizen)
    client.post(url(survey, "start"))
    post_page(client, survey, "profil", {"age": "25-44", "quartier": "centre"}, ["age", "quartier"])
    post_page(client, survey, "deplacements", {"modes": "bus"}, ["modes", "dernier_bus"])
    r = post_page(client, survey, "satisfaction", {"note": "2"}, ["note", "priorites", "cadre"])
    assert r["Location"].endswith("/page/satisfaction/")
    body = client.get(r["Location"]).content.decode()
    assert "You gave 2/10: what exactly is wrong?" in body
    assert "A few more questions follow from your answer." in body
    r = post_page(
        client,
        survey,
        "satisfaction",
        {"note": "2", "ou__lat": "47.4", "ou__lon": "0.98"},
        ["note", "pourquoi", "ou", "priorites", "cadre"],
    )
    assert r.status_code == 422
    body = r.content.decode()
    assert 'class="error-summary"' in body and 'href="#q-pourquoi"' in body and 'aria-invalid="true"' in body


def test_resume_later_and_review_and_receipt(survey, client_for):
    client = client_for()
    r = client.post(url(survey, "start"))
    assert "parlons_survey_device" in r.cookies
    post_page(client, survey, "profil", {"age": "65-plus", "quartier": "nord"}, ["age", "quartier"])
    # Later, same device: the detail page offers to resume at the saved page.
    body = client.get(url(survey, "detail")).content.decode()
    assert "Resume" in body
    r = client.post(url(survey, "start"))
    assert r["Location"].endswith("/page/deplacements/")
    post_page(client, survey, "deplacements", {"modes": "marche"}, ["modes"])
    post_page(client, survey, "satisfaction", {"note": "9"}, ["note", "priorites", "cadre"])
    r = post_page(client, survey, "idees", {}, ["affirmations", "idee", "photo"])
    assert r["Location"].endswith("/review/")
    review = client.get(r["Location"]).content.decode()
    assert "65 and over" in review and "On foot" in review
    r = client.post(url(survey, "review"))
    sent = Response.objects.get()
    assert sent.status == "submitted" and r["Location"].endswith(f"/receipt/{sent.public_id}/")
    assert sent.receipt in client.get(r["Location"]).content.decode()
    # Another browser cannot read the receipt.
    assert client_for().get(r["Location"]).status_code == 404
    assert "already answered" in client.get(url(survey, "detail")).content.decode()


def test_closed_survey_page(survey, client_for, citizen):
    from django.utils import timezone

    survey.closes_at = timezone.now()
    survey.save()
    client = client_for(citizen)
    assert "closed" in client.get(url(survey, "detail")).content.decode()
    r = client.post(url(survey, "start"), follow=True)
    assert "closed" in r.content.decode()
    assert not Response.objects.exists()


def test_assisted_entry_through_the_pages(survey, client_for, agent):
    client = client_for(agent)
    r = client.post(url(survey, "assisted"), {"channel": "counter", "district": "sud", "age_group": "45-64"})
    assert r["Location"].endswith("/page/profil/")
    assert "Assisted entry: At a counter" in client.get(r["Location"]).content.decode()
    response = Response.objects.get()
    assert response.assisted_by == agent and response.channel == "counter"


def test_citizen_cannot_edit_or_see_unpublished_results(survey, client_for, citizen):
    client = client_for(citizen)
    assert client.get(url(survey, "edit")).status_code == 404
    assert client.get(url(survey, "results")).status_code == 404
    assert client.get(url(survey, "export", fmt="csv")).status_code == 404


def test_editor_adds_a_question_with_a_rule_and_refuses_a_cycle(survey, client_for, admin_user):
    client = client_for(admin_user)
    assert client.get(url(survey, "edit")).status_code == 200
    r = client.post(
        url(survey, "edit"),
        {
            "action": "question",
            "question-page": "idees",
            "question-key": "velo_type",
            "question-type": "single_choice",
            "question-text_fr": "Quel vélo ?",
            "question-options": "classique | Classique | Classic\nelec | Électrique | Electric",
            "question-condition_source": "answer",
            "question-condition_ref": "modes",
            "question-condition_op": "contains",
            "question-condition_value": "velo",
        },
    )
    assert r.status_code == 302
    survey.refresh_from_db()
    added = survey.definition["pages"][4]["sections"][0]["questions"][-1]
    assert added["key"] == "velo_type" and added["condition"]["ref"] == "modes"
    definition = json.loads(json.dumps(survey.definition))
    definition["pages"][0]["sections"][0]["questions"][0]["condition"] = {
        "ref": "note",
        "op": "gt",
        "value": 3,
    }
    r = client.post(url(survey, "edit"), {"action": "json", "json-definition": json.dumps(definition)})
    assert r.status_code == 422
    assert "“age” depends on question “note”, which is asked after it" in r.content.decode()
    r = client.post(url(survey, "edit"), {"action": "delete", "key": "modes"})
    assert r.status_code == 422 and "which does not exist (deleted?)" in r.content.decode()


def test_preview_saves_nothing(survey, client_for, admin_user):
    client = client_for(admin_user)
    r = client.post(
        url(survey, "preview", page_key="profil"),
        {"age": "25-44", "quartier": "centre", "shown": ["age", "quartier"]},
    )
    assert r["Location"].endswith("/preview/deplacements/")
    assert "Preview" in client.get(r["Location"]).content.decode()
    assert not Response.objects.exists()


def _submitted(org, survey, answers, district="", age_group=""):
    response = make_response(
        org, survey, status="submitted", answers=answers, district=district, age_group=age_group
    )
    services.survey_rebuild_results(survey=survey)  # created directly, not through response_submit
    return response


def test_results_count_multiple_choice_over_respondents(org, client_for, admin_user):
    survey = make_survey(org, component=surveys_component(org))
    _submitted(org, survey, {"modes": {"choices": ["voiture", "bus"]}})
    _submitted(org, survey, {"modes": {"choices": ["bus"]}})
    _submitted(org, survey, {"modes": {"choices": ["bus", "velo", "marche"]}})
    _submitted(org, survey, {"note": 4})
    count, tabulated = services_results(survey)
    modes = next(r for r in tabulated if r.key == "modes")
    assert count == 4 and modes.base == 3 and modes.multiple
    by_label = {row.label: (row.count, row.percent) for row in modes.rows}
    assert by_label["Bus"] == (3, 100.0) and by_label["Car"] == (1, 33.3)
    body = client_for(admin_user).get(url(survey, "results")).content.decode()
    assert "Base: 3 people answered this question." in body and "add up to more than 100%" in body


def services_results(survey):
    from parlons.modules.surveys.selectors import survey_results

    return survey_results(survey=survey, lang="en")


def test_crosstab_hides_groups_under_five(org, client_for, admin_user):
    survey = make_survey(org, component=surveys_component(org))
    for i in range(6):
        _submitted(
            org, survey, {"stationnement": {"choice": "difficile" if i % 2 else "facile"}}, district="centre"
        )
    for _i in range(3):
        _submitted(org, survey, {"stationnement": {"choice": "difficile"}}, district="nord")
    body = (
        client_for(admin_user)
        .get(url(survey, "results") + "?question=stationnement&by=district")
        .content.decode()
    )
    assert "Centre-ville" in body and "(n=6)" in body and "50.0%" in body
    assert "Quartier Nord" not in body.split("Cross-tabulation")[1].split("</table>")[0]
    assert "1 group of fewer than 5 people is hidden" in body


def test_results_page_query_count_is_pinned(org, client_for, admin_user):
    survey = make_survey(org, component=surveys_component(org))
    for i in range(30):
        _submitted(
            org,
            survey,
            {
                "modes": {"choices": ["bus"]},
                "note": i % 11,
                "ou": {"lon": 0.98, "lat": 47.4},
                "idee": "Plus de bus le soir",
            },
            district="centre",
        )
    client = client_for(admin_user)
    client.get(url(survey, "results"))
    cache.clear()  # measure the page with its results computed, not read from the cache
    with CaptureQueriesContext(connection) as first:
        assert client.get(url(survey, "results") + "?question=modes&by=district").status_code == 200
    for i in range(30):
        _submitted(org, survey, {"modes": {"choices": ["velo"]}, "note": i % 11}, district="nord")
    cache.clear()
    with CaptureQueriesContext(connection) as second:
        client.get(url(survey, "results") + "?question=modes&by=district")
    assert len(second) == len(first) <= 24, [q["sql"][:80] for q in second.captured_queries]
    with CaptureQueriesContext(connection) as cached:
        client.get(url(survey, "results"))
    assert len(cached) < len(second)


def test_public_results_show_only_published_questions(survey, client_for, org):
    survey.results_public = True
    survey.published_questions = ["note"]
    survey.save()
    _submitted(org, survey, {"note": 5, "modes": {"choices": ["bus"]}})
    body = client_for().get(url(survey, "results")).content.decode()
    assert "Are you satisfied" in body and "How do you usually get around" not in body
    assert "Export" not in body


def test_exports(survey, client_for, admin_user, org):
    _submitted(
        org,
        survey,
        {"modes": {"choices": ["bus", "__other__"], "other": "Trottinette"}, "note": 3},
        district="sud",
    )
    client = client_for(admin_user)
    csv_body = client.get(url(survey, "export", fmt="csv")).content.decode("utf-8-sig")
    header, row = csv_body.splitlines()[:2]
    assert header.startswith("response,submitted_at,channel,district,age_group,age,quartier,modes")
    assert "Bus, Trottinette" in row and ",sud," in row
    data = json.loads(client.get(url(survey, "export", fmt="json")).content)
    assert data["responses"][0]["answers"]["note"] == 3


def test_other_organisation_cannot_open_the_survey(survey, client_for, other_org):
    assert client_for(organisation=other_org).get(url(survey, "detail")).status_code == 404
    mine = services.response_start  # the selector scopes by organisation too
    assert mine


def test_api_reads_the_definition_and_takes_a_response(survey, client_for, citizen):
    client = client_for(citizen)
    base = f"/api/v1/components/{survey.component.pk}/surveys/"
    data = client.get(base + survey.public_id).json()
    assert data["definition"]["pages"][0]["key"] == "profil"
    payload = {
        "answers": {"age": {"choice": "25-44"}, "quartier": {"choice": "sud"}, "modes": ["marche"], "note": 6}
    }
    r = client.post(base + survey.public_id + "/responses", payload, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["receipt"]
    r = client.post(base + survey.public_id + "/responses", payload, content_type="application/json")
    assert r.status_code == 409
    bad = {"answers": {"age": {"choice": "200"}}}
    other = client_for(client_for and None)
    assert other.post(
        base + survey.public_id + "/responses", bad, content_type="application/json"
    ).status_code in (401, 403)


def test_xlsx_export_one_row_per_response_read_back_with_openpyxl(survey, client_for, admin_user, org):
    from io import BytesIO

    from openpyxl import load_workbook

    _submitted(
        org,
        survey,
        {"modes": {"choices": ["bus", "velo", "__other__"], "other": "Trottinette"}, "note": 3},
        district="sud",
    )
    _submitted(org, survey, {"modes": {"choices": ["marche"]}, "idee": '=HYPERLINK("http://x")'})
    client = client_for(admin_user)
    response = client.get(url(survey, "export", fmt="xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(BytesIO(response.content)).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows[0]
    assert header[:6] == ["response", "submitted_at", "channel", "district", "age_group", "age"]
    keys = [loc.key for loc in services.logic.iter_questions(survey.definition)]
    assert header[5:] == keys and len(rows) == 3
    first = dict(zip(header, rows[1], strict=True))
    assert first["modes"] in ("Bus; Bicycle; Trottinette", "Bus; Vélo; Trottinette")
    assert first["note"] == 3 and first["district"] == "sud"
    second = dict(zip(header, rows[2], strict=True))
    assert second["idee"] == '=HYPERLINK("http://x")'  # kept as text, not a formula
    cell = sheet.cell(row=3, column=header.index("idee") + 1)
    assert cell.data_type == "s"


def test_xlsx_export_is_for_staff_only(survey, client_for, citizen):
    assert client_for(citizen).get(url(survey, "export", fmt="xlsx")).status_code in (403, 404)
    assert client_for().get(url(survey, "export", fmt="xlsx")).status_code in (302, 403, 404)


def test_line_and_area_questions_offer_drawing_on_the_map_over_the_typed_points(org, client_for, admin_user):
    definition = {
        "pages": [
            {
                "key": "carte",
                "sections": [
                    {
                        "key": "carte_s",
                        "questions": [
                            {
                                "key": "trajet",
                                "type": "map_line",
                                "text": {"fr": "Votre trajet", "en": "Route"},
                            },
                            {"key": "zone", "type": "map_area", "text": {"fr": "La zone", "en": "Area"}},
                        ],
                    }
                ],
            }
        ]
    }
    survey = make_survey(org, component=surveys_component(org), definition=definition)
    client = client_for(admin_user)
    page = client.get(url(survey, "preview", page_key="carte")).content.decode()
    assert (
        'class="survey-map survey-draw"' in page and 'data-kind="line"' in page and 'data-kind="area"' in page
    )
    # The typed fallback stays; the drawing script comes from /static with the CSP nonce, no inline handler.
    assert 'name="trajet"' in page and 'name="zone"' in page
    assert re.search(r'<script src="[^"]*/surveys/survey\.js" nonce="[^"]+"', page)
    assert re.search(r'<script src="[^"]*leaflet\.js" nonce="[^"]+"', page)
    assert " onclick=" not in page
    refused = client.post(
        url(survey, "preview", page_key="carte"),
        {
            "trajet": "47.35 0.95\n47.36 0.96",
            "zone": "47.35 0.95\n47.36 0.96\n47.35 0.95",
            "shown": ["trajet", "zone"],
        },
    )
    assert refused.status_code in (200, 422)
    assert "at least 3 points" in refused.content.decode() or "au moins 3 points" in refused.content.decode()
