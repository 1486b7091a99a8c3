from django.urls import path

from parlons.modules.budgets import views

urlpatterns = [
    path("", views.index, name="index"),
    path("propose/", views.propose, name="propose"),
    path("projects/<str:public_id>/", views.project, name="project"),
    path("projects/<str:public_id>/follow-up/", views.project_follow_up, name="follow_up"),
    path("budgets/<int:budget_id>/vote/", views.vote, name="vote"),
    path("budgets/<int:budget_id>/assisted/", views.assisted_vote, name="assisted"),
    path("budgets/<int:budget_id>/results/", views.results, name="results"),
    path("budgets/<int:budget_id>/execution/", views.execution, name="execution"),
    path("budgets/<int:budget_id>/votes.pb", views.export, name="export"),
    path("budgets/<int:budget_id>/status/", views.change_status, name="status"),
    path("review/", views.review_queue, name="review"),
    path("review/<str:public_id>/", views.review, name="review_project"),
]
