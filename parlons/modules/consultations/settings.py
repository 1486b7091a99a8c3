"""Component settings of the consultations module: the administrators' form and typed access."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

DEFAULTS: dict[str, Any] = {
    "support_threshold": 100,
    "max_proposals_per_participant": 5,
    "max_proposals_per_process": 0,
    "alignment_on_proposals": False,
    "citizen_debates": False,
    "flags_to_hide": 3,
    "show_map": True,
}


class ConsultationsSettingsForm(forms.Form):
    support_threshold = forms.IntegerField(
        label=_("Supports after which the town must answer (0: no threshold)"),
        min_value=0,
        max_value=1_000_000,
        initial=100,
    )
    max_proposals_per_participant = forms.IntegerField(
        label=_("Proposals per participant (0: no limit)"), min_value=0, max_value=1000, initial=5
    )
    max_proposals_per_process = forms.IntegerField(
        label=_("Proposals in the whole process, all participants together (0: no limit)"),
        min_value=0,
        max_value=1_000_000,
        initial=0,
    )
    alignment_on_proposals = forms.BooleanField(
        label=_("Comments on proposals say for, neutral or against"), required=False, initial=False
    )
    citizen_debates = forms.BooleanField(
        label=_("Participants may open debates"), required=False, initial=False
    )
    flags_to_hide = forms.IntegerField(
        label=_("Flags after which content is hidden pending review"), min_value=1, max_value=100, initial=3
    )
    show_map = forms.BooleanField(
        label=_("Proposals may carry a position on the map"), required=False, initial=True
    )


@dataclass(frozen=True)
class ConsultationsSettings:
    support_threshold: int
    max_proposals_per_participant: int
    max_proposals_per_process: int
    alignment_on_proposals: bool
    citizen_debates: bool
    flags_to_hide: int
    show_map: bool


def settings_of(component: Any) -> ConsultationsSettings:
    merged = {**DEFAULTS, **{k: v for k, v in (component.settings or {}).items() if k in DEFAULTS}}
    return ConsultationsSettings(
        support_threshold=int(merged["support_threshold"]),
        max_proposals_per_participant=int(merged["max_proposals_per_participant"]),
        max_proposals_per_process=int(merged["max_proposals_per_process"]),
        alignment_on_proposals=bool(merged["alignment_on_proposals"]),
        citizen_debates=bool(merged["citizen_debates"]),
        flags_to_hide=int(merged["flags_to_hide"]),
        show_map=bool(merged["show_map"]),
    )
