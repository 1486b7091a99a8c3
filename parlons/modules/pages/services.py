from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from parlons.common.errors import PermissionDenied, ValidationFailed
from parlons.core import permissions
from parlons.core.models import Component
from parlons.modules.pages.models import Page


@transaction.atomic
def page_save(
    *, component: Component, by: Any, title: str, body: str, slug: str = "", page: Page | None = None
) -> Page:
    """Create or update an information page. Only the organisation's administrators (or the system, by=None)."""
    if by is not None and not permissions.is_admin(by, component.process.organisation):
        raise PermissionDenied(_("Only administrators can edit pages."))
    title, body = title.strip(), body.strip()
    if not title:
        raise ValidationFailed(_("A page needs a title."), field="title")
    if not body:
        raise ValidationFailed(_("A page needs a text."), field="body")
    slug = slugify(slug or title)[:100] or "page"
    clash = Page.objects.filter(component=component, slug=slug)
    if page is not None:
        clash = clash.exclude(pk=page.pk)
    if clash.exists():
        raise ValidationFailed(_("Another page already uses this address."), field="slug")
    if page is None:
        position = (Page.objects.filter(component=component).aggregate(m=Max("position"))["m"] or 0) + 1
        page = Page(component=component, position=position)
    page.title, page.body, page.slug = title, body, slug
    page.save()
    return page


@transaction.atomic
def page_delete(*, page: Page, by: Any) -> None:
    if by is not None and not permissions.is_admin(by, page.component.process.organisation):
        raise PermissionDenied(_("Only administrators can edit pages."))
    page.delete()
