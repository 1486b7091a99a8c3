"""The suggestion endpoint that module forms call as people type (HTMX): an HTML fragment of buttons."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from parlons.common.errors import NotFound
from parlons.core import permissions, registry
from parlons.core.selectors import access_component_by_id
from parlons.insights.suggestions import (
    SuggestionsRateLimited,
    requester_key,
    suggestion_list,
    suggestion_rate_hit,
)

# The form field whose text is read, in order: a report's description, a proposal's body, or plain text.
TEXT_FIELDS = ("description", "body", "text")


@require_GET
def suggest(request: HttpRequest, component_id: int) -> HttpResponse:
    """Suggested labels for the text typed in a component's contribution form. 404 for a component the
    visitor cannot see (or of another organisation), 403 when they may not contribute there, 429 when
    they ask too often."""
    try:
        component = access_component_by_id(
            organisation=request.organisation,  # type: ignore[attr-defined]
            user=request.user,
            component_id=component_id,
        )
    except NotFound as exc:
        raise Http404 from exc
    manifest = registry.get(component.module_key)
    if manifest is None or manifest.labelled_texts is None:
        raise Http404
    if not permissions.can_perform(request.user, component, "create"):
        return HttpResponse(status=403)
    try:
        suggestion_rate_hit(who=requester_key(request))
    except SuggestionsRateLimited as exc:
        return HttpResponse(str(exc), status=exc.status, headers={"Retry-After": "60"})
    text = next((request.GET[f] for f in TEXT_FIELDS if request.GET.get(f)), "")
    suggestions = suggestion_list(component=component, text=text)
    return render(request, "insights/_suggestions.html", {"suggestions": suggestions})
