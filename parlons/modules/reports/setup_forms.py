"""Forms of the module's set-up pages (categories, routing rules, answer templates, Open311 keys)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parlons.core.models import Area, Organisation, Service
from parlons.modules.reports.models import Category, Status


def _services(organisation: Organisation) -> list[tuple[str, str]]:
    return [(str(s.pk), s.name) for s in Service.objects.for_organisation(organisation).order_by("name")]


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    service = forms.TypedChoiceField(
        label=_("Service in charge"), coerce=int, required=False, empty_value=None
    )
    sla_hours = forms.IntegerField(
        label=_("Target time (hours)"),
        min_value=1,
        max_value=24 * 365,
        initial=168,
        help_text=_("Reports still open after this time are shown as overdue."),
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        max_length=1000,
        help_text=_("Words that suggest this category, separated by commas."),
    )
    description = forms.CharField(label=_("Description"), required=False, max_length=300)
    external_name = forms.CharField(label=_("External body"), required=False, max_length=200)
    external_email = forms.EmailField(
        label=_("External body e-mail"),
        required=False,
        help_text=_("When another authority is responsible, reports are also sent to this address."),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", _("No service")), *_services(organisation)]  # type: ignore[attr-defined]


class RouteForm(forms.Form):
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    area = forms.TypedChoiceField(label=_("District"), coerce=int)
    service = forms.TypedChoiceField(label=_("Service in charge there"), coerce=int)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = [(str(c.pk), c.name) for c in Category.objects.for_organisation(organisation)]
        areas = [(str(a.pk), a.name) for a in Area.objects.for_organisation(organisation).order_by("name")]
        self.fields["category"].choices = [("", _("Choose a category")), *categories]  # type: ignore[attr-defined]
        self.fields["area"].choices = [("", _("Choose a district")), *areas]  # type: ignore[attr-defined]
        self.fields["service"].choices = [("", _("Choose a service")), *_services(organisation)]  # type: ignore[attr-defined]


class AnswerTemplateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(label=_("Text of the answer"), widget=forms.Textarea(attrs={"rows": 5}))
    service = forms.TypedChoiceField(
        label=_("Service"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Offered to this service's agents; without a service, to everyone."),
    )
    status = forms.ChoiceField(label=_("Status to set"), required=False)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", _("Every service")), *_services(organisation)]  # type: ignore[attr-defined]
        self.fields["status"].choices = [("", _("Keep the status")), *Status.choices]  # type: ignore[attr-defined]


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the key"), max_length=100, help_text=_("The application that will use it.")
    )
