from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from parlons.backoffice import selectors
from parlons.backoffice.access import staff_required


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation  # type: ignore[attr-defined]
    return render(
        request,
        "backoffice/home.html",
        {
            "dashboard": selectors.dashboard(organisation=organisation),
            "processes": list(selectors.process_list(organisation=organisation)),
            "section": "home",
        },
    )
