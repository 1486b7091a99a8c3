from django.urls import path

from parlons.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("processes/", views.process_list, name="process_list"),
    path("map/", views.map_page, name="map"),
    path("processes/<slug:slug>/", views.process_detail, name="process_detail"),
    path(
        "processes/<slug:slug>/components/<int:component_id>/",
        views.component_detail,
        name="component_detail",
    ),
]
