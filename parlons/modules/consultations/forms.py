"""Forms of the consultations pages. Business rules live in services; forms only shape the input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parlons.common.errors import DomainError
from parlons.core.models import Area, Organisation, Topic
from parlons.modules.consultations.services import BODY_MAX, TITLE_MAX


class ProposalForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=TITLE_MAX, help_text=_("A short sentence saying what you propose.")
    )
    body = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=BODY_MAX,
        help_text=_("What, where, why, for whom. Plain text; links become clickable."),
    )
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=Topic.objects.none(), required=False)
    area = forms.ModelChoiceField(label=_("District"), queryset=Area.objects.none(), required=False)
    lat = forms.FloatField(label=_("Latitude (optional)"), required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Longitude (optional)"), required=False, min_value=-180, max_value=180)

    def __init__(
        self,
        *args: Any,
        organisation: Organisation,
        show_map: bool = True,
        suggest_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = Topic.objects.for_organisation(organisation)  # type: ignore[attr-defined]
        if suggest_url:
            # The topic suggestion (an HTML fragment of buttons) is asked for as the body is typed; the page's
            # script selects a suggested topic (see consultations/proposal_form.js).
            self.fields["body"].widget.attrs.update(
                {
                    "hx-get": suggest_url,
                    "hx-trigger": "input changed delay:500ms",
                    "hx-target": "#topic-suggestion",
                    "hx-swap": "innerHTML",
                    "hx-sync": "this:replace",
                }
            )
            self.fields["topic"].widget.attrs["aria-describedby"] = "topic-suggestion"
        self.fields["area"].queryset = Area.objects.for_organisation(organisation).only(  # type: ignore[attr-defined]
            "pk", "name", "organisation_id"
        )
        if not show_map:
            del self.fields["lat"], self.fields["lon"]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "body": data["body"],
            "topic_id": data["topic"].pk if data.get("topic") else None,
            "area_id": data["area"].pk if data.get("area") else None,
            "lon": data.get("lon"),
            "lat": data.get("lat"),
        }


class AmendmentForm(forms.Form):
    title = forms.CharField(label=_("Amended title"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=_("Amended description"), widget=forms.Textarea(attrs={"rows": 10}), max_length=BODY_MAX
    )


class DebateForm(forms.Form):
    title = forms.CharField(label=_("Question"), max_length=150)
    body = forms.CharField(label=_("Context"), widget=forms.Textarea(attrs={"rows": 6}), max_length=BODY_MAX)


class AnswerForm(forms.Form):
    state = forms.ChoiceField(label=_("Answer"))
    body = forms.CharField(label=_("Official answer"), widget=forms.Textarea(attrs={"rows": 4}))
    cost = forms.CharField(label=_("Estimated cost (€)"), required=False)
    implementation_label = forms.CharField(
        label=_("Implemented by (project, decision, work)"), required=False, max_length=200
    )
    implementation_url = forms.CharField(label=_("Link to it"), required=False, max_length=200)

    def __init__(self, *args: Any, states: list[tuple[str, str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [(slug, label) for slug, label, _b in states]  # type: ignore[attr-defined]


class CloseDebateForm(forms.Form):
    conclusion = forms.CharField(label=_("Conclusion"), widget=forms.Textarea(attrs={"rows": 5}))


class AnswerStateForm(forms.Form):
    label = forms.CharField(label=_("Name of the new state"), max_length=100)
    base = forms.ChoiceField(label=_("Counts as"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from parlons.modules.consultations.models import BaseAnswer

        super().__init__(*args, **kwargs)
        self.fields["base"].choices = BaseAnswer.choices  # type: ignore[attr-defined]


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Show a service's error next to its field (or at the top of the form)."""
    field = exc.field if exc.field in form.fields else None
    if exc.field == "location" and "lat" in form.fields:
        field = "lat"
    form.add_error(field, str(exc))


class UserGroupForm(forms.Form):
    name = forms.CharField(label=_("Name of the group"), max_length=100)
    description = forms.CharField(
        label=_("What the group is and does"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
    )


class GroupInvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address of the person to invite"),
        help_text=_("They must already have an account in this organisation."),
    )
    role = forms.ChoiceField(label=_("Role in the group"), initial="member")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from parlons.modules.consultations.models import UserGroupMembership

        super().__init__(*args, **kwargs)
        self.fields["role"].choices = UserGroupMembership.Role.choices  # type: ignore[attr-defined]


class AttachmentForm(forms.Form):
    """An image or PDF for a proposal. The size is refused here before the file is read; its type is judged by
    its content in the service (``attachments.py``), whatever its name says."""

    file = forms.FileField(
        label=_("Image or PDF document (10 MB at most)"),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif,application/pdf"}),
        error_messages={"required": _("Choose an image or a PDF document.")},
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=300,
        help_text=_("For an image, what it shows, for people who cannot see it; for a document, its title."),
    )

    def clean_file(self) -> Any:
        from parlons.modules.consultations import attachments
        from parlons.modules.consultations.services import ATTACHMENT_ERRORS

        upload = self.cleaned_data["file"]
        if upload.size > max(attachments.MAX_IMAGE_BYTES, attachments.MAX_DOCUMENT_BYTES):
            raise forms.ValidationError(ATTACHMENT_ERRORS["too_big"])
        return upload


class CoauthorForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of a co-author"))
