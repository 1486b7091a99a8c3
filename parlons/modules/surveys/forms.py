"""Forms of the surveys module: survey settings, the question editor, assisted entry; and reading a page's POST."""

from __future__ import annotations

import contextlib
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from parlons.modules.surveys import logic
from parlons.modules.surveys.models import Response, Uniqueness

TYPE_LABELS = {
    "short_text": _("Short text"),
    "long_text": _("Long text"),
    "single_choice": _("Single choice"),
    "multiple_choice": _("Multiple choice"),
    "ranking": _("Ranking"),
    "scale": _("Scale (1–5 or 0–10)"),
    "matrix": _("Matrix (lines × scale)"),
    "number": _("Number"),
    "date": _("Date"),
    "map_point": _("Position on a map (point)"),
    "map_line": _("Line drawn on a map"),
    "map_area": _("Area drawn on a map"),
    "file": _("Photo"),
    "statements": _("Statements to agree or disagree with"),
}
OPERATOR_LABELS = {
    "equals": _("is"),
    "not_equals": _("is not"),
    "contains": _("contains"),
    "gt": _("is greater than"),
    "gte": _("is at least"),
    "lt": _("is less than"),
    "lte": _("is at most"),
    "any_of": _("is any of (separate with commas)"),
    "answered": _("has been answered"),
}
SOURCE_LABELS = {
    "answer": _("the answer to a question"),
    "profile": _("the respondent's profile"),
    "score": _("a computed score"),
}


