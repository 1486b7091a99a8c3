"""Static information pages of a process (context, FAQ, calendar, documents)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from parlons.common.models import TimeStampedModel
from parlons.common.tenancy import TenantModel


class Page(TenantModel, TimeStampedModel):
    tenant_path = "component__process__organisation"

    component = models.ForeignKey("core.Component", on_delete=models.CASCADE, related_name="pages")
    slug = models.SlugField(max_length=100)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        constraints = [models.UniqueConstraint(fields=["component", "slug"], name="page_slug_per_component")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse(
            "pages:detail",
            kwargs={
                "process_slug": self.component.process.slug,
                "component_id": self.component_id,
                "slug": self.slug,
            },
        )
