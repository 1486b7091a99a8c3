"""Forms of the budgets pages. Business rules live in the services; forms only parse input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from parlons.core.models import Area
from parlons.modules.budgets.models import Budget
from parlons.modules.budgets.services import CONFIG_FIELDS


class ProposeForm(forms.Form):
    budget = forms.ModelChoiceField(label=_("Budget"), queryset=Budget.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}))
    cost = forms.IntegerField(
        label=_("Estimated cost (euros)"), help_text=_("A whole amount, greater than zero.")
    )
    area = forms.ModelChoiceField(label=_("District"), queryset=Area.objects.none(), required=False)
    image = forms.ImageField(label=_("Image"), required=False)
    image_alt = forms.CharField(label=_("Image description"), max_length=200, required=False)

    def __init__(self, *args, budgets=None, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["budget"].queryset = budgets if budgets is not None else Budget.objects.none()
        self.fields["area"].queryset = areas if areas is not None else Area.objects.none()


class ReviewForm(forms.Form):
    feasible = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Feasible")), ("0", _("Not feasible"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Public reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    cost = forms.IntegerField(label=_("Revised cost (euros)"), required=False)


class AssistedBallotForm(forms.Form):
    """Who votes in person. Towns with a census identify the resident by it (the same person then has one ballot
    online and in person); other towns by full name and birth date."""

    identifier = forms.CharField(
        label=_("Census identifier (as on the person's documents)"), max_length=100, required=False
    )
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    full_name = forms.CharField(label=_("Full name of the person voting"), max_length=200, required=False)
    birth_date = forms.DateField(label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
    residence = forms.ModelChoiceField(
        label=_("District of residence"), queryset=Area.objects.none(), required=False
    )

    def __init__(self, *args, areas=None, census=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.census = census
        self.fields["residence"].queryset = areas if areas is not None else Area.objects.none()
        if census:
            del self.fields["full_name"]
            self.fields["identifier"].required = self.fields["postal_code"].required = True
            self.fields["residence"].help_text = _("Used when the census does not give the district.")
        else:
            del self.fields["identifier"], self.fields["postal_code"]
            self.fields["full_name"].required = True
            self.fields["full_name"].help_text = _(
                "All first names, then the birth name, as on the identity document: a person who voted online "
                "after signing in with FranceConnect is then recognised, and their last ballot counts."
            )


class SpendingForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount (euros)"), max_digits=14, decimal_places=2)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    supplier = forms.CharField(label=_("Supplier"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    document = forms.FileField(label=_("Document (invoice, order)"), required=False)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_date = forms.DateField(
        label=_("Planned date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class PhotoForm(forms.Form):
    file = forms.ImageField(
        label=_("Photo of the works"), help_text=_("JPEG, PNG, WebP, GIF or HEIC, 10 MB at most.")
    )
    alt_text = forms.CharField(
        label=_("Photo description"),
        max_length=200,
        help_text=_("What the photo shows, for people who cannot see it."),
    )
    taken_on = forms.DateField(
        label=_("Taken on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)


class BudgetForm(forms.ModelForm):
    """A budget's configuration; ``budget_create`` / ``budget_configure`` check the rules."""

    class Meta:
        model = Budget
        fields = list(CONFIG_FIELDS)  # what budget_create / budget_configure accept
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "min_share": _("Knapsack ballots: the least share of the budget a ballot must spend."),
            "points": _("Cumulative ballots: the points each person shares out."),
            "top_k": _("Ranked ballots: how many projects a person may rank."),
            "rule": _("Fixed and published before the vote opens."),
        }

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas if areas is not None else Area.objects.none()
        self.fields["area"].empty_label = _("The whole town")


class ImportPbForm(forms.Form):
    file = forms.FileField(
        label=_("Pabulib file (.pb)"),
        help_text=_("The standard format of participatory-budget data (META, PROJECTS and VOTES sections)."),
    )
    title = forms.CharField(label=_("Title (optional)"), max_length=200, required=False)
