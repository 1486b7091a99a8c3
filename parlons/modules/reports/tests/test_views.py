"""The pages: map and list, GeoJSON, report form (without JavaScript), report page, work queue, API."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from parlons.modules.reports import services
from parlons.modules.reports.models import Report, ReportFollower, SatisfactionSurvey, Status
from parlons.modules.reports.tests.conftest import NORD, OUTSIDE, SUD, jpeg, mail_text, upload
from parlons.modules.reports.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db


def url(component, name, **kwargs):
    return reverse(
        f"reports:{name}",
        kwargs={"process_slug": component.process.slug, "component_id": component.pk, **kwargs},
    )


def make_reports(component, category, n, lonlat=SUD, **fields):
    return [
        ReportFactory(
            organisation=component.process.organisation,
            component=component,
            category=category,
            lon=lonlat[0] + i * 1e-5,
            lat=lonlat[1],
            **fields,
        )
        for i in range(n)
    ]


def test_report_form_without_javascript(
    component, citizen, pothole, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(citizen)
    page = client.get(url(component, "new"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="idempotency_key"' in body and "<optgroup" in body and "Voirie" in body
    data = {
        "category": pothole.pk,
        "description": "Trou profond devant le numéro 12.",
        "lon": SUD[0],
        "lat": SUD[1],
        "idempotency_key": "form-1",
        "photos": [upload(jpeg("red"), "a.jpg"), upload(jpeg("blue"), "b.jpg")],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(component, "new"), data)
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    assert report.photos.count() == 2 and report.reporter == citizen
    # The double tap: same key, same report.
    data["photos"] = []
    again = client.post(url(component, "new"), data)
    assert again.status_code == 302 and Report.objects.count() == 1


def test_outside_error_is_shown_next_to_the_position(component, citizen, pothole, client_for):
    response = client_for(citizen).post(
        url(component, "new"),
        {"category": pothole.pk, "description": "Un trou.", "lon": OUTSIDE[0], "lat": OUTSIDE[1]},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="location-error"' in body and "Valmont" in body and 'href="#location"' in body
    assert Report.objects.count() == 0


def test_duplicates_are_shown_before_submitting_and_me_too_counts(
    component, citizen, pothole, client_for, agent
):
    existing = services.report_submit(
        component=component,
        by=agent,
        category_id=pothole.pk,
        description="Nid-de-poule déjà signalé.",
        lon=SUD[0],
        lat=SUD[1],
    )
    client = client_for(citizen)
    fragment = client.get(
        url(component, "nearby"), {"lon": SUD[0], "lat": SUD[1] + 0.0001, "category": pothole.pk}
    )
    assert existing.public_id in fragment.content.decode() and "Me too" in fragment.content.decode()
    form = {"category": pothole.pk, "description": "Encore ce trou.", "lon": SUD[0], "lat": SUD[1] + 0.0001}
    first = client.post(url(component, "new"), form)
    assert first.status_code == 422 and existing.public_id in first.content.decode()
    assert Report.objects.count() == 1, "not filed before the person has seen the similar reports"
    # "Me too" instead of a new report.
    client.post(url(component, "follow", public_id=existing.public_id), form)
    existing.refresh_from_db()
    assert (
        existing.followers_count == 1
        and ReportFollower.objects.filter(report=existing, user=citizen).exists()
    )
    # Or, having seen them, send anyway.
    sent = client.post(url(component, "new"), {**form, "duplicates_seen": existing.public_id})
    assert sent.status_code == 302 and Report.objects.count() == 2


def test_anonymous_report_form_asks_for_an_email(component, pothole, client_for):
    client = client_for()
    page = client.get(url(component, "new"))
    assert page.status_code == 200 and 'name="contact_email"' in page.content.decode()
    response = client.post(
        url(component, "new"),
        {"category": pothole.pk, "description": "Un trou.", "lon": SUD[0], "lat": SUD[1]},
    )
    assert response.status_code == 422 and Report.objects.count() == 0
    response = client.post(
        url(component, "new"),
        {
            "category": pothole.pk,
            "description": "Un trou.",
            "lon": SUD[0],
            "lat": SUD[1],
            "contact_email": "a@exemple.fr",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "a@exemple.fr" not in page, "the contact stays private"


def test_report_page_shows_trail_photos_and_staff_tools(component, citizen, agent, pothole, client_for):
    report = services.report_submit(
        component=component,
        by=citizen,
        category_id=pothole.pk,
        description="Trou.",
        lon=SUD[0],
        lat=SUD[1],
        photo_files=[upload(jpeg())],
    )
    services.report_answer(report=report, by=agent, body="Nous intervenons demain.", status="in_progress")
    services.photo_publish(photo=report.photos.get(), by=agent)
    public = client_for().get(report.get_absolute_url()).content.decode()
    assert "Nous intervenons demain." in public and "What became of it" in public
    assert report.photos.get().url in public
    assert "Handle this report" not in public and citizen.email not in public
    staff = client_for(agent).get(report.get_absolute_url()).content.decode()
    assert "Handle this report" in staff and citizen.email in staff


def test_staff_actions_through_the_page(component, citizen, agent, pothole, template, client_for):
    report = services.report_submit(
        component=component, by=citizen, category_id=pothole.pk, description="Trou.", lon=SUD[0], lat=SUD[1]
    )
    client = client_for(agent)
    client.post(url(component, "manage", public_id=report.public_id, action="acknowledge"))
    client.post(
        url(component, "manage", public_id=report.public_id, action="answer"),
        {"template": template.pk, "body": ""},
    )
    report.refresh_from_db()
    assert report.status == Status.FIXED
    # A citizen cannot use the staff actions.
    response = client_for(citizen).post(
        url(component, "manage", public_id=report.public_id, action="status"), {"status": "closed"}
    )
    assert response.status_code == 404


def test_satisfaction_page_by_token(component, citizen, agent, pothole, client_for):
    report = services.report_submit(
        component=component, by=citizen, category_id=pothole.pk, description="Trou.", lon=SUD[0], lat=SUD[1]
    )
    services.report_set_status(report=report, by=agent, status="fixed")
    survey = SatisfactionSurvey.objects.get(report=report)
    client = client_for()
    assert (
        client.get(url(component, "satisfaction", public_id=report.public_id, token="faux")).status_code
        == 404
    )
    page = client.get(url(component, "satisfaction", public_id=report.public_id, token=survey.token))
    assert page.status_code == 200
    response = client.post(
        url(component, "satisfaction", public_id=report.public_id, token=survey.token),
        {"answer": "no", "rating": "1"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.RECEIVED and report.reopened_count == 1
    # The reporter also sees the form on the report page while a survey is pending.
    services.report_set_status(report=report, by=agent, status="fixed")
    assert "Is it really fixed?" in client_for(citizen).get(report.get_absolute_url()).content.decode()


def test_map_geojson_clusters_and_points(component, pothole, client_for):
    make_reports(component, pothole, 5, lonlat=SUD)
    make_reports(component, pothole, 1, lonlat=NORD)
    client = client_for()
    bbox = "1.99,47.99,2.02,48.02"
    far = json.loads(client.get(url(component, "map_geojson"), {"bbox": bbox, "zoom": 12}).content)
    assert sum(f["properties"]["count"] for f in far["features"]) == 6
    clusters = [f for f in far["features"] if f["properties"]["cluster"]]
    assert clusters and max(f["properties"]["count"] for f in clusters) >= 5
    close = json.loads(client.get(url(component, "map_geojson"), {"bbox": bbox, "zoom": 18}).content)
    assert len(close["features"]) == 6 and not any(f["properties"]["cluster"] for f in close["features"])
    filtered = json.loads(
        client.get(url(component, "map_geojson"), {"bbox": bbox, "zoom": 18, "status": "fixed"}).content
    )
    assert filtered["features"] == []
    outside = json.loads(
        client.get(url(component, "map_geojson"), {"bbox": "3,49,3.1,49.1", "zoom": 18}).content
    )
    assert outside["features"] == []
    assert client.get(url(component, "map_geojson"), {"bbox": "nonsense"}).status_code == 400


def test_list_beside_the_map_has_the_same_filters(component, pothole, streetlight, client_for, districts):
    make_reports(component, pothole, 3, lonlat=SUD, area=districts["sud"])
    make_reports(component, streetlight, 2, lonlat=NORD, area=districts["nord"], status=Status.FIXED)
    client = client_for()
    body = client.get(url(component, "index")).content.decode()
    assert "5 reports" in body and 'id="report-map"' in body
    assert "2 reports" in client.get(url(component, "index"), {"status": "fixed"}).content.decode()
    assert "3 reports" in client.get(url(component, "index"), {"area": districts["sud"].pk}).content.decode()
    assert "3 reports" in client.get(url(component, "index"), {"category": pothole.pk}).content.decode()
    near = client.get(url(component, "index"), {"near": f"{NORD[0]},{NORD[1] + 0.005}"}).content.decode()
    assert "2 reports" in near


def test_list_and_map_query_counts_do_not_grow(component, pothole, client_for, django_assert_max_num_queries):
    client = client_for()
    bbox = {"bbox": "1.99,47.99,2.02,48.02", "zoom": 17}
    make_reports(component, pothole, 3)
    # Counted right away: each request resets the connection's query log.
    with django_assert_max_num_queries(16) as captured:
        client.get(url(component, "index"))
    small = len(captured)
    with django_assert_max_num_queries(10) as captured:
        client.get(url(component, "map_geojson"), bbox)
    small_map = len(captured)
    make_reports(component, pothole, 30, lonlat=NORD)
    with django_assert_max_num_queries(small):
        client.get(url(component, "index"))
    with django_assert_max_num_queries(small_map):
        client.get(url(component, "map_geojson"), bbox)


def test_queue_for_agents_with_constant_queries(
    component, agent, citizen, pothole, streetlight, client_for, django_assert_max_num_queries, admin_user
):
    mine = make_reports(component, pothole, 3)
    others = make_reports(component, streetlight, 2)
    assert client_for(citizen).get(url(component, "queue")).status_code == 404
    assert client_for().get(url(component, "queue")).status_code == 302
    client = client_for(agent)
    with django_assert_max_num_queries(20) as captured:
        body = client.get(url(component, "queue")).content.decode()
    small = len(captured)
    assert all(r.public_id in body for r in mine) and not any(r.public_id in body for r in others)
    admin_body = client_for(admin_user).get(url(component, "queue")).content.decode()
    assert all(r.public_id in admin_body for r in mine + others)
    make_reports(component, pothole, 25)
    with django_assert_max_num_queries(small):
        client.get(url(component, "queue"))


def test_queue_filters_overdue_and_bulk_actions(component, agent, pothole, client_for):
    late = make_reports(component, pothole, 2, due_at=timezone.now() - timezone.timedelta(hours=2))
    on_time = make_reports(component, pothole, 1)
    client = client_for(agent)
    body = client.get(url(component, "queue"), {"overdue": "1"}).content.decode()
    assert all(r.public_id in body for r in late) and on_time[0].public_id not in body
    response = client.post(
        url(component, "queue_bulk"), {"reports": [r.public_id for r in late], "action": "acknowledge"}
    )
    assert response.status_code == 302
    assert set(Report.objects.filter(pk__in=[r.pk for r in late]).values_list("status", flat=True)) == {
        "acknowledged"
    }
    client.post(url(component, "queue_bulk"), {"reports": [on_time[0].public_id], "action": "assign_me"})
    assert Report.objects.get(pk=on_time[0].pk).assigned_to == agent


def test_another_organisation_sees_nothing(component, pothole, other_org, client_for):
    from parlons.accounts.models import Role
    from parlons.core.tests.factories import MembershipFactory

    report = make_reports(component, pothole, 1)[0]
    foreign_admin = MembershipFactory(organisation=other_org, role=Role.ADMIN).user
    foreign = client_for(foreign_admin, organisation=other_org)
    assert foreign.get(report.get_absolute_url()).status_code == 404
    assert foreign.get(url(component, "queue")).status_code == 404
    assert foreign.get(url(component, "map_geojson"), {"bbox": "1,47,3,49", "zoom": 18}).status_code == 404
    assert (
        foreign.post(
            url(component, "manage", public_id=report.public_id, action="private"), {"private": "1"}
        ).status_code
        == 404
    )
    assert not Report.objects.get(pk=report.pk).is_private


def test_api_map_list_detail_and_create(component, citizen, pothole, client_for, agent):
    make_reports(component, pothole, 4)
    client = client_for()
    base = f"/api/v1/components/{component.pk}/reports"
    geo = client.get(f"{base}/map.geojson", {"bbox": "1.99,47.99,2.02,48.02", "zoom": 18})
    assert geo.status_code == 200 and len(geo.json()["features"]) == 4
    assert client.get(f"{base}/map.geojson", {"bbox": "x"}).status_code == 422
    listing = client.get(f"{base}/", {"page_size": 2})
    assert listing.status_code == 200 and listing.json()["count"] == 4 and len(listing.json()["items"]) == 2
    one = listing.json()["items"][0]["id"]
    assert client.get(f"{base}/{one}").json()["id"] == one
    assert client.get(f"{base}/inconnu").status_code == 404
    signed = client_for(citizen)
    payload = {
        "category_id": pothole.pk,
        "description": "Trou via l'API.",
        "lon": SUD[0],
        "lat": SUD[1],
        "idempotency_key": "api-1",
    }
    from django.middleware.csrf import _get_new_csrf_string

    token = _get_new_csrf_string()
    signed.cookies["csrftoken"] = token
    created = signed.post(f"{base}/", payload, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert created.status_code == 201, created.content
    again = signed.post(f"{base}/", payload, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert again.json()["id"] == created.json()["id"]
    outside = signed.post(
        f"{base}/",
        {**payload, "lon": OUTSIDE[0], "lat": OUTSIDE[1], "idempotency_key": "api-2"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert outside.status_code == 422 and outside.json()["code"] == "outside_area"


def test_anonymous_me_too_is_confirmed_from_the_email_link(
    component, citizen, pothole, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    report = services.report_submit(
        component=component,
        by=citizen,
        category_id=pothole.pk,
        description="Un trou.",
        lon=SUD[0],
        lat=SUD[1],
    )
    mailoutbox.clear()
    visitor = client_for()
    with django_capture_on_commit_callbacks(execute=True):
        answer = visitor.post(
            url(component, "follow", public_id=report.public_id), {"email": "voisin@exemple.fr"}, follow=True
        )
    assert "confirm" in answer.content.decode()
    assert not ReportFollower.objects.filter(report=report).exists()
    (message,) = mailoutbox
    link = next(w for w in mail_text(message).split() if "/follow/" in w)
    assert link.startswith("https://valmont.example.test/")
    page = visitor.get(link.removeprefix("https://valmont.example.test"), follow=True)
    assert page.status_code == 200 and "is counted" in page.content.decode()
    assert ReportFollower.objects.filter(report=report, email="voisin@exemple.fr").exists()
