"""Participatory budgets: budgets per component, projects, one ballot per person, results, execution follow-up.

Money is in whole currency units (euros) for budgets and project costs, so vote rules work on integers;
spending events keep cents.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models as gis_models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from parlons.common.models import TimeStampedModel
from parlons.common.tenancy import TenantModel
from parlons.core.models import PublicIdTenantModel

BUDGET_PATH = "budget__component__process__organisation"


class Budget(TenantModel, TimeStampedModel):
    """An amount citizens decide on, with its ballot type and the rule fixed before voting opens."""

    tenant_path = "component__process__organisation"

    class BallotType(models.TextChoices):
        APPROVAL = "approval", _("Approval: choose projects")
        KNAPSACK = "knapsack", _("Knapsack: spend the budget")
        CUMULATIVE = "cumulative", _("Cumulative: share out points")
        RANKED = "ranked", _("Ranked: order your favourites")

    class Rule(models.TextChoices):
        GREEDY = "greedy", _("Most votes first, skipping projects that no longer fit")
        GREEDY_STOP = "greedy-stop", _("Most votes first, stopping at the first project that does not fit")
        MES = "mes", _("Method of Equal Shares")
        MES_GREEDY = "mes+greedy", _("Method of Equal Shares, completed by most votes")
        MES_ADD1 = "mes+add1", _("Method of Equal Shares, shares raised one unit at a time")
        MES_ADD1_GREEDY = (
            "mes+add1+greedy",
            _("Method of Equal Shares with raised shares, completed by most votes"),
        )

    class TieBreak(models.TextChoices):
        ID = "id", _("The project submitted first (smallest identifier)")
        COST = "cost", _("The cheaper project, then the one submitted first")

    class Status(models.TextChoices):
        DRAFT = "draft", _("In preparation")
        OPEN = "open", _("Open for voting")
        CLOSED = "closed", _("Vote closed")

    component = models.ForeignKey("core.Component", on_delete=models.CASCADE, related_name="budgets")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    amount = models.PositiveBigIntegerField(_("amount"), validators=[MinValueValidator(1)])
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    area = models.ForeignKey(
        "core.Area",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="budgets",
        help_text=_("Only residents of this district may vote. Empty: the whole town."),
    )
    ballot_type = models.CharField(
        _("ballot type"), max_length=12, choices=BallotType, default=BallotType.APPROVAL
    )
    min_projects = models.PositiveIntegerField(_("minimum number of projects"), default=1)
    max_projects = models.PositiveIntegerField(
        _("maximum number of projects"), default=0, help_text=_("0: no limit")
    )
    min_share = models.PositiveSmallIntegerField(
        _("minimum share of the budget to spend (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    points = models.PositiveIntegerField(_("points to share out"), default=10)
    top_k = models.PositiveIntegerField(_("number of projects to rank"), default=3)
    rule = models.CharField(_("counting rule"), max_length=20, choices=Rule, default=Rule.MES_ADD1_GREEDY)
    tie_break = models.CharField(
        _("tie rule"),
        max_length=8,
        choices=TieBreak,
        default=TieBreak.ID,
        help_text=_("Which project wins when two have exactly the same score; published with the rule."),
    )
    status = models.CharField(_("status"), max_length=8, choices=Status, default=Status.DRAFT)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse(
            "budgets:results",
            kwargs={
                "process_slug": self.component.process.slug,
                "component_id": self.component_id,
                "budget_id": self.pk,
            },
        )


class Project(PublicIdTenantModel):
    """A project idea: submitted, reviewed for feasibility, voted on, then followed until delivered."""

    tenant_path = "budget__component__process__organisation"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Awaiting review")
        FEASIBLE = "feasible", _("Feasible, on the ballot")
        NOT_FEASIBLE = "not_feasible", _("Not feasible")
        SELECTED = "selected", _("Selected")
        NOT_SELECTED = "not_selected", _("Not selected")
        IN_PROGRESS = "in_progress", _("Under way")
        DELIVERED = "delivered", _("Delivered")

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="projects")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    cost = models.PositiveBigIntegerField(_("estimated cost"))
    area = models.ForeignKey(
        "core.Area",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    location = gis_models.PointField(_("position"), srid=4326, null=True, blank=True)
    image = models.ImageField(_("image"), upload_to="budgets/", blank=True)
    image_alt = models.CharField(_("image description"), max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="budget_projects",
    )
    status = models.CharField(
        _("status"), max_length=14, choices=Status, default=Status.SUBMITTED, db_index=True
    )
    review_reason = models.TextField(_("public reason of the review"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    external_id = models.CharField(_("identifier in an imported file"), max_length=64, blank=True)
    # Imported from another module's contribution (an accepted proposal): its stable reference and page.
    source_ref = models.CharField(_("imported from"), max_length=120, blank=True, db_index=True)
    source_url = models.CharField(_("original contribution"), max_length=300, blank=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.CheckConstraint(condition=models.Q(cost__gt=0), name="budget_project_cost_positive")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse(
            "budgets:project",
            kwargs={
                "process_slug": self.budget.component.process.slug,
                "component_id": self.budget.component_id,
                "public_id": self.public_id,
            },
        )


class Ballot(TenantModel, TimeStampedModel):
    """One person's current ballot in a budget. ``voter_key`` is unique per budget: a new ballot replaces it.

    ``choices`` is a list of ``[project id, points]`` (approval and knapsack: 1; cumulative: the points; ranked:
    in rank order, points = number ranked - rank).
    """

    tenant_path = "budget__component__process__organisation"

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        IN_PERSON = "in_person", _("In person, entered by an agent")
        IMPORTED = "imported", _("Imported from a file")

    # No index of its own: the one-ballot-per-person constraint's index starts with the budget. A second one, on
    # a column every ballot of a vote shares, cost each ballot an insert into one ever-growing key and led the
    # planner to scan all of a vote's ballots to find one voter's.
    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="ballots", db_index=False)
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="budget_ballots",
    )
    # "u<user id>" online; "p<digest>" for a person voting in person (digest of name and birth date); "f<id>" imported.
    voter_key = models.CharField(max_length=80)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel, default=Channel.ONLINE)
    assisted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # indexed where set only (below): online ballots, nearly all, have none
    )
    choices = models.JSONField(default=list)
    revision = models.PositiveIntegerField(default=1)
    # The short code of the ballot's latest entry in the transparency log (its receipt).
    receipt_code = models.CharField(max_length=24, blank=True)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [models.UniqueConstraint(fields=["budget", "voter_key"], name="one_ballot_per_person")]
        indexes = [
            models.Index(
                fields=["assisted_by"],
                condition=models.Q(assisted_by__isnull=False),
                name="ballot_assisted_by",
            )
        ]


class Result(TenantModel, TimeStampedModel):
    """The computed outcome of a closed budget: reproducible from the exported ballots with ``budget_tally``."""

    tenant_path = "budget__component__process__organisation"

    budget = models.OneToOneField(Budget, on_delete=models.CASCADE, related_name="result")
    rule = models.CharField(max_length=20)
    winners = models.JSONField(default=list)  # project ids in order of selection
    cost = models.PositiveBigIntegerField(default=0)
    voters = models.PositiveIntegerField(default=0)
    per_voter_share = models.CharField(max_length=64, blank=True)  # exact fraction, MES rules
    explanation = models.JSONField(default=list)
    votes = models.JSONField(default=dict)  # project id -> supporters
    seconds = models.FloatField(default=0)

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")


class Milestone(TenantModel):
    tenant_path = "project__budget__component__process__organisation"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("planned date"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title


class SpendingEvent(TenantModel, TimeStampedModel):
    tenant_path = "project__budget__component__process__organisation"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="spending")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    date = models.DateField(_("date"))
    supplier = models.CharField(_("supplier"), max_length=200)
    description = models.CharField(_("description"), max_length=300, blank=True)
    document = models.FileField(_("document"), upload_to="budgets/spending/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("spending event")
        verbose_name_plural = _("spending events")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="budget_spending_positive")
        ]


class ProjectPhoto(TenantModel, TimeStampedModel):
    """A photo of a funded project's works (cleaned: no EXIF, no GPS), with its text alternative."""

    tenant_path = "project__budget__component__process__organisation"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="photos")
    file = models.ImageField(_("photo"), upload_to="budgets/photos/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    content_hash = models.CharField(max_length=64)
    alt_text = models.CharField(_("photo description"), max_length=200)
    taken_on = models.DateField(_("taken on"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["taken_on", "id"]
        verbose_name = _("project photo")
        verbose_name_plural = _("project photos")
        constraints = [
            models.UniqueConstraint(fields=["project", "content_hash"], name="budget_photo_once_per_project")
        ]
