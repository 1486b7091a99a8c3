"""The address of report photos (outside the component's pages, so that a photo keeps one address)."""

from django.urls import path

from parlons.modules.reports import views

urlpatterns = [
    path("<str:public_id>/<str:content_hash>.jpg", views.photo, name="report_photo"),
]
