from django.urls import path

from parlons.backoffice.views import dashboard, members, organisation, processes

app_name = "backoffice"

P = "processes/<int:process_id>/"
urlpatterns = [
    path("", dashboard.home, name="home"),
    path("processes/", processes.process_list, name="processes"),
    path("processes/new/", processes.process_create, name="process_create"),
    path(P, processes.process_detail, name="process_detail"),
    path(P + "edit/", processes.process_edit, name="process_edit"),
    path(P + "visibility/", processes.process_visibility, name="process_visibility"),
    path(P + "phases/new/", processes.phase_create, name="phase_create"),
    path(P + "phases/<int:phase_id>/edit/", processes.phase_edit, name="phase_edit"),
    path(P + "phases/<int:phase_id>/delete/", processes.phase_delete, name="phase_delete"),
    path(P + "phases/<int:phase_id>/move/", processes.phase_move, name="phase_move"),
    path(P + "phases/<int:phase_id>/current/", processes.phase_set_current, name="phase_set_current"),
    path(P + "components/new/", processes.component_create, name="component_create"),
    path(P + "components/<int:component_id>/", processes.component_edit, name="component_edit"),
    path(P + "components/<int:component_id>/move/", processes.component_move, name="component_move"),
    path(P + "components/<int:component_id>/publish/", processes.component_publish, name="component_publish"),
    path(P + "components/<int:component_id>/delete/", processes.component_delete, name="component_delete"),
    path("organisation/", organisation.organisation_edit, name="organisation"),
    path("members/", members.member_list, name="members"),
    path("members/new/", members.member_add, name="member_add"),
    path("members/<int:membership_id>/", members.member_edit, name="member_edit"),
    path("members/<int:membership_id>/remove/", members.member_remove, name="member_remove"),
]

# Districts, topics and services: the same list / form / delete pages.
for kind in ("areas", "topics", "services"):
    urlpatterns += [
        path(f"{kind}/", organisation.catalogue_list, {"kind": kind}, name=kind),
        path(f"{kind}/new/", organisation.catalogue_form, {"kind": kind}, name=f"{kind[:-1]}_create"),
        path(f"{kind}/<int:pk>/", organisation.catalogue_form, {"kind": kind}, name=f"{kind[:-1]}_edit"),
        path(
            f"{kind}/<int:pk>/delete/",
            organisation.catalogue_delete,
            {"kind": kind},
            name=f"{kind[:-1]}_delete",
        ),
    ]
