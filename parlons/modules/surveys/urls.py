from django.urls import path

from parlons.modules.surveys import views

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<str:public_id>/", views.detail, name="detail"),
    path("<str:public_id>/start/", views.start, name="start"),
    path("<str:public_id>/page/<slug:page_key>/", views.answer, name="answer"),
    path("<str:public_id>/review/", views.review, name="review"),
    path("<str:public_id>/receipt/<str:response_id>/", views.receipt, name="receipt"),
    path("<str:public_id>/assisted/", views.assisted, name="assisted"),
    path("<str:public_id>/edit/", views.edit, name="edit"),
    path("<str:public_id>/preview/review/", views.preview_review, name="preview_review"),
    path("<str:public_id>/preview/<slug:page_key>/", views.preview, name="preview"),
    path("<str:public_id>/results/", views.results, name="results"),
    path("<str:public_id>/export.<str:fmt>", views.export, name="export"),
]
