"""The component settings of the reports module: the form administrators fill, and typed access to them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parlons.core.models import validate_tile_url

DEFAULTS: dict[str, Any] = {
    "duplicate_radius_m": 50,
    "satisfaction_delay_days": 28,
    "allow_anonymous": True,
    "max_photos": 5,
    "photos_reviewed": True,
    # Empty: the organisation's tiles (Organisation.tile_url / tile_attribution).
    "tile_url": "",
    "tile_attribution": "",
}


class ReportsSettingsForm(forms.Form):
    duplicate_radius_m = forms.IntegerField(
        label=_("Distance for the duplicate check (metres)"), min_value=5, max_value=1000, initial=50
    )
    satisfaction_delay_days = forms.IntegerField(
        label=_("Ask “is it really fixed?” after (days)"), min_value=1, max_value=365, initial=28
    )
    allow_anonymous = forms.BooleanField(
        label=_("Allow reports without an account or with the name hidden"), required=False, initial=True
    )
    max_photos = forms.IntegerField(label=_("Photos per report"), min_value=0, max_value=5, initial=5)
    photos_reviewed = forms.BooleanField(
        label=_("Photos reviewed before publication"),
        required=False,
        initial=True,
        help_text=_(
            "Residents' photos are shown to the public only once a moderator or an agent has published them "
            "(after blurring faces and number plates if needed)."
        ),
    )
    tile_url = forms.CharField(
        label=_("Map tiles address"),
        max_length=300,
        required=False,
        help_text=_("With {z}, {x} and {y}; leave empty to use the organisation's map tiles."),
    )
    tile_attribution = forms.CharField(label=_("Map attribution"), max_length=200, required=False)

    def clean_tile_url(self) -> str:
        url = self.cleaned_data["tile_url"].strip()
        if url:
            validate_tile_url(url)
        return url


@dataclass(frozen=True)
class ReportsSettings:
    duplicate_radius_m: int
    satisfaction_delay_days: int
    allow_anonymous: bool
    max_photos: int
    photos_reviewed: bool
    tile_url: str
    tile_attribution: str


def settings_of(component: Any) -> ReportsSettings:
    """The component's settings; the map tiles fall back to the organisation's when not overridden."""
    merged = {**DEFAULTS, **{k: v for k, v in (component.settings or {}).items() if k in DEFAULTS}}
    organisation = component.process.organisation
    if not merged["tile_url"]:
        merged["tile_url"] = organisation.tile_url
        merged["tile_attribution"] = merged["tile_attribution"] or organisation.tile_attribution
    return ReportsSettings(
        duplicate_radius_m=int(merged["duplicate_radius_m"]),
        satisfaction_delay_days=int(merged["satisfaction_delay_days"]),
        allow_anonymous=bool(merged["allow_anonymous"]),
        max_photos=int(merged["max_photos"]),
        photos_reviewed=bool(merged["photos_reviewed"]),
        tile_url=str(merged["tile_url"]),
        tile_attribution=str(merged["tile_attribution"]),
    )
