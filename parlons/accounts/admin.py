"""The Django admin for platform operators: accounts, memberships, census imports and API tokens.

Secrets never show here: census entries and API tokens are stored as hashes and are read-only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from parlons.accounts.models import ApiToken, CensusEntry, CensusImport, Membership, User


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    fields = ("organisation", "role", "service", "home_area", "census_verified_at")
    raw_id_fields = ("service", "home_area")
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "display_name", "is_staff", "is_active", "date_joined", "deleted_at")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "display_name", "public_id")
    readonly_fields = (
        "public_id",
        "last_login",
        "date_joined",
        "franceconnect_verified_at",
        "identity_key",
        "deleted_at",
    )
    fieldsets = (
        (None, {"fields": ("email", "password", "public_id")}),
        (_("Profile"), {"fields": ("display_name", "language")}),
        (_("Verification"), {"fields": ("franceconnect_verified_at", "identity_key", "deleted_at")}),
        (
            _("Platform permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "display_name", "password1", "password2")}),
    )
    inlines = (MembershipInline,)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role", "service", "census_verified_at", "created_at")
    list_filter = ("role", "organisation")
    search_fields = ("user__email", "user__display_name")
    list_select_related = ("user", "organisation", "service")
    raw_id_fields = ("user", "service", "home_area")
    filter_horizontal = ("interests",)


@admin.register(CensusImport)
class CensusImportAdmin(admin.ModelAdmin):
    list_display = ("filename", "organisation", "rows", "uploaded_by", "created_at")
    list_filter = ("organisation",)
    readonly_fields = ("organisation", "uploaded_by", "filename", "rows", "created_at", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Imports go through census_import (back office or command), which hashes every row.
        return False


@admin.register(CensusEntry)
class CensusEntryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "organisation", "area", "claimed_by")
    list_filter = ("organisation",)
    readonly_fields = ("organisation", "digest", "area", "batch", "claimed_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ("name", "revoked_at")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ("name", "prefix", "user", "organisation", "last_used_at", "revoked_at")
    list_filter = ("organisation",)
    search_fields = ("name", "prefix", "user__email")
    list_select_related = ("user", "organisation")
    readonly_fields = ("organisation", "user", "prefix", "last_used_at", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The clear token is shown once at creation, which only api_token_create does.
        return False
