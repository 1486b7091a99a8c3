from django.urls import path

from parlons.modules.reports import setup_views, views

urlpatterns = [
    path("", views.index, name="index"),
    path("map.geojson", views.map_geojson, name="map_geojson"),
    path("new/", views.report_new, name="new"),
    path("nearby/", views.nearby, name="nearby"),
    path("geocode/", views.geocode, name="geocode"),
    path("queue/", views.queue, name="queue"),
    path("queue/bulk/", views.queue_bulk, name="queue_bulk"),
    path("setup/categories/", setup_views.categories, name="setup_categories"),
    path("setup/routes/", setup_views.routes, name="setup_routes"),
    path("setup/templates/", setup_views.templates, name="setup_templates"),
    path("setup/api-keys/", setup_views.api_keys, name="setup_api_keys"),
    path("<str:public_id>/", views.detail, name="detail"),
    path("<str:public_id>/follow/", views.follow, name="follow"),
    path("<str:public_id>/follow/<str:token>/", views.follow_confirm, name="follow_confirm"),
    path("<str:public_id>/manage/<slug:action>/", views.manage, name="manage"),
    path("<str:public_id>/satisfaction/<str:token>/", views.satisfaction, name="satisfaction"),
]