class SurveySettingsForm(forms.Form):
    title_fr = forms.CharField(label=_("Title in French"), max_length=200, required=False)
    title_en = forms.CharField(label=_("Title in English"), max_length=200, required=False)
    description_fr = forms.CharField(
        label=_("Introduction in French"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    description_en = forms.CharField(
        label=_("Introduction in English"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    opens_at = forms.DateTimeField(
        label=_("Opens at"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    closes_at = forms.DateTimeField(
        label=_("Closes at"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    allow_anonymous = forms.BooleanField(label=_("People can answer without an account"), required=False)
    uniqueness = forms.ChoiceField(label=_("Responses per person"), choices=Uniqueness.choices)
    results_public = forms.BooleanField(
        label=_("Publish the chosen results on the survey's page"), required=False
    )
    published_questions = forms.MultipleChoiceField(
        label=_("Results to publish"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self, *args: Any, question_choices: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["published_questions"].choices = question_choices or []  # type: ignore[attr-defined]


class QuestionForm(forms.Form):
    """One question and its display rule, edited with plain fields (the JSON editor does the rest)."""

    page = forms.CharField(
        label=_("Page identifier"), max_length=40, help_text=_("An existing page, or a new one.")
    )
    page_title_fr = forms.CharField(label=_("Title of a new page (French)"), max_length=200, required=False)
    key = forms.RegexField(
        label=_("Question identifier"),
        regex=logic.KEY_RE,
        max_length=40,
        help_text=_("Lower-case letters, digits and _; used in rules and piping as {{identifier}}."),
    )
    type = forms.ChoiceField(label=_("Type"), choices=list(TYPE_LABELS.items()))
    text_fr = forms.CharField(label=_("Question in French"), max_length=500)
    text_en = forms.CharField(label=_("Question in English"), max_length=500, required=False)
    help_fr = forms.CharField(label=_("Help text in French"), max_length=500, required=False)
    help_en = forms.CharField(label=_("Help text in English"), max_length=500, required=False)
    required = forms.BooleanField(label=_("Required"), required=False)
    options = forms.CharField(
        label=_("Answers to choose from, or lines of a matrix"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: identifier | French label | English label"),
    )
    allow_other = forms.BooleanField(label=_("Offer “Other, please specify”"), required=False)
    min_value = forms.FloatField(label=_("Minimum (choices, scale, number)"), required=False)
    max_value = forms.FloatField(label=_("Maximum (choices, scale, number)"), required=False)
    condition_source = forms.ChoiceField(
        label=_("Show only if"), choices=[("", _("always shown")), *SOURCE_LABELS.items()], required=False
    )
    condition_ref = forms.CharField(
        label=_("Question, profile field or score"), max_length=40, required=False
    )
    condition_op = forms.ChoiceField(
        label=_("Comparison"), choices=list(OPERATOR_LABELS.items()), required=False
    )
    condition_value = forms.CharField(label=_("Value"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("condition_source") and not data.get("condition_ref"):
            self.add_error("condition_ref", _("Say which question, profile field or score the rule reads."))
        return data

    def question(self) -> dict[str, Any]:
        d = self.cleaned_data
        question: dict[str, Any] = {
            "key": d["key"],
            "type": d["type"],
            "text": {k: v for k, v in {"fr": d["text_fr"], "en": d["text_en"]}.items() if v},
            "required": d["required"],
        }
        if d["help_fr"] or d["help_en"]:
            question["help"] = {k: v for k, v in {"fr": d["help_fr"], "en": d["help_en"]}.items() if v}
        items = []
        for line in (d["options"] or "").splitlines():
            parts = [p.strip() for p in line.split("|")]
            if parts and parts[0]:
                label = {"fr": parts[1] if len(parts) > 1 and parts[1] else parts[0]}
                if len(parts) > 2 and parts[2]:
                    label["en"] = parts[2]
                items.append((parts[0], label))
        if d["type"] in logic.CHOICE_TYPES:
            question["options"] = [{"value": v, "label": lab} for v, lab in items]
            question["allow_other"] = d["allow_other"]
            if d["type"] == "multiple_choice":
                if d["min_value"] is not None:
                    question["min_choices"] = int(d["min_value"])
                if d["max_value"] is not None:
                    question["max_choices"] = int(d["max_value"])
        elif d["type"] in ("matrix", "statements"):
            question["rows"] = [{"key": v, "label": lab} for v, lab in items]
        if d["type"] in ("scale", "matrix", "number"):
            if d["min_value"] is not None:
                question["min"] = int(d["min_value"]) if d["type"] != "number" else d["min_value"]
            if d["max_value"] is not None:
                question["max"] = int(d["max_value"]) if d["type"] != "number" else d["max_value"]
        if d.get("condition_source"):
            value: Any = d["condition_value"]
            if d["condition_op"] == "any_of":
                value = [v.strip() for v in value.split(",") if v.strip()]
            elif d["condition_op"] in ("gt", "gte", "lt", "lte"):
                with contextlib.suppress(ValueError):
                    value = float(value)
            question["condition"] = {
                "source": d["condition_source"],
                "ref": d["condition_ref"],
                "op": d["condition_op"] or "equals",
                "value": value,
            }
        return question

    @classmethod
    def initial_for(cls, loc: logic.Located) -> dict[str, Any]:
        q = loc.question
        lines = [
            " | ".join(
                [
                    str(o.get("value", o.get("key", ""))),
                    logic.tr(o.get("label"), "fr"),
                    (o.get("label") or {}).get("en", ""),
                ]
            )
            for o in (q.get("options") or q.get("rows") or [])
        ]
        condition = q.get("condition") or {}
        simple = condition if "ref" in condition else {}
        value = simple.get("value", "")
        return {
            "page": loc.page_key,
            "key": loc.key,
            "type": loc.type,
            "text_fr": (q.get("text") or {}).get("fr", ""),
            "text_en": (q.get("text") or {}).get("en", ""),
            "help_fr": (q.get("help") or {}).get("fr", ""),
            "help_en": (q.get("help") or {}).get("en", ""),
            "required": bool(q.get("required")),
            "options": "\n".join(lines),
            "allow_other": bool(q.get("allow_other")),
            "min_value": q.get("min_choices", q.get("min")),
            "max_value": q.get("max_choices", q.get("max")),
            "condition_source": simple.get("source", "answer") if simple else "",
            "condition_ref": simple.get("ref", ""),
            "condition_op": simple.get("op", ""),
            "condition_value": ", ".join(value) if isinstance(value, list) else value,
        }


class DefinitionForm(forms.Form):
    definition = forms.CharField(
        label=_("Questions and rules (JSON)"),
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "false"}),
        help_text=_("For complex rules (and/or, jumps between pages, scores, follow-up questions)."),
    )


class AssistedForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Where did you meet the person?"),
        choices=[
            (Response.Channel.COUNTER, Response.Channel.COUNTER.label),
            (Response.Channel.PHONE, Response.Channel.PHONE.label),
        ],
        widget=forms.RadioSelect,
    )
    district = forms.ChoiceField(label=_("District of the person (if they say)"), required=False)
    age_group = forms.ChoiceField(label=_("Age group (if they say)"), required=False)

    def __init__(
        self, *args: Any, districts: list[tuple[str, str]], age_groups: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", "—"), *districts]  # type: ignore[attr-defined]
        self.fields["age_group"].choices = [("", "—"), *age_groups]  # type: ignore[attr-defined]


def read_page(post: QueryDict, locs: list[logic.Located]) -> dict[str, Any]:
    """The raw answers of the shown questions from a page's POST, in the form ``logic.validate_answer`` reads."""
    values: dict[str, Any] = {}
    for loc in locs:
        k, q = loc.key, loc.question
        if loc.type == "file":
            if post.get(f"{k}__clear"):
                values[k] = ""
            continue
        if loc.type == "multiple_choice":
            chosen = post.getlist(k)
            values[k] = {"choices": chosen, "other": post.get(f"{k}__other", "")} if chosen else ""
        elif loc.type == "single_choice":
            choice = post.get(k, "")
            values[k] = {"choice": choice, "other": post.get(f"{k}__other", "")} if choice else ""
        elif loc.type == "ranking":
            positions = []
            for option in q.get("options") or []:
                raw = post.get(f"{k}__{option['value']}", "")
                if raw.strip():
                    try:
                        positions.append((int(raw), str(option["value"])))
                    except ValueError:
                        positions.append((0, str(option["value"])))
            ranks = [p for p, _v in positions]
            ranked = [v for _p, v in sorted(positions)]
            if len(set(ranks)) != len(ranks) or any(p < 1 for p in ranks):
                ranked = ranked + ranked[:1]  # duplicate positions: refused as a bad ranking
            values[k] = ranked
        elif loc.type in ("matrix", "statements"):
            values[k] = {str(r["key"]): post.get(f"{k}__{r['key']}", "") for r in q.get("rows") or []}
            if not any(values[k].values()):
                values[k] = ""
        elif loc.type == "map_point":
            lon, lat = post.get(f"{k}__lon", "").strip(), post.get(f"{k}__lat", "").strip()
            values[k] = {"lon": lon.replace(",", "."), "lat": lat.replace(",", ".")} if lon or lat else ""
        elif loc.type in ("map_line", "map_area"):
            coords = []
            for line in post.get(k, "").splitlines():
                parts = line.replace(";", " ").replace(",", " ").split()
                if len(parts) == 2:
                    coords.append([parts[1], parts[0]])  # typed as "latitude longitude"
                elif parts:
                    coords.append(["x", "x"])
            values[k] = coords
        else:
            values[k] = post.get(k, "")
    return values
