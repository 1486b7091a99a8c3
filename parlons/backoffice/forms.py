"""Back-office forms. They check the shape of the input; business rules stay in the services."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from parlons.accounts.models import Role
from parlons.accounts.verification import Level
from parlons.common.errors import DomainError
from parlons.core import permissions, registry
from parlons.core.models import Area, Component, Organisation, Phase, Process, Service, Topic

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
IMAGE_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def show_domain_error(form: forms.Form, error: DomainError) -> None:
    """Put a service's error next to the field it names, or at the top of the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error))


def validate_image(upload: UploadedFile) -> None:
    """Refuse anything that Pillow cannot read as a PNG, JPEG, GIF or WebP image, or over 5 MB.

    The browser's content type and the file name are not trusted: the bytes are decoded.
    """
    if upload.size and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The image is too large: 5 MB at most."), code="too_large")
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            _("This file is not an image (PNG, JPEG, GIF or WebP)."), code="not_image"
        ) from exc
    finally:
        upload.seek(0)
    if image_format not in IMAGE_FORMATS:
        raise ValidationError(_("This file is not an image (PNG, JPEG, GIF or WebP)."), code="not_image")


_WGS84_NAMES = {"EPSG:4326", "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326", "OGC:CRS84"}


def parse_boundary(text: str) -> MultiPolygon:
    """A district boundary from GeoJSON text: a Polygon, a MultiPolygon, or a Feature/FeatureCollection of them.

    GeoJSON is WGS84 longitude/latitude (RFC 7946); projected coordinates such as Lambert-93 are a common
    mistake in French municipal data, so they get their own message.
    """
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValidationError(_("This is not valid GeoJSON: the text is not JSON."), code="json") from exc
    if not isinstance(data, dict):
        raise ValidationError(_("This is not valid GeoJSON: expected an object."), code="geojson")
    crs = ((data.get("crs") or {}).get("properties") or {}).get("name")
    if crs and crs not in _WGS84_NAMES:
        raise ValidationError(
            _("The boundary must use WGS84 longitude/latitude (EPSG:4326), not %(crs)s.") % {"crs": crs},
            code="crs",
        )
    if data.get("type") == "FeatureCollection":
        geometries = [(f or {}).get("geometry") for f in data.get("features") or []]
    elif data.get("type") == "Feature":
        geometries = [data.get("geometry")]
    else:
        geometries = [data]
    if not geometries:
        raise ValidationError(_("The GeoJSON contains no geometry."), code="empty")
    polygons: list[Any] = []
    for geometry in geometries:
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind not in ("Polygon", "MultiPolygon"):
            raise ValidationError(
                _("The boundary must be a Polygon or a MultiPolygon (found: %(kind)s).")
                % {"kind": kind or "—"},
                code="type",
            )
        try:
            geos = GEOSGeometry(json.dumps(geometry), srid=4326)
        except (GEOSException, GDALException, ValueError, TypeError) as exc:
            raise ValidationError(
                _("This is not valid GeoJSON: the coordinates of the %(kind)s cannot be read.")
                % {"kind": kind},
                code="geojson",
            ) from exc
        polygons.extend(geos if isinstance(geos, MultiPolygon) else [geos])
    boundary = MultiPolygon(polygons, srid=4326)
    xmin, ymin, xmax, ymax = boundary.extent
    if xmin < -180 or xmax > 180 or ymin < -90 or ymax > 90:
        raise ValidationError(
            _(
                "The coordinates are not longitude/latitude in degrees (they look projected, e.g. Lambert-93): "
                "export the boundary in WGS84 (EPSG:4326)."
            ),
            code="projected",
        )
    if not boundary.valid:
        raise ValidationError(
            _("The boundary is not a valid polygon: %(reason)s") % {"reason": boundary.valid_reason},
            code="invalid",
        )
    return boundary


