"""The analysis of an organisation's contributions: run through the task queue, themes kept, corrections kept,
the page for officials only, and nothing of another town."""

from __future__ import annotations

import pytest
from django.urls import reverse

from parlons.common.errors import Conflict, ValidationFailed
from parlons.insights import services
from parlons.insights.models import AnalysedText, AnalysisRun, RunStatus, Theme
from parlons.insights.tests.test_topics import BENCHES, CYCLING, NOISE
from parlons.modules.consultations.tests.factories import ProposalFactory, consultations_component

pytestmark = pytest.mark.django_db


def _proposals(org, texts, component=None):
    from parlons.core.tests.factories import MembershipFactory

    component = component or consultations_component(org)
    author = MembershipFactory(organisation=org).user
    for text in texts:
        ProposalFactory(organisation=org, component=component, author=author, title=text[:60], body=text)
    return component


@pytest.fixture
def analysed(org, django_capture_on_commit_callbacks, agent):
    component = _proposals(org, CYCLING + BENCHES + NOISE)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.analysis_request(organisation=org, by=agent)
    run.refresh_from_db()
    return run, component


def _theme_of(org, needle):
    text = AnalysedText.objects.for_organisation(org).get(text__contains=needle)
    return Theme.objects.for_organisation(org).get(process=None, key=text.theme_key)


def test_an_analysis_runs_in_the_task_queue_and_stores_themes(org, analysed):
    run, component = analysed
    assert run.status == RunStatus.DONE and run.progress == 100
    assert run.texts == 18
    themes = Theme.objects.for_organisation(org).filter(process=None, parent_key="")
    assert 2 <= themes.count() <= 6
    texts = AnalysedText.objects.for_organisation(org)
    assert texts.count() == 18
    assert {t.module for t in texts} == {"consultations"}
    assert all(t.theme_key for t in texts)
    assert all(t.component_id == component.pk for t in texts)
    assert _theme_of(org, "pistes cyclables sécurisées") == _theme_of(org, "piste cyclable s'arrête")
    assert _theme_of(org, "pistes cyclables sécurisées") != _theme_of(org, "bruit des voitures la nuit")
    bikes = _theme_of(org, "pistes cyclables sécurisées")
    assert bikes.tone, "tone per theme is measured"
    assert sum(bikes.tone[k] for k in ("positive", "neutral", "negative")) == bikes.size


def test_a_first_analysis_flags_no_weak_signal_from_its_own_dates(org, analysed):
    run, _component = analysed
    assert run.district_signals == []
    assert all(t.signals == [] for t in Theme.objects.for_organisation(org))


def test_a_second_analysis_keeps_themes_and_corrections(org, analysed, django_capture_on_commit_callbacks):
    _run, component = analysed
    bikes = _theme_of(org, "pistes cyclables sécurisées")
    noise = _theme_of(org, "bruit des voitures la nuit")
    services.theme_rename(theme=bikes, label="Vélo en ville")
    text = AnalysedText.objects.for_organisation(org).get(text__contains="bancs cassés")
    services.contribution_tag(text=text, theme=noise)
    _proposals(org, ["Encore une piste cyclable dangereuse devant l'école"], component)
    with django_capture_on_commit_callbacks(execute=True):
        services.analysis_request(organisation=org)
    bikes.refresh_from_db()
    assert bikes.label == "Vélo en ville" and bikes.label_pinned
    new = AnalysedText.objects.for_organisation(org).get(text__contains="devant l'école")
    assert new.theme_key == bikes.key
    text.refresh_from_db()
    assert text.theme_key == noise.key and text.pinned
    assert AnalysisRun.objects.for_organisation(org).filter(status=RunStatus.DONE).count() == 2


