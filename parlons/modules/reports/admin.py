from django.contrib import admin

from parlons.modules.reports.models import AnswerTemplate, Category, CategoryRoute, Report, ReportPhoto


class CategoryRouteInline(admin.TabularInline):
    model = CategoryRoute
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "service", "sla_hours", "is_active")
    list_filter = ("organisation", "is_active")
    search_fields = ("name", "keywords")
    inlines = [CategoryRouteInline]


class ReportPhotoInline(admin.TabularInline):
    model = ReportPhoto
    extra = 0
    readonly_fields = ("content_hash", "width", "height")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("public_id", "category", "status", "organisation", "created_at")
    list_filter = ("status", "organisation")
    search_fields = ("public_id", "description", "address")
    raw_id_fields = ("reporter", "assigned_to", "duplicate_of", "component")
    inlines = [ReportPhotoInline]


@admin.register(AnswerTemplate)
class AnswerTemplateAdmin(admin.ModelAdmin):
    list_display = ("title", "organisation", "service", "status")