class DatesMixin:
    """End before start is refused here for a quick answer; the service checks it again."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()  # type: ignore[misc]
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date must be after the start date."))  # type: ignore[attr-defined]
        return data


class ProcessForm(DatesMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    subtitle = forms.CharField(label=_("Subtitle"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    image = forms.FileField(
        label=_("Image"),
        required=False,
        validators=[validate_image],
        help_text=_("PNG, JPEG, GIF or WebP, 5 MB at most."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )
    image_alt = forms.CharField(
        label=_("Image description"),
        max_length=200,
        required=False,
        help_text=_("Required with an image: what it shows, for people who cannot see it."),
    )
    remove_image = forms.BooleanField(label=_("Remove the current image"), required=False)
    area = forms.ModelChoiceField(
        label=_("District"), queryset=Area.objects.none(), required=False, empty_label=_("Whole town")
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"), queryset=Topic.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DATE_WIDGET)
    end_date = forms.DateField(label=_("End date"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args: Any, organisation: Organisation, process: Process | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.process = process
        self.fields["area"].queryset = organisation.areas.all()  # type: ignore[attr-defined]
        self.fields["topics"].queryset = organisation.topics.all()  # type: ignore[attr-defined]
        if process is None or not process.image:
            del self.fields["remove_image"]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        keeps_image = bool(self.process and self.process.image and not data.get("remove_image"))
        if (data.get("image") or keeps_image) and not (data.get("image_alt") or "").strip():
            self.add_error("image_alt", _("Describe the image for people who cannot see it."))
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs = {
            "title": data["title"],
            "subtitle": data["subtitle"],
            "description": data["description"],
            "start_date": data["start_date"],
            "end_date": data["end_date"],
            "area_id": data["area"].pk if data["area"] else None,
            "topic_ids": [t.pk for t in data["topics"]],
            "image_alt": data["image_alt"].strip(),
        }
        if data.get("image"):
            kwargs["image"] = data["image"]
        elif data.get("remove_image"):
            kwargs["image"], kwargs["image_alt"] = "", ""
        return kwargs


def _split_emails(text: str) -> list[str]:
    return [e for e in re.split(r"[\s,;]+", text) if e]


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(
        label=_("Visibility"), choices=Process.Visibility.choices, widget=forms.RadioSelect
    )
    pilot_service = forms.ModelChoiceField(
        label=_("Pilot service"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("No service"),
        help_text=_("For a pilot: the agents of this service can see the process."),
    )
    pilot_users = forms.CharField(
        label=_("Pilot participants"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a pilot: e-mail addresses of accounts that can see the process, one per line."),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["pilot_service"].queryset = organisation.services.all()  # type: ignore[attr-defined]

    def clean_pilot_users(self) -> list[str]:
        emails = _split_emails(self.cleaned_data["pilot_users"])
        for email in emails:
            try:
                validate_email(email)
            except ValidationError as exc:
                raise ValidationError(_("“%(email)s” is not an e-mail address.") % {"email": email}) from exc
        return emails


class PhaseForm(DatesMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DATE_WIDGET)
    end_date = forms.DateField(label=_("End date"), required=False, widget=DATE_WIDGET)


class ComponentAddForm(forms.Form):
    module_key = forms.ChoiceField(label=_("Module"), choices=())
    name = forms.CharField(
        label=_("Name"), max_length=200, required=False, help_text=_("Leave empty to use the module's name.")
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["module_key"].choices = registry.choices()  # type: ignore[attr-defined]


class ComponentRenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)


class PermissionsForm(forms.Form):
    """The action × phase × verification-level matrix of one component, three fields per action."""

    def __init__(self, *args: Any, component: Component, phases: list[Phase], **kwargs: Any):
        super().__init__(*args, **kwargs)
        manifest = registry.get(component.module_key)
        self.actions = list(manifest.actions) if manifest else []
        phase_choices = [(str(p.pk), p.title) for p in phases]
        for action in self.actions:
            rule = permissions.action_rule(component, action.key)
            key = action.key
            self.fields[f"{key}__enabled"] = forms.BooleanField(
                label=_("Open"), required=False, initial=bool(rule.get("enabled", True))
            )
            if phase_choices:
                self.fields[f"{key}__phases"] = forms.TypedMultipleChoiceField(
                    label=_("Phases"),
                    choices=phase_choices,
                    coerce=int,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                    initial=[str(p) for p in rule.get("phases") or []],
                    help_text=_("None checked: open in every phase."),
                )
            self.fields[f"{key}__level"] = forms.TypedChoiceField(
                label=_("Verification required"),
                choices=Level.choices,
                coerce=int,
                initial=int(rule.get("level", action.default_level)),
            )

    def rows(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [
            (action, [self[name] for name in self.fields if name.startswith(f"{action.key}__")])
            for action in self.actions
        ]

    def rules(self) -> dict[str, dict[str, Any]]:
        data = self.cleaned_data
        return {
            action.key: {
                "enabled": data.get(f"{action.key}__enabled", False),
                "phases": data.get(f"{action.key}__phases") or [],
                "level": data[f"{action.key}__level"],
            }
            for action in self.actions
        }


def _colour_field(label: Any, help_text: Any = "") -> forms.RegexField:
    return forms.RegexField(
        label=label,
        regex=r"^#[0-9a-fA-F]{6}$",
        max_length=7,
        help_text=help_text,
        error_messages={"invalid": _("Enter a colour as #RRGGBB.")},
        widget=forms.TextInput(attrs={"size": 8, "pattern": "#[0-9a-fA-F]{6}", "spellcheck": "false"}),
    )


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        validators=[validate_image],
        help_text=_("PNG, JPEG, GIF or WebP, 5 MB at most."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )
    logo_alt = forms.CharField(
        label=_("Logo description"),
        max_length=200,
        required=False,
        help_text=_("Required with a logo, e.g. “Ville de Valmont”."),
    )
    remove_logo = forms.BooleanField(label=_("Remove the current logo"), required=False)
    primary_colour = _colour_field(
        _("Primary colour"),
        _(
            "Used for buttons and links on white: its contrast with white must be at least 4.5:1, e.g. #1d4e89."
        ),
    )
    accent_colour = _colour_field(_("Accent colour"), _("e.g. #b34700"))
    default_language = forms.ChoiceField(label=_("Default language"), choices=settings.LANGUAGES)
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=settings.LANGUAGES, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not organisation.logo:
            del self.fields["remove_logo"]


class AreaForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.SlugField(
        label=_("Identifier"),
        max_length=80,
        required=False,
        help_text=_("Used in addresses; made from the name if empty."),
    )
    code = forms.CharField(
        label=_("Code"), max_length=40, required=False, help_text=_("e.g. the INSEE IRIS code.")
    )
    geometry_file = forms.FileField(
        label=_("Boundary file (GeoJSON)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".geojson,.json,application/geo+json,application/json"}),
    )
    geometry = forms.CharField(
        label=_("Boundary as GeoJSON text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "A Polygon or MultiPolygon in WGS84 longitude/latitude. Leave empty to keep the current boundary."
        ),
    )
    clear_geometry = forms.BooleanField(label=_("Remove the current boundary"), required=False)

    def __init__(self, *args: Any, has_geometry: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not has_geometry:
            del self.fields["clear_geometry"]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        upload, text = data.get("geometry_file"), (data.get("geometry") or "").strip()
        data["boundary"] = None
        if upload:
            if upload.size > MAX_UPLOAD_BYTES:
                self.add_error("geometry_file", _("The file is too large: 5 MB at most."))
                return data
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("geometry_file", _("The file is not GeoJSON text (UTF-8)."))
                return data
        if text:
            try:
                data["boundary"] = parse_boundary(text)
            except ValidationError as exc:
                self.add_error("geometry_file" if upload else "geometry", exc)
        return data


class TopicForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.SlugField(
        label=_("Identifier"),
        max_length=80,
        required=False,
        help_text=_("Used in addresses; made from the name if empty."),
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ServiceForm(TopicForm):
    email = forms.EmailField(label=_("E-mail"), required=False)

    field_order = ["name", "slug", "email", "description"]


class MemberSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search by e-mail"), required=False, widget=forms.TextInput(attrs={"type": "search"})
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=Service.objects.none(), required=False, empty_label=_("No service")
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = organisation.services.all()  # type: ignore[attr-defined]


class MemberAddForm(MemberRoleForm):
    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_(
            "Without an account yet, one is created: the person signs in with a code sent by e-mail."
        ),
    )

    field_order = ["email", "role", "service"]
