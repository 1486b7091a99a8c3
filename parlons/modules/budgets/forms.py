"""Forms of the budgets pages. Business rules live in the services; forms only parse input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from parlons.core.models import Area
from parlons.modules.budgets.models import Budget


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
    full_name = forms.CharField(label=_("Full name of the person voting"), max_length=200)
    birth_date = forms.DateField(label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
    residence = forms.ModelChoiceField(
        label=_("District of residence"), queryset=Area.objects.none(), required=False
    )

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["residence"].queryset = areas if areas is not None else Area.objects.none()


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


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
