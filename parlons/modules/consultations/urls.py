from django.urls import path

from parlons.modules.consultations import views

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("similar/", views.similar, name="similar"),
    path("answers/", views.answers, name="answers"),
    path("merge/", views.merge, name="merge"),
    path("debates/", views.debates, name="debates"),
    path("groups/", views.groups, name="groups"),
    path("groups/<str:group_id>/", views.group, name="group"),
    path("groups/<str:group_id>/verify/", views.group_verify, name="group_verify"),
    path(
        "groups/<str:group_id>/members/<str:user_id>/remove/",
        views.group_member_remove,
        name="group_member_remove",
    ),
    path(
        "groups/<str:group_id>/invitations/<int:invitation_id>/<slug:decision>/",
        views.group_invitation,
        name="group_invitation",
    ),
    path("debates/new/", views.debate_new, name="debate_new"),
    path("debates/<str:public_id>/", views.debate, name="debate"),
    path("debates/<str:public_id>/close/", views.debate_close, name="debate_close"),
    path("<str:public_id>/", views.detail, name="detail"),
    path("<str:public_id>/edit/", views.new, name="edit"),
    path("<str:public_id>/extras/", views.extras, name="extras"),
    path("<str:public_id>/support/", views.support, name="support"),
    path("<str:public_id>/endorse/", views.endorse, name="endorse"),
    path("<str:public_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<str:public_id>/attachments/", views.attach, name="attach"),
    path("<str:public_id>/coauthors/", views.coauthor_invite, name="coauthor_invite"),
    path("<str:public_id>/coauthors/accept/<str:token>/", views.coauthor_accept, name="coauthor_accept"),
    path("<str:public_id>/attachments/<int:attachment_id>/remove/", views.detach, name="detach"),
    path("<str:public_id>/amend/", views.amend, name="amend"),
    path(
        "<str:public_id>/amendments/<str:amendment_id>/<slug:decision>/",
        views.amendment_decide,
        name="amendment",
    ),
    path("<str:public_id>/answer/", views.answer, name="answer"),
    path("<str:public_id>/split/", views.split, name="split"),
]
