"""Forms of the account pages. They only validate input; services decide and raise domain errors."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from parlons.accounts import census
from parlons.accounts.services import DIGEST_CHOICES
from parlons.common.errors import DomainError

DIGEST_LABELS = {
    "immediate": _("As it happens"),
    "daily": _("Once a day"),
    "weekly": _("Once a week"),
    "never": _("Never"),
}


class DomainErrorFormMixin:
    """Show a service's domain error next to the field it names, or at the top of the form."""

    def add_domain_error(self, error: DomainError) -> None:
        field = error.field if error.field in self.fields else None  # type: ignore[attr-defined]
        self.add_error(field, str(error.message))  # type: ignore[attr-defined]
        for line in getattr(error, "lines", ()):
            self.add_error(field, line)  # type: ignore[attr-defined]


class ProfileForm(DomainErrorFormMixin, forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        required=False,
        help_text=_(
            "Shown next to your contributions. Leave empty to appear as “Participant” with a number."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    language = forms.ChoiceField(label=_("Language"))
    interests = forms.MultipleChoiceField(
        label=_("Topics of interest"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("We tell you about new processes and contributions on these topics."),
    )
    home_address = forms.CharField(
        label=_("Home address"),
        max_length=300,
        required=False,
        help_text=_("Optional. Only used to show what happens near you; never published."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    home_area = forms.ChoiceField(label=_("District"), required=False)
    email_notifications = forms.BooleanField(label=_("By e-mail"), required=False)
    in_app_notifications = forms.BooleanField(label=_("On this site"), required=False)
    digest = forms.ChoiceField(
        label=_("Summary of news"),
        choices=[(key, DIGEST_LABELS[key]) for key in DIGEST_CHOICES],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each language named in itself, so that someone who cannot read the current one still finds theirs.
        cast(forms.ChoiceField, self.fields["language"]).choices = [
            (code, get_language_info(code)["name_local"].capitalize()) for code, _name in settings.LANGUAGES
        ]
        cast(forms.ChoiceField, self.fields["interests"]).choices = [
            (str(t.pk), t.name) for t in organisation.topics.all()
        ]
        cast(forms.ChoiceField, self.fields["home_area"]).choices = [("", _("— Not specified —"))] + [
            (str(a.pk), a.name) for a in organisation.areas.all()
        ]


class ApiTokenForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("For example the name of the app or script that will use it."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class DeleteAccountForm(forms.Form):
    confirmation = forms.CharField(
        label=_("Type your e-mail address or your password to confirm"),
        max_length=254,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_confirmation(self) -> str:
        value = self.cleaned_data["confirmation"].strip()
        if value.lower() == self.user.email.lower() or (
            self.user.has_usable_password() and self.user.check_password(value)
        ):
            return value
        raise forms.ValidationError(_("This is neither your e-mail address nor your password."))


class CensusClaimForm(DomainErrorFormMixin, forms.Form):
    identifier = forms.CharField(
        label=_("Identifier on the census"),
        max_length=100,
        help_text=_("As written on the letter from the town hall (for example your voter number)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    birth_date = forms.CharField(
        label=_("Date of birth"),
        max_length=10,
        help_text=_("DD/MM/YYYY"),
        widget=forms.TextInput(attrs={"autocomplete": "bday", "inputmode": "numeric"}),
    )
    postal_code = forms.CharField(
        label=_("Postal code"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )

    def clean_birth_date(self) -> Any:
        parsed = census.parse_birth_date(self.cleaned_data["birth_date"])
        if parsed is None:
            raise forms.ValidationError(_("Write the date as DD/MM/YYYY, for example 14/07/1989."))
        return parsed


class CensusUploadForm(DomainErrorFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Census file (CSV)"),
        help_text=_(
            "UTF-8, at most 20 MB. Header: identifier,birth_date,postal_code and optionally district."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > census.MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload
