from django.urls import path

from parlons.modules.conversations import views

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<str:public_id>/", views.detail, name="detail"),
    path("<str:public_id>/statements/", views.add, name="add"),
    path("<str:public_id>/statements/<str:statement_id>/vote/", views.vote, name="vote"),
    path("<str:public_id>/statements/<str:statement_id>/moderate/", views.moderate, name="moderate"),
    path("<str:public_id>/map/", views.results, name="results"),
    path("<str:public_id>/report/", views.report, name="report"),
    path("<str:public_id>/import/", views.import_polis, name="import_polis"),
    path("<str:public_id>/export.zip", views.export_polis, name="export_polis"),
]
