"""Tenant scoping shared by every model that holds an organisation's data.

Each tenant model names the lookup path to its organisation in ``tenant_path``; selectors call
``Model.objects.for_organisation(org)`` and never filter by hand, so one rule keeps towns apart.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models


class TenantQuerySet(models.QuerySet):
    def for_organisation(self, organisation: Any) -> TenantQuerySet:
        path = self.model.tenant_path  # type: ignore[attr-defined]
        return self.filter(**{path: organisation})


class TenantModel(models.Model):
    """Abstract base: the model belongs to exactly one organisation, reached through ``tenant_path``."""

    tenant_path: ClassVar[str] = "organisation"
    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True

    def tenant_id(self) -> int:
        obj: Any = self
        for part in self.tenant_path.split("__"):
            obj = getattr(obj, part)
        return int(obj.pk)
