from django.urls import path

from parlons.dialogue import views

app_name = "dialogue"

urlpatterns = [
    path("comments/", views.post, name="post"),
    path("comments/<str:public_id>/edit/", views.edit, name="edit"),
    path("comments/<str:public_id>/delete/", views.delete, name="delete"),
    path("comments/<str:public_id>/upvote/", views.upvote, name="upvote"),
    path("comments/<str:public_id>/history/", views.history, name="history"),
    path("flag/", views.flag, name="flag"),
    path("follow/", views.follow, name="follow"),
    path("moderation/", views.queue, name="queue"),
    path("moderation/mine/", views.mine, name="mine"),
    path("moderation/<int:pk>/", views.decide, name="decide"),
    path("moderation/<int:pk>/appeal/", views.appeal, name="appeal"),
    path("moderation/blocked/<str:user_id>/unblock/", views.unblock, name="unblock"),
]
