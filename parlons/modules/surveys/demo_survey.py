"""The demo questionnaire (mobility and quality of life in a French town), as a plain definition.

Used by the demo seed, offered as a template in the editor, and exercised by the tests: it has branching on
answers, on the profile and on a score, a deepen rule, piping, and every question type.
"""

from __future__ import annotations

from typing import Any

AGE_GROUPS = (
    ("moins-25", "Moins de 25 ans", "Under 25"),
    ("25-44", "25 à 44 ans", "25 to 44"),
    ("45-64", "45 à 64 ans", "45 to 64"),
    ("65-plus", "65 ans et plus", "65 and over"),
)
DEFAULT_DISTRICTS = (("centre", "Centre-ville"), ("nord", "Quartier Nord"), ("sud", "Quartier Sud"))


def _t(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


def _opt(value: str, fr: str, en: str, **extra: Any) -> dict[str, Any]:
    return {"value": value, "label": _t(fr, en), **extra}


def mobility_survey(districts: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """The definition, with the town's districts as the options of the district question."""
    # A town with fewer than two districts still gets a meaningful choice (the demo's own district names).
    choices = districts if districts and len(districts) >= 2 else DEFAULT_DISTRICTS
    district_options = [_opt(slug, name, name) for slug, name in choices]
    return {
        "pages": [
            {
                "key": "profil",
                "title": _t("Vous", "About you"),
                "sections": [
                    {
                        "key": "profil_s",
                        "title": _t("Pour mieux comprendre les réponses", "To understand the answers better"),
                        "questions": [
                            {
                                "key": "age",
                                "type": "single_choice",
                                "profile": "age_group",
                                "required": True,
                                "text": _t("Quel âge avez-vous ?", "How old are you?"),
                                "options": [_opt(v, fr, en) for v, fr, en in AGE_GROUPS],
                            },
                            {
                                "key": "quartier",
                                "type": "single_choice",
                                "profile": "district",
                                "required": True,
                                "text": _t(
                                    "Dans quel quartier habitez-vous ?", "Which district do you live in?"
                                ),
                                "options": district_options,
                            },
                        ],
                    }
                ],
            },
            {
                "key": "deplacements",
                "title": _t("Vos déplacements", "How you get around"),
                "sections": [
                    {
                        "key": "modes",
                        "title": _t("Au quotidien", "Every day"),
                        "questions": [
                            {
                                "key": "modes",
                                "type": "multiple_choice",
                                "required": True,
                                "min_choices": 1,
                                "max_choices": 3,
                                "allow_other": True,
                                "text": _t(
                                    "Comment vous déplacez-vous le plus souvent ? (3 réponses au plus)",
                                    "How do you usually get around? (up to 3 answers)",
                                ),
                                "options": [
                                    _opt("voiture", "Voiture", "Car"),
                                    _opt("bus", "Bus", "Bus"),
                                    _opt("velo", "Vélo", "Bicycle"),
                                    _opt("marche", "À pied", "On foot"),
                                ],
                            },
                            {
                                "key": "km_voiture",
                                "type": "number",
                                "integer": True,
                                "min": 0,
                                "max": 500,
                                "text": _t(
                                    "Combien de kilomètres faites-vous en voiture par semaine ?",
                                    "How many kilometres do you drive a week?",
                                ),
                                "condition": {
                                    "source": "answer",
                                    "ref": "modes",
                                    "op": "contains",
                                    "value": "voiture",
                                },
                            },
                            {
                                "key": "securite_velo",
                                "type": "scale",
                                "min": 1,
                                "max": 5,
                                "labels": {
                                    "min": _t("Pas du tout en sécurité", "Not safe at all"),
                                    "max": _t("Tout à fait en sécurité", "Completely safe"),
                                },
                                "text": _t(
                                    "À vélo, vous sentez-vous en sécurité en ville ?",
                                    "Do you feel safe cycling in town?",
                                ),
                                "condition": {
                                    "source": "answer",
                                    "ref": "modes",
                                    "op": "contains",
                                    "value": "velo",
                                },
                            },
                            {
                                "key": "dernier_bus",
                                "type": "date",
                                "text": _t(
                                    "Quand avez-vous pris le bus pour la dernière fois ?",
                                    "When did you last take the bus?",
                                ),
                                "condition": {
                                    "source": "answer",
                                    "ref": "modes",
                                    "op": "contains",
                                    "value": "bus",
                                },
                            },
                        ],
                    }
                ],
                "jumps": [
                    {
                        "when": {"source": "answer", "ref": "modes", "op": "equals", "value": ["marche"]},
                        "to": "satisfaction",
                    }
                ],
            },
            {
                "key": "stationnement",
                "title": _t("Stationnement", "Parking"),
                "condition": {"source": "answer", "ref": "modes", "op": "contains", "value": "voiture"},
                "sections": [
                    {
                        "key": "stationnement_s",
                        "title": _t("Se garer", "Parking your car"),
                        "questions": [
                            {
                                "key": "stationnement",
                                "type": "single_choice",
                                "required": True,
                                "text": _t(
                                    "Trouver une place près de chez vous, c'est…",
                                    "Finding a space near home is…",
                                ),
                                "options": [
                                    _opt("facile", "Facile", "Easy"),
                                    _opt("variable", "Ça dépend des jours", "It depends"),
                                    _opt("difficile", "Difficile", "Hard"),
                                ],
                            }
                        ],
                    }
                ],
            },
            {
                "key": "satisfaction",
                "title": _t("Votre avis", "Your opinion"),
                "sections": [
                    {
                        "key": "avis",
                        "title": _t("Transports et cadre de vie", "Transport and quality of life"),
                        "questions": [
                            {
                                "key": "note",
                                "type": "scale",
                                "min": 0,
                                "max": 10,
                                "required": True,
                                "labels": {
                                    "min": _t("Pas du tout satisfait·e", "Not satisfied at all"),
                                    "max": _t("Très satisfait·e", "Very satisfied"),
                                },
                                "text": _t(
                                    "Êtes-vous satisfait·e des déplacements dans votre quartier ?",
                                    "Are you satisfied with getting around your district?",
                                ),
                                "deepen": [
                                    {
                                        "when": {"op": "lte", "value": 3},
                                        "questions": [
                                            {
                                                "key": "pourquoi",
                                                "type": "long_text",
                                                "required": True,
                                                "text": _t(
                                                    "Vous avez donné {{note}}/10 : qu'est-ce qui ne va pas exactement ?",
                                                    "You gave {{note}}/10: what exactly is wrong?",
                                                ),
                                            },
                                            {
                                                "key": "ou",
                                                "type": "map_point",
                                                "text": _t(
                                                    "Où est-ce le plus difficile ? Placez un point sur la carte.",
                                                    "Where is it hardest? Place a point on the map.",
                                                ),
                                            },
                                        ],
                                    }
                                ],
                            },
                            {
                                "key": "priorites",
                                "type": "ranking",
                                "text": _t(
                                    "Classez ces projets du plus au moins important",
                                    "Rank these projects from most to least important",
                                ),
                                "options": [
                                    _opt("pistes", "Pistes cyclables", "Cycle lanes"),
                                    _opt("bus", "Plus de bus", "More buses"),
                                    _opt("trottoirs", "Trottoirs plus larges", "Wider pavements"),
                                    _opt("parkings", "Parkings", "Car parks"),
                                ],
                            },
                            {
                                "key": "cadre",
                                "type": "matrix",
                                "min": 1,
                                "max": 5,
                                "text": _t(
                                    "Notez votre quartier (1 = très mauvais, 5 = très bon)",
                                    "Rate your district (1 = very poor, 5 = very good)",
                                ),
                                "rows": [
                                    {"key": "proprete", "label": _t("Propreté", "Cleanliness")},
                                    {"key": "eclairage", "label": _t("Éclairage", "Street lighting")},
                                    {"key": "securite", "label": _t("Sécurité", "Safety")},
                                ],
                            },
                        ],
                    }
                ],
            },
            {
                "key": "idees",
                "title": _t("Vos idées", "Your ideas"),
                "sections": [
                    {
                        "key": "idees_s",
                        "title": _t("Pour aller plus loin", "Going further"),
                        "questions": [
                            {
                                "key": "affirmations",
                                "type": "statements",
                                "text": _t(
                                    "Êtes-vous d'accord avec ces affirmations ?",
                                    "Do you agree with these statements?",
                                ),
                                "rows": [
                                    {
                                        "key": "pieton",
                                        "label": _t(
                                            "Le centre-ville devrait être piéton le samedi.",
                                            "The town centre should be car-free on Saturdays.",
                                        ),
                                    },
                                    {
                                        "key": "zone30",
                                        "label": _t(
                                            "Toute la ville devrait passer à 30 km/h.",
                                            "The whole town should have a 30 km/h limit.",
                                        ),
                                    },
                                ],
                            },
                            {
                                "key": "ligne_bus",
                                "type": "short_text",
                                "text": _t(
                                    "Vous suivez la mobilité : quelle ligne de bus manque le plus ?",
                                    "You follow mobility: which bus line is missing most?",
                                ),
                                "condition": {
                                    "source": "profile",
                                    "ref": "topics",
                                    "op": "contains",
                                    "value": "mobilite",
                                },
                            },
                            {
                                "key": "idee",
                                "type": "long_text",
                                "text": _t(
                                    "Une idée pour améliorer les déplacements à pied ou à vélo ?",
                                    "An idea to make walking or cycling better?",
                                ),
                                "help": _t("Quelques phrases suffisent.", "A few sentences are enough."),
                            },
                            {
                                "key": "photo",
                                "type": "file",
                                "text": _t(
                                    "Une photo d'un endroit à améliorer ? (facultatif)",
                                    "A photo of a place to improve? (optional)",
                                ),
                            },
                        ],
                    }
                ],
            },
            {
                "key": "contact",
                "title": _t("Suite", "Follow-up"),
                "condition": {"source": "score", "ref": "difficultes", "op": "gte", "value": 2},
                "sections": [
                    {
                        "key": "contact_s",
                        "title": _t("Un échange avec la mairie", "Talking with the town hall"),
                        "questions": [
                            {
                                "key": "recontact",
                                "type": "single_choice",
                                "text": _t(
                                    "Vos réponses signalent des difficultés : accepteriez-vous un échange avec le service mobilité ?",
                                    "Your answers point to difficulties: would you talk with the mobility service?",
                                ),
                                "options": [_opt("oui", "Oui", "Yes"), _opt("non", "Non", "No")],
                            }
                        ],
                    }
                ],
            },
        ],
        "scores": [
            {
                "key": "difficultes",
                "label": _t("Difficultés signalées", "Difficulties reported"),
                "parts": [
                    {"question": "securite_velo", "points": {"1": 2, "2": 1}},
                    {"question": "stationnement", "points": {"difficile": 2, "variable": 1}},
                    {"question": "note", "points": {"0": 2, "1": 2, "2": 1, "3": 1}},
                ],
            }
        ],
    }
