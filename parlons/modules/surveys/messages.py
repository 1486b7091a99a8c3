"""Translated messages for the codes raised by ``logic.py`` (answers refused, definition problems)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from parlons.modules.surveys.logic import AnswerError, Problem


def answer_message(error: AnswerError) -> str:
    p: dict[str, Any] = dict(error.params)
    messages = {
        "too_long": _("Please write at most %(max)s characters.") % p if "max" in p else "",
        "not_a_choice": _("Please choose among the answers offered."),
        "other_missing": _("Please specify your “other” answer."),
        "too_few_choices": _("Please choose at least %(min)s answers.") % p if "min" in p else "",
        "too_many_choices": _("Please choose at most %(max)s answers.") % p if "max" in p else "",
        "bad_ranking": _("Please rank each item once."),
        "rank_all": _("Please rank every item."),
        "not_a_whole_number": _("Please enter a whole number."),
        "not_a_number": _("Please enter a number, for example 12 or 3.5."),
        "out_of_range": _("Please enter a value between %(min)s and %(max)s.")
        % {
            "min": p.get("min") if p.get("min") is not None else "…",
            "max": p.get("max") if p.get("max") is not None else "…",
        },
        "answer_every_row": _("Please answer every line."),
        "not_a_date": _("Please enter a date as year-month-day, for example 2025-03-14."),
        "date_out_of_range": _("Please enter a date between %(min)s and %(max)s.") % p
        if {"min", "max"} <= p.keys()
        else "",
        "bad_position": _(
            "This position is not valid: place the point on the map or enter latitude and longitude."
        ),
        "outside_area": _("This position is outside the area covered by the survey."),
        "too_few_points": _("Please place at least %(min)s points.") % p if "min" in p else "",
        "too_many_points": _("Please draw with at most %(max)s points.") % p if "max" in p else "",
        "bad_file": _("Please choose a file."),
        "not_an_image": _("This file is not an image we can read (JPEG, PNG or WebP)."),
        "file_too_big": _("This file is too big (10 MB at most)."),
        "required": _("Please answer this question."),
        "unknown_type": _("This question cannot be answered."),
    }
    return messages.get(error.code) or _("This answer is not valid.")


def problem_message(problem: Problem) -> str:
    p: dict[str, Any] = {"subject": problem.subject, **problem.params}
    messages = {
        "no_pages": _("The questionnaire has no page yet."),
        "no_questions": _("The questionnaire has no question yet."),
        "bad_key": _(
            "“%(subject)s” is not a valid identifier: use lower-case letters, digits and _, starting with a letter."
        ),
        "duplicate_key": _("The identifier “%(subject)s” is used twice."),
        "unknown_type": _("Question “%(subject)s” has an unknown type (%(type)s)."),
        "no_text": _("Question “%(subject)s” has no text."),
        "too_few_options": _("Question “%(subject)s” needs at least two answers to choose from."),
        "duplicate_option": _("Question “%(subject)s” has empty or repeated answer values."),
        "bad_range": _("Question “%(subject)s” has a minimum above its maximum, or a scale outside 0–10."),
        "no_rows": _("Question “%(subject)s” needs at least one line."),
        "unknown_question": _(
            "“%(subject)s” has a rule that refers to question “%(ref)s”, which does not exist (deleted?)."
        ),
        "unknown_page": _("Page “%(subject)s” jumps to page “%(ref)s”, which does not exist."),
        "unknown_score": _(
            "“%(subject)s” has a rule that refers to the score “%(ref)s”, which does not exist."
        ),
        "unknown_profile": _(
            "“%(subject)s” has a rule on the profile field “%(ref)s”, which does not exist."
        ),
        "unknown_operator": _("“%(subject)s” has a rule with an unknown comparison (%(op)s)."),
        "unknown_source": _("“%(subject)s” has a rule on an unknown source (%(source)s)."),
        "cycle": _(
            "These rules go round in a circle: %(subject)s. A rule may only depend on earlier questions, and jumps only go forward."
        ),
        "forward_reference": _(
            "“%(subject)s” depends on question “%(ref)s”, which is asked after it: that would make a loop."
        ),
        "unreachable_page": _("No respondent can reach these pages: %(subject)s."),
        "unreachable_question": _(
            "No respondent can reach these questions (their conditions can never be met): %(subject)s."
        ),
    }
    template = messages.get(problem.code)
    return (
        template % p if template else _("The questionnaire is not valid (%(code)s).") % {"code": problem.code}
    )


def problems_text(problems: Iterable[Problem]) -> list[str]:
    return [problem_message(p) for p in problems]
