"""GeoReport v2 routes, mounted at ``/open311/v2/`` (namespace ``open311``)."""

from django.urls import path, re_path

from parlons.modules.reports.open311 import views

app_name = "open311"

_FMT = r"(?P<fmt>xml|json)"

urlpatterns = [
    path("", views.unknown_format, name="root"),
    re_path(rf"^discovery\.{_FMT}$", views.discovery, name="discovery"),
    re_path(rf"^services\.{_FMT}$", views.service_list, name="services"),
    re_path(rf"^services/(?P<code>[^/]+)\.{_FMT}$", views.service_definition, name="service"),
    re_path(rf"^requests\.{_FMT}$", views.request_list, name="requests"),
    re_path(rf"^requests/(?P<service_request_id>[^/]+)\.{_FMT}$", views.request_detail, name="request"),
    re_path(rf"^tokens/(?P<token>[^/]+)\.{_FMT}$", views.token_detail, name="token"),
    re_path(r"^(?P<path>.*)$", views.unknown_format, name="unknown"),
]
