from __future__ import annotations

import pytest

from parlons.common.errors import PermissionDenied, ValidationFailed
from parlons.core.models import Process
from parlons.core.tests.factories import ComponentFactory, ProcessFactory
from parlons.modules.pages.models import Page
from parlons.modules.pages.services import page_delete, page_save
from parlons.modules.pages.tests.factories import PageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def component(org):
    return ComponentFactory(
        process=ProcessFactory(organisation=org, slug="place-du-marche"), name="Informations"
    )


def test_visitor_reads_the_pages_of_a_public_process(component, client_for):
    page = page_save(component=component, by=None, title="Le calendrier", body="Réunion publique le 3 mars.")
    index = client_for().get(f"/processes/place-du-marche/pages/{component.pk}/")
    assert index.status_code == 200
    assert "Le calendrier" in index.content.decode()
    detail = client_for().get(page.get_absolute_url())
    assert "Réunion publique le 3 mars." in detail.content.decode()


def test_draft_process_pages_are_hidden_from_visitors_but_not_admins(component, client_for, admin_user):
    page = PageFactory(component=component)
    Process.objects.filter(pk=component.process_id).update(visibility=Process.Visibility.DRAFT)
    assert client_for().get(page.get_absolute_url()).status_code == 404
    assert client_for(admin_user).get(page.get_absolute_url()).status_code == 200


def test_unpublished_component_is_hidden(component, client_for):
    page = PageFactory(component=component)
    component.published_at = None
    component.save()
    assert client_for().get(page.get_absolute_url()).status_code == 404


def test_only_admins_edit_pages(component, citizen, admin_user):
    with pytest.raises(PermissionDenied):
        page_save(component=component, by=citizen, title="Pirate", body="x")
    page = page_save(component=component, by=admin_user, title="FAQ", body="Questions fréquentes")
    with pytest.raises(PermissionDenied):
        page_delete(page=page, by=citizen)
    page_delete(page=page, by=admin_user)
    assert not Page.objects.filter(pk=page.pk).exists()


def test_bad_input_is_refused_and_nothing_is_written(component):
    with pytest.raises(ValidationFailed) as empty_title:
        page_save(component=component, by=None, title="  ", body="Texte")
    assert empty_title.value.field == "title"
    page_save(component=component, by=None, title="FAQ", body="Texte")
    with pytest.raises(ValidationFailed) as clash:
        page_save(component=component, by=None, title="FAQ", body="Autre texte")
    assert clash.value.field == "slug"
    assert Page.objects.filter(component=component).count() == 1


def test_page_of_a_component_in_another_module_key_is_404(component, client_for):
    page = PageFactory(component=component)
    component.module_key = "unknown"
    component.save()
    assert client_for().get(page.get_absolute_url()).status_code == 404
