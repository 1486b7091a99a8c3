from django.urls import path

from parlons.modules.reports import views

urlpatterns = [
    path("", views.index, name="index"),
    path("map.geojson", views.map_geojson, name="map_geojson"),
    path("new/", views.report_new, name="new"),
    path("nearby/", views.nearby, name="nearby"),
    path("geocode/", views.geocode, name="geocode"),
    path("suggest/", views.suggest, name="suggest"),
    path("queue/", views.queue, name="queue"),
    path("queue/bulk/", views.queue_bulk, name="queue_bulk"),
    path("<str:public_id>/", views.detail, name="detail"),
    path("<str:public_id>/follow/", views.follow, name="follow"),
    path("<str:public_id>/manage/<slug:action>/", views.manage, name="manage"),
    path("<str:public_id>/satisfaction/<str:token>/", views.satisfaction, name="satisfaction"),
]
