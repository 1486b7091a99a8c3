"""The Django admin for platform operators (``is_staff``): every organisation's core data.

Town halls manage their own data in the back office; this admin is the operators' tool for support and
set-up. Creating an organisation goes through ``organisation_create``, like the command and the API.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from parlons.core import registry
from parlons.core.models import (
    Area,
    Component,
    DecisionDocument,
    DecisionEvent,
    Organisation,
    Phase,
    Process,
    Service,
    Topic,
)
from parlons.core.services import organisation_create


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = (
            "name",
            "slug",
            "host",
            "is_default",
            "logo",
            "logo_alt",
            "primary_colour",
            "accent_colour",
            "description",
            "languages",
            "default_language",
            "contact_email",
            "population",
            "centre",
        )

    def _get_validation_exclusions(self) -> Any:
        # Making this organisation the default one un-defaults the previous one (see save_model), so the
        # "one default organisation" constraint must not refuse the form.
        exclusions = super()._get_validation_exclusions()  # type: ignore[misc]
        exclusions.add("is_default")
        return exclusions


@admin.register(Organisation)
class OrganisationAdmin(GISModelAdmin):
    form = OrganisationForm
    list_display = ("name", "slug", "host", "is_default", "population", "created_at")
    list_filter = ("is_default",)
    search_fields = ("name", "slug", "host")
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "slug", "host", "is_default")}),
        (_("Appearance"), {"fields": ("logo", "logo_alt", "primary_colour", "accent_colour", "description")}),
        (_("Languages"), {"fields": ("languages", "default_language")}),
        (_("Town"), {"fields": ("contact_email", "population", "centre")}),
        (_("Map"), {"fields": ("tile_url", "tile_attribution")}),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )

    def get_fieldsets(self, request: HttpRequest, obj: Organisation | None = None) -> Any:
        # A new organisation starts with the default (OpenStreetMap) tiles; they are changed afterwards.
        fieldsets = super().get_fieldsets(request, obj)
        return fieldsets if obj is not None else [f for f in fieldsets if f[0] != _("Map")]

    # Fields the service sets on creation; the others are copied afterwards.
    _SERVICE_FIELDS = frozenset(
        {"slug", "name", "host", "is_default", "languages", "primary_colour", "accent_colour"}
    )

    @transaction.atomic
    def save_model(
        self, request: HttpRequest, obj: Organisation, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            if obj.is_default:
                Organisation.objects.filter(is_default=True).exclude(pk=obj.pk).update(is_default=False)
            super().save_model(request, obj, form, change)
            return
        created = organisation_create(
            slug=obj.slug,
            name=obj.name,
            host=obj.host,
            is_default=obj.is_default,
            languages=obj.languages or ("fr", "en"),
            primary_colour=obj.primary_colour,
            accent_colour=obj.accent_colour,
        )
        for field in form.cleaned_data:
            if field not in self._SERVICE_FIELDS and hasattr(created, field):
                setattr(created, field, getattr(obj, field))
        created.save()
        # The admin goes on with ``obj`` (messages, log entry, redirect): make it the saved row.
        obj.__dict__.update(created.__dict__)


class AreaInline(admin.TabularInline):
    model = Area
    fields = ("name", "slug", "code")
    extra = 0
    show_change_link = True


@admin.register(Area)
class AreaAdmin(GISModelAdmin):
    list_display = ("name", "code", "organisation")
    list_filter = ("organisation",)
    search_fields = ("name", "slug", "code")
    list_select_related = ("organisation",)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "organisation")
    list_filter = ("organisation",)
    search_fields = ("name", "slug")
    list_select_related = ("organisation",)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "organisation")
    list_filter = ("organisation",)
    search_fields = ("name", "slug", "email")
    list_select_related = ("organisation",)


class PhaseInline(admin.TabularInline):
    model = Phase
    fields = ("position", "title", "start_date", "end_date", "is_current")
    extra = 0


class ComponentForm(forms.ModelForm):
    module_key = forms.ChoiceField(label=_("module"), choices=registry.choices)

    class Meta:
        model = Component
        fields = ("process", "module_key", "name", "settings", "permissions", "weight", "published_at")


class ComponentInline(admin.TabularInline):
    model = Component
    form = ComponentForm
    fields = ("module_key", "name", "weight", "published_at")
    extra = 0
    show_change_link = True


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
    list_display = ("title", "organisation", "visibility", "start_date", "end_date")
    list_filter = ("organisation", "visibility")
    search_fields = ("title", "slug", "subtitle")
    list_select_related = ("organisation",)
    autocomplete_fields = ("pilot_users",)
    filter_horizontal = ("topics",)
    inlines = (PhaseInline, ComponentInline)
    date_hierarchy = "start_date"


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    list_display = ("title", "process", "position", "start_date", "end_date", "is_current")
    list_filter = ("is_current", "process__organisation")
    search_fields = ("title", "process__title")
    list_select_related = ("process",)


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    form = ComponentForm
    list_display = ("name", "module_key", "process", "weight", "published_at")
    list_filter = ("module_key", "process__organisation")
    search_fields = ("name", "process__title")
    list_select_related = ("process",)


class DecisionDocumentInline(admin.TabularInline):
    model = DecisionDocument
    extra = 0


@admin.register(DecisionEvent)
class DecisionEventAdmin(admin.ModelAdmin):
    """The decision trail is append-only: operators can read it, not rewrite it."""

    list_display = (
        "created_at",
        "kind",
        "from_status",
        "to_status",
        "content_type",
        "object_id",
        "organisation",
    )
    list_filter = ("kind", "organisation", "content_type")
    search_fields = ("body", "object_id", "author_role")
    list_select_related = ("organisation", "content_type")
    inlines = (DecisionDocumentInline,)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
