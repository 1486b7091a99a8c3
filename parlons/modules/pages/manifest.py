"""Declares the ``pages`` module to the core registry."""

from __future__ import annotations

from collections.abc import Iterator

from django import forms
from django.utils.translation import gettext_lazy as _

from parlons.core import registry
from parlons.core.models import Component


class PagesSettingsForm(forms.Form):
    show_table_of_contents = forms.BooleanField(
        label=_("Show the list of pages"), required=False, initial=True
    )


def _stats(component: Component) -> dict[str, int]:
    from parlons.modules.pages.models import Page

    return {"pages": Page.objects.filter(component=component).count()}


def _texts(component: Component) -> Iterator[registry.AnalysisText]:
    """Pages are the organisation's own words: dated, but of no district."""
    from parlons.modules.pages.models import Page

    rows = Page.objects.filter(component=component).values_list("pk", "title", "body", "created_at")
    for pk, title, body, created_at in rows.iterator(chunk_size=2000):
        yield registry.AnalysisText(id=f"page:{pk}", text=f"{title}\n{body}", created=created_at)


def _seed(component: Component) -> None:
    from parlons.modules.pages.models import Page
    from parlons.modules.pages.services import page_save

    if Page.objects.filter(component=component).exists():
        return
    page_save(
        component=component,
        by=None,
        title=str(_("About this process")),
        body=str(_("Why the town asks for your opinion, how it will decide, and when.")),
    )
    page_save(
        component=component,
        by=None,
        title=str(_("Frequently asked questions")),
        body=str(_("Who can take part? Everyone who lives, works or studies in the town.")),
    )


manifest = registry.register(
    registry.ModuleManifest(
        key="pages",
        purpose="information",
        name=_("Information pages"),
        description=_("Pages that explain the process: context, calendar, frequently asked questions."),
        icon="file-text",
        app_label="pages",
        actions=(
            registry.Action(
                key="read", label=_("Read the information pages"), default_level=0, anonymous_allowed=True
            ),
        ),
        settings_form=PagesSettingsForm,
        default_settings={"show_table_of_contents": True},
        permissions={"read": lambda user, component, obj=None: True},
        urls="parlons.modules.pages.urls",
        stats=_stats,
        texts_for_analysis=_texts,
        seed=_seed,
        delete_guard=lambda component: None,
    )
)
