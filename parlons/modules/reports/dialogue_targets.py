"""How the shared dialogue sees a report: who may comment (its reporter, its followers and staff), and when."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from parlons.dialogue import targets


def _closed_reason(report: Any) -> Any:
    if report.is_private:
        return _("This report is private: it holds personal data.")
    if report.duplicate_of_id:
        return _("This report was merged: the discussion continues on the original report.")
    return None


def register() -> None:
    targets.register(
        targets.Target(
            label="reports.report",
            component_of=lambda report: report.component,
            url_of=lambda report: report.get_absolute_url(),
            title_of=lambda report: f"{report.category.name} — {report.public_id}",
            author_of=lambda report: None if report.is_anonymous else report.reporter,
            action="comment",
            closed_reason=_closed_reason,
            text_of=lambda report: report.description,
        )
    )
