from django.urls import path

from parlons.insights import suggest_views

urlpatterns = [
    path("<int:component_id>/", suggest_views.suggest, name="insights_suggest"),
]