def test_merge_and_split_are_kept(org, analysed, django_capture_on_commit_callbacks):
    bikes = _theme_of(org, "pistes cyclables sécurisées")
    benches = _theme_of(org, "bancs cassés")
    merged = services.theme_merge(theme=benches, into=bikes)
    assert merged.size == 12
    assert not Theme.objects.for_organisation(org).filter(pk=benches.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.analysis_request(organisation=org)
    assert _theme_of(org, "bancs cassés").key == bikes.key
    bikes = _theme_of(org, "pistes cyclables sécurisées")
    children = list(Theme.objects.for_organisation(org).filter(parent_key=bikes.key))
    assert len(children) >= 2
    new = services.theme_split(theme=bikes)
    assert len(new) == len(children)
    assert not Theme.objects.for_organisation(org).filter(key=bikes.key).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.analysis_request(organisation=org)
    keys = {t.key for t in Theme.objects.for_organisation(org).filter(parent_key="")}
    assert {t.key for t in new} <= keys


def test_corrections_refuse_what_makes_no_sense(org, analysed):
    bikes = _theme_of(org, "pistes cyclables sécurisées")
    with pytest.raises(ValidationFailed):
        services.theme_rename(theme=bikes, label="   ")
    with pytest.raises(ValidationFailed):
        services.theme_merge(theme=bikes, into=bikes)
    with pytest.raises(ValidationFailed):
        services.theme_split(theme=bikes)  # six contributions: no sub-themes


def test_one_analysis_at_a_time_per_scope(org):
    AnalysisRun.objects.create(organisation=org, status=RunStatus.RUNNING)
    with pytest.raises(Conflict):
        services.analysis_request(organisation=org)


def test_an_organisation_without_contributions_gets_an_empty_analysis(org):
    run = services.analysis_run_now(organisation=org)
    assert run.status == RunStatus.DONE and run.texts == 0
    assert not Theme.objects.for_organisation(org).exists()


def test_a_process_is_analysed_alone(org):
    first = _proposals(org, CYCLING + BENCHES)
    _proposals(org, NOISE)
    run = services.analysis_run_now(organisation=org, process=first.process)
    assert run.texts == 12
    assert AnalysedText.objects.for_organisation(org).filter(process=first.process).count() == 12


# --- the page ---------------------------------------------------------------------------------------


def test_the_page_shows_themes_with_chart_table_and_drill_down(org, analysed, client_for, agent):
    client = client_for(agent)
    page = client.get(reverse("insights:overview"))
    assert page.status_code == 200
    body = page.content.decode()
    bikes = _theme_of(org, "pistes cyclables sécurisées")
    assert bikes.label in body
    assert "<svg" in body and "<table" in body and bikes.page_url() in body
    detail = client.get(bikes.page_url()).content.decode()
    assert "pistes cyclables sécurisées" in detail
    assert "bruit des voitures la nuit" not in detail.replace("&#x27;", "'")
    assert "Representative contributions" in detail and "Trend" in detail


def test_filters_narrow_the_counts(org, analysed, client_for, agent):
    client = client_for(agent)
    body = client.get(reverse("insights:overview"), {"module": "reports"}).content.decode()
    assert "No theme under these filters." in body
    body = client.get(
        reverse("insights:overview"), {"since": "2000-01-01", "module": "consultations"}
    ).content.decode()
    assert _theme_of(org, "pistes cyclables sécurisées").label in body


def test_officials_correct_themes_from_the_page(org, analysed, client_for, agent):
    client = client_for(agent)
    bikes = _theme_of(org, "pistes cyclables sécurisées")
    noise = _theme_of(org, "bruit des voitures la nuit")
    response = client.post(reverse("insights:rename", kwargs={"key": bikes.key}), {"label": "Vélo"})
    assert response.status_code == 302
    bikes.refresh_from_db()
    assert bikes.label == "Vélo"
    text = AnalysedText.objects.for_organisation(org).get(text__contains="bancs cassés")
    client.post(
        reverse("insights:tag", kwargs={"pk": text.pk}), {"theme": noise.key, "back": noise.page_url()}
    )
    text.refresh_from_db()
    assert text.theme_key == noise.key
    client.post(reverse("insights:merge", kwargs={"key": noise.key}), {"into": bikes.key})
    assert not Theme.objects.for_organisation(org).filter(key=noise.key).exists()
    shown = client.get(reverse("insights:overview")).content.decode()
    assert "Vélo" in shown


def test_starting_an_analysis_from_the_page_shows_its_progress(
    org, client_for, agent, django_capture_on_commit_callbacks
):
    _proposals(org, CYCLING + BENCHES)
    client = client_for(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("insights:run"))
    assert response.status_code == 302
    run = AnalysisRun.objects.for_organisation(org).get()
    assert run.status == RunStatus.DONE
    panel = client.get(reverse("insights:run_status", kwargs={"pk": run.pk}), HTTP_HX_REQUEST="true")
    assert "12 contributions" in panel.content.decode()
    assert "hx-trigger" not in panel.content.decode(), "polling stops once done"
    AnalysisRun.objects.create(organisation=org, status=RunStatus.RUNNING, progress=40, step="Finding themes")
    running = client.get(reverse("insights:overview")).content.decode()
    assert 'hx-trigger="every 2s"' in running and "Finding themes" in running


@pytest.mark.parametrize("who", ["anonymous", "citizen"])
def test_only_staff_see_the_analysis(org, analysed, client_for, citizen, who):
    client = client_for(None if who == "anonymous" else citizen)
    bikes = _theme_of(org, "pistes cyclables sécurisées")
    for url in (reverse("insights:overview"), bikes.page_url()):
        response = client.get(url)
        assert response.status_code == (302 if who == "anonymous" else 403)
    response = client.post(reverse("insights:rename", kwargs={"key": bikes.key}), {"label": "Hacked"})
    assert response.status_code in (302, 403)
    bikes.refresh_from_db()
    assert bikes.label != "Hacked"


def test_another_towns_officials_see_nothing_of_this_town(org, other_org, analysed, client_for):
    from parlons.accounts.models import Role
    from parlons.core.tests.factories import MembershipFactory

    their_admin = MembershipFactory(organisation=other_org, role=Role.ADMIN).user
    bikes = _theme_of(org, "pistes cyclables sécurisées")
    run, _component = analysed
    own = client_for(their_admin, organisation=other_org)
    assert own.get(bikes.page_url()).status_code == 404
    assert own.get(reverse("insights:run_status", kwargs={"pk": run.pk})).status_code == 404
    page = own.get(reverse("insights:overview")).content.decode()
    assert bikes.label not in page
    text = AnalysedText.objects.for_organisation(org).first()
    assert own.post(reverse("insights:tag", kwargs={"pk": text.pk}), {"theme": bikes.key}).status_code == 404
    # and on this town's host, their membership counts for nothing
    assert client_for(their_admin).get(reverse("insights:overview")).status_code == 403


def test_the_back_office_links_to_the_analysis(org, client_for, agent):
    body = client_for(agent).get(reverse("backoffice:home")).content.decode()
    assert reverse("insights:overview") in body


def test_a_run_silent_for_an_hour_no_longer_blocks_a_new_one(org):
    from datetime import timedelta

    from django.utils import timezone

    stale = AnalysisRun.objects.create(organisation=org, status=RunStatus.RUNNING)
    AnalysisRun.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - timedelta(hours=2))
    assert services.analysis_run_now(organisation=org).status == RunStatus.DONE


