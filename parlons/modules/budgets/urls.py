from django.urls import path

from parlons.modules.budgets import setup_views, views

urlpatterns = [
    path("", views.index, name="index"),
    path("propose/", views.propose, name="propose"),
    path("projects/<str:public_id>/", views.project, name="project"),
    path("projects/<str:public_id>/follow-up/", views.project_follow_up, name="follow_up"),
    path("projects/<str:public_id>/follow/", views.project_follow, name="follow"),
    path("budgets/<int:budget_id>/vote/", views.vote, name="vote"),
    path("budgets/<int:budget_id>/assisted/", views.assisted_vote, name="assisted"),
    path("budgets/<int:budget_id>/results/", views.results, name="results"),
    path("budgets/<int:budget_id>/execution/", views.execution, name="execution"),
    path("budgets/<int:budget_id>/votes.pb", views.export, name="export"),
    path("budgets/<int:budget_id>/status/", views.change_status, name="status"),
    path("review/", views.review_queue, name="review"),
    path("manage/", setup_views.manage, name="manage"),
    path("manage/new/", setup_views.budget_form, name="budget_new"),
    path("manage/import/", setup_views.import_pb, name="import_pb"),
    path("manage/<int:budget_id>/", setup_views.budget_form, name="budget_edit"),
    path("manage/<int:budget_id>/import-proposals/", setup_views.import_items, name="import_items"),
    path("review/<str:public_id>/", views.review, name="review_project"),
]
