"""Forms of the reports pages, and the parsing of map/list filters shared by pages and API."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parlons.geo.geometry import BBox, InvalidGeometry
from parlons.modules.reports.models import CloseReason, SatisfactionSurvey, Status
from parlons.modules.reports.selectors import ReportFilters


def _int_list(values: list[str]) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def filters_from_query(query: Any, *, staff: bool = False) -> ReportFilters:
    """Read ``category``, ``status``, ``area``, ``from``, ``to``, ``bbox`` (and, for staff, ``service``,
    ``assigned``, ``overdue``, ``older_than``) from a QueryDict or a plain mapping. Unknown values are ignored."""
    if hasattr(query, "getlist"):
        getlist = query.getlist
    else:

        def getlist(key: str) -> list[Any]:
            value = query.get(key)
            return (
                [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)] if value else []
            )

    statuses = [s for s in getlist("status") if s in Status.values]
    bbox = None
    if query.get("bbox"):
        try:
            bbox = BBox.parse(query.get("bbox"))
        except InvalidGeometry:
            bbox = None
    area = query.get("area") or ""
    filters = ReportFilters(
        category_ids=_int_list(getlist("category")),
        statuses=statuses,
        area_id=int(area) if str(area).isdigit() else None,
        date_from=_date(query.get("from")),
        date_to=_date(query.get("to")),
        bbox=bbox,
    )
    if staff:
        service = query.get("service") or ""
        filters.service_id = int(service) if str(service).isdigit() else None
        assigned = query.get("assigned") or ""
        filters.assigned_to_id = int(assigned) if str(assigned).isdigit() else None
        filters.overdue = query.get("overdue") in ("1", "on", "true")
        older = query.get("older_than") or ""
        filters.older_than_days = int(older) if str(older).isdigit() else None
    return filters


class ReportForm(forms.Form):
    """The citizen's report. Position fields are filled by the map/GPS script, or left empty for the
    address or the photo's position to be used."""

    category = forms.TypedChoiceField(label=_("What kind of problem?"), coerce=int)
    description = forms.CharField(
        label=_("Describe the problem"),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 5000}),
        help_text=_("What, exactly where, since when. Do not write anyone's name."),
    )
    address = forms.CharField(
        label=_("Address or place"),
        required=False,
        max_length=300,
        help_text=_("Used when you do not share your position or tap the map."),
    )
    lon = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    anonymous = forms.BooleanField(label=_("Hide my name on the public page"), required=False)
    contact_email = forms.EmailField(
        label=_("Your e-mail address"),
        required=False,
        help_text=_("Only the service sees it, to tell you what happens."),
    )
    contact_name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=120)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(
        self, *args: Any, categories: list[tuple[str, list[Any]]], max_photos: int, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices: list[Any] = [("", _("Choose…"))]
        for service, items in categories:
            options = [(c.pk, c.name) for c in items]
            choices.append((service or _("Other"), options))
        self.fields["category"].choices = choices  # type: ignore[attr-defined]
        self.duplicates_pending = False
        self.max_photos = max_photos


class ManageStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    close_reason = forms.ChoiceField(
        label=_("Reason for closing"), choices=[("", "—"), *CloseReason.choices], required=False
    )
    body = forms.CharField(
        label=_("Message to the reporter (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


class SatisfactionForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Is the problem really fixed?"),
        choices=SatisfactionSurvey.Answer.choices,
        widget=forms.RadioSelect,
    )
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with how your report was handled? (1 = not at all, 5 = very)"),
        choices=[(str(i), str(i)) for i in range(1, 6)],
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


def query_string(params: Mapping[str, Any]) -> str:
    from urllib.parse import urlencode

    return urlencode([(k, v) for k, v in params.items() if v not in (None, "", [])], doseq=True)
