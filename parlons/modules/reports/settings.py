"""The component settings of the reports module: the form administrators fill, and typed access to them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"

DEFAULTS: dict[str, Any] = {
    "duplicate_radius_m": 50,
    "satisfaction_delay_days": 28,
    "allow_anonymous": True,
    "max_photos": 5,
    "photos_reviewed": True,
    "tile_url": OSM_TILES,
    "tile_attribution": OSM_ATTRIBUTION,
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
        initial=OSM_TILES,
        help_text=_("With {z}, {x} and {y}; e.g. the IGN Géoplateforme plan or OpenStreetMap."),
    )
    tile_attribution = forms.CharField(label=_("Map attribution"), max_length=200, initial=OSM_ATTRIBUTION)

    def clean_tile_url(self) -> str:
        url = self.cleaned_data["tile_url"].strip()
        if not url.startswith("https://") or not all(p in url for p in ("{z}", "{x}", "{y}")):
            raise forms.ValidationError(_("Give an https address containing {z}, {x} and {y}."))
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
    merged = {**DEFAULTS, **{k: v for k, v in (component.settings or {}).items() if k in DEFAULTS}}
    return ReportsSettings(
        duplicate_radius_m=int(merged["duplicate_radius_m"]),
        satisfaction_delay_days=int(merged["satisfaction_delay_days"]),
        allow_anonymous=bool(merged["allow_anonymous"]),
        max_photos=int(merged["max_photos"]),
        photos_reviewed=bool(merged["photos_reviewed"]),
        tile_url=str(merged["tile_url"]),
        tile_attribution=str(merged["tile_attribution"]),
    )
