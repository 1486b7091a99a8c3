from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()
WIDTH, HEIGHT = 96, 24


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag
def sparkline(counts: list[int]) -> str:
    """A small line of weekly counts; the counts themselves are its accessible name."""
    if not counts:
        return ""
    top = max(counts) or 1
    step = WIDTH / max(len(counts) - 1, 1)
    points = " ".join(
        f"{i * step:.1f},{HEIGHT - 2 - (c / top) * (HEIGHT - 4):.1f}" for i, c in enumerate(counts)
    )
    label = _("Contributions per week, oldest first: %(counts)s") % {
        "counts": ", ".join(str(c) for c in counts)
    }
    return format_html(
        '<svg class="ins-spark" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}">'
        '<polyline points="{}" fill="none" stroke="currentColor" stroke-width="2"/></svg>',
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        label,
        points,
    )


@register.simple_tag
def query_page(request: Any, page: int) -> str:
    """The current query string with ``page`` replaced (filters kept)."""
    query = request.GET.copy()
    query["page"] = str(page)
    return str(query.urlencode())
