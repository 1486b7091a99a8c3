from django.urls import path

from parlons.insights import views

app_name = "insights"


def _scoped(prefix: str, name: str) -> list:
    """The same pages for the whole organisation and for one process (``processes/<slug>/``)."""
    return [
        path(f"{prefix}", views.home, name=f"{name}overview"),
        path(f"{prefix}run/", views.run, name=f"{name}run"),
        path(f"{prefix}themes/<str:key>/", views.theme, name=f"{name}theme"),
        path(f"{prefix}themes/<str:key>/rename/", views.rename, name=f"{name}rename"),
        path(f"{prefix}themes/<str:key>/merge/", views.merge, name=f"{name}merge"),
        path(f"{prefix}themes/<str:key>/split/", views.split, name=f"{name}split"),
        path(f"{prefix}contributions/<int:pk>/tag/", views.tag, name=f"{name}tag"),
    ]


urlpatterns = [
    *_scoped("", ""),
    *_scoped("processes/<slug:slug>/", "process_"),
    path("runs/<int:pk>/", views.run_status, name="run_status"),
]
