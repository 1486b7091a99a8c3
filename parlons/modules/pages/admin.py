from __future__ import annotations

from django.contrib import admin

from parlons.modules.pages.models import Page


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ("title", "component", "position", "updated_at")
    list_filter = ("component__process__organisation",)
    search_fields = ("title", "body")
    list_select_related = ("component",)
    raw_id_fields = ("component",)
