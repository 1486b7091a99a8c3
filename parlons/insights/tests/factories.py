"""Builders of the insights app's rows, and the tenant-isolation builders."""

from __future__ import annotations

from django.utils import timezone

from parlons.insights.models import AnalysedText, AnalysisRun, Theme


def make_run(org, **fields):
    return AnalysisRun.objects.create(organisation=org, **fields)


def make_theme(org, key="t1", **fields):
    fields.setdefault("label", "Pistes cyclables")
    return Theme.objects.create(organisation=org, key=key, **fields)


def make_text(org, doc_id="consultations:1:proposal:a", **fields):
    fields.setdefault("text", "Il faut plus de pistes cyclables.")
    fields.setdefault("module", "consultations")
    fields.setdefault("first_seen", timezone.now())
    fields.setdefault("created", timezone.now())
    return AnalysedText.objects.create(organisation=org, doc_id=doc_id, **fields)


TENANT_BUILDERS = {
    "insights.AnalysisRun": make_run,
    "insights.Theme": make_theme,
    "insights.AnalysedText": make_text,
}
