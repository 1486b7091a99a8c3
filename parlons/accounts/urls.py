from django.urls import path

from parlons.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.profile, name="profile"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("export/", views.export, name="export"),
    path("delete/", views.delete, name="delete"),
    path("verify/census/", views.census_verify, name="census_verify"),
]
