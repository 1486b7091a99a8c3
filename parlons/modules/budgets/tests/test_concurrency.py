"""Concurrent ballots on PostgreSQL: no lost and no double-counted ballot."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from parlons.accounts.models import Membership
from parlons.core.services import component_add, component_publish, phase_create, process_create
from parlons.core.tests.factories import UserFactory
from parlons.modules.budgets import services
from parlons.modules.budgets.models import Ballot, Budget


@pytest.mark.django_db(transaction=True)
def test_concurrent_casting_keeps_one_ballot_per_person(org):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions need PostgreSQL (SQLite serialises every write)")
    process = process_create(organisation=org, by=None, title="Budget")
    process.visibility = "public"
    process.save()
    phase_create(process=process, by=None, title="Vote", is_current=True)
    component = component_publish(
        component=component_add(process=process, by=None, module_key="budgets"), by=None
    )
    budget = services.budget_create(component=component, by=None, title="Budget", amount=100000)
    projects = []
    for n in range(4):
        project = services.project_submit(
            budget=budget, by=None, title=f"P{n}", description="Une description assez longue.", cost=10000
        )
        projects.append(services.project_review(project=project, by=None, feasible=True).public_id)
    budget = services.budget_open(budget=budget, by=None)
    voters = [UserFactory() for _ in range(12)]
    for voter in voters:
        Membership.objects.create(organisation=org, user=voter)
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def worker(offset: int) -> None:
        try:
            barrier.wait()
            mine = Budget.objects.get(pk=budget.pk)
            for round_ in range(3):
                for n, voter in enumerate(voters):
                    # every thread casts for every voter: each person ends with exactly one ballot
                    services.ballot_cast(
                        budget=mine, voter=voter, choices=[projects[(n + offset + round_) % 4]]
                    )
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Ballot.objects.filter(budget=budget).count() == len(voters)
    assert sum(Ballot.objects.filter(budget=budget).values_list("revision", flat=True)) == 6 * 3 * len(voters)
    result = services.budget_close(budget=budget, by=None)
    assert result.voters == len(voters)