def test_the_pages_read_a_bounded_number_of_queries(
    org, analysed, client_for, agent, django_assert_max_num_queries
):
    client = client_for(agent)
    bikes = _theme_of(org, "pistes cyclables sécurisées")
    client.get(reverse("insights:overview"))  # warm the session and caches
    with django_assert_max_num_queries(16):
        assert client.get(reverse("insights:overview")).status_code == 200
    with django_assert_max_num_queries(22):
        assert client.get(bikes.page_url()).status_code == 200


def test_a_process_has_its_own_analysis_page(org, client_for, agent, django_capture_on_commit_callbacks):
    first = _proposals(org, CYCLING + BENCHES)
    _proposals(org, NOISE)
    client = client_for(agent)
    slug = first.process.slug
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("insights:process_run", kwargs={"slug": slug}))
    run = AnalysisRun.objects.for_organisation(org).get(process=first.process)
    assert run.texts == 12
    body = client.get(reverse("insights:process_overview", kwargs={"slug": slug})).content.decode()
    theme = Theme.objects.for_organisation(org).filter(process=first.process, parent_key="").first()
    assert theme.page_url() in body
    assert "bruit" not in body.lower()
    assert client.get(theme.page_url()).status_code == 200
    assert client.get(reverse("insights:process_overview", kwargs={"slug": "nope"})).status_code == 404


def test_the_analyse_command_runs_now(org):
    from io import StringIO

    from django.core.management import call_command

    _proposals(org, CYCLING + BENCHES)
    out = StringIO()
    call_command("insights_analyse", organisation=org.slug, stdout=out)
    assert "12 contributions analysed" in out.getvalue()
    assert AnalysisRun.objects.for_organisation(org).get().status == RunStatus.DONE
