"""The census upload page, mounted at /backoffice/census/ (organisation administrators only)."""

from django.urls import path

from parlons.accounts import views

app_name = "census"
urlpatterns = [
    path("", views.census_upload, name="upload"),
]
