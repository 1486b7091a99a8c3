from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from parlons.core import registry
from parlons.core.views import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("me/", include("parlons.accounts.urls")),
    path("backoffice/census/", include("parlons.accounts.backoffice_urls")),
    path("backoffice/insights/", include("parlons.insights.urls")),
    path("backoffice/", include("parlons.backoffice.urls")),
    path("api/v1/", include("parlons.api.urls")),
    # Open311 GeoReport v2 (per organisation, by host), served by the reports module's adapter.
    path("open311/v2/", include("parlons.modules.reports.open311.urls")),
    path("ledger/", include("parlons.ledger.urls")),
    path("dialogue/", include("parlons.dialogue.urls")),
    path("insights/suggest/", include("parlons.insights.suggest_urls")),
    path("", include("parlons.core.urls")),
    # Report photos go through the reports module's checks (held for review, private reports), never /media/.
    path("report-photos/", include("parlons.modules.reports.photo_urls")),
    re_path(r"^media/(?P<path>(?!reports/).*)$", serve, {"document_root": settings.MEDIA_ROOT}),
]

# Each participation module's pages, mounted through the registry: the core never names a module.
for _manifest in registry.all_modules():
    if _manifest.urls:
        urlpatterns.append(
            path(
                f"processes/<slug:process_slug>/{_manifest.key}/<int:component_id>/",
                include((_manifest.urls, _manifest.key), namespace=_manifest.key),
            )
        )
