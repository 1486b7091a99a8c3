from django.urls import path, re_path

from parlons.ledger import views

app_name = "ledger"

urlpatterns = [
    path("<slug:org_slug>/", views.transparency, name="transparency"),
    path("<slug:org_slug>/checkpoint", views.checkpoint, name="checkpoint"),
    re_path(r"^(?P<org_slug>[-\w]+)/tile/(?P<path>.+)$", views.tile, name="tile"),
    path(
        "<slug:org_slug>/proof/inclusion/<int:index>/<int:size>",
        views.inclusion_proof,
        name="inclusion_proof",
    ),
    path(
        "<slug:org_slug>/proof/consistency/<int:size1>/<int:size2>",
        views.consistency_proof,
        name="consistency_proof",
    ),
    path("<slug:org_slug>/entries", views.entries, name="entries"),
    path(
        "<slug:org_slug>/receipt/<str:code>.tlog-proof", views.receipt_tlog_proof, name="receipt_tlog_proof"
    ),
    path("<slug:org_slug>/receipt/<str:code>", views.receipt_download, name="receipt"),
    path("<slug:org_slug>/receipts/<str:code>", views.receipt_page, name="receipt_page"),
    path("<slug:org_slug>/receipts/<str:code>/print", views.receipt_print, name="receipt_print"),
    path("<slug:org_slug>/census/<str:ref>", views.census_proof, name="census_proof"),
    path("<slug:org_slug>/verify", views.receipt_verify, name="verify"),
    path("<slug:org_slug>/recount/<str:vote_id>", views.recount, name="recount"),
]
