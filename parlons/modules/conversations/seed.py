"""Demo content: a conversation on the future of the town centre, with two planted opinion camps.

Participants of the demo have no account (as after a Pol.is import); their votes follow two camps (a car-free
centre vs. keeping access and parking) with a shared base (trees, benches, shop support) and some noise, so
the map shows two groups and a real consensus. Idempotent: a component that has a conversation is left alone.
"""

from __future__ import annotations

import random

from django.db import transaction
from django.utils import timezone

from parlons.core.models import Component
from parlons.modules.conversations.models import Conversation, Participant, Statement, Vote
from parlons.modules.conversations.services import conversation_recompute

QUESTION = "Comment voulez-vous que le centre-ville évolue dans les dix prochaines années ?"
DESCRIPTION = (
    "La municipalité prépare le plan de réaménagement du centre-ville. Votez sur les propositions des "
    "habitants (d'accord, pas d'accord, je passe) et ajoutez les vôtres : la carte montre les grandes "
    "sensibilités et ce sur quoi tout le monde s'accorde."
)
# (text, camp leaning: +1 = car-free camp agrees, -1 = access camp agrees, 0 = shared by both)
STATEMENTS = (
    ("La Grande Rue devrait devenir entièrement piétonne.", 1),
    ("Il faut garder le stationnement gratuit place du Marché.", -1),
    ("Il faut planter beaucoup plus d'arbres dans le centre.", 0),
    ("Les commerces du centre ont besoin d'un vrai soutien de la mairie.", 0),
    ("Une piste cyclable protégée doit relier la gare au centre.", 1),
    ("Sans voiture, les personnes âgées ne pourront plus venir faire leurs courses.", -1),
    ("Le marché du samedi devrait s'étendre sur les rues voisines.", 1),
    ("Un parking relais en entrée de ville suffirait pour les visiteurs.", 1),
    ("Les livraisons doivent rester possibles à toute heure.", -1),
    ("Il manque des bancs et des fontaines à eau.", 0),
    ("La vitesse devrait être limitée à 20 km/h dans tout le centre.", 1),
    ("Les travaux devraient être annoncés au moins un mois à l'avance.", 0),
    ("Fermer des rues aux voitures fera fuir les clients vers les grandes surfaces.", -1),
    ("Les terrasses des cafés devraient pouvoir s'agrandir l'été.", 1),
    ("Il faut davantage de places réservées aux personnes handicapées.", 0),
    ("Le bus devrait être gratuit le samedi pour venir au marché.", 1),
    ("Les places de stationnement supprimées doivent être remplacées ailleurs.", -1),
    ("L'éclairage de la rue des Tanneurs est insuffisant le soir.", 0),
)
PENDING = (
    "Il faudrait des toilettes publiques près de la halle.",
    "Les trottinettes devraient être interdites sur les trottoirs.",
)
PARTICIPANTS = 120


def seed(component: Component) -> None:
    if Conversation.objects.filter(component=component).exists():
        return
    organisation = component.process.organisation
    rng = random.Random(20261204)
    with transaction.atomic():
        conversation = Conversation.objects.create(
            organisation=organisation, component=component, question=QUESTION, description=DESCRIPTION
        )
        now = timezone.now()
        statements = Statement.objects.bulk_create(
            [
                Statement(
                    organisation=organisation,
                    conversation=conversation,
                    number=i,
                    text=text,
                    status=Statement.Status.ACCEPTED,
                    moderated_at=now,
                )
                for i, (text, _camp) in enumerate(STATEMENTS)
            ]
        )
        participants = Participant.objects.bulk_create(
            [
                Participant(organisation=organisation, conversation=conversation, number=n)
                for n in range(PARTICIPANTS)
            ]
        )
        Statement.objects.bulk_create(
            [
                Statement(
                    organisation=organisation,
                    conversation=conversation,
                    number=len(STATEMENTS) + i,
                    text=text,
                    author=participants[i],
                )
                for i, text in enumerate(PENDING)
            ]
        )
        votes = []
        for participant in participants:
            camp = 1 if rng.random() < 0.55 else -1
            seen = rng.sample(range(len(STATEMENTS)), rng.randint(8, len(STATEMENTS)))
            for index in seen:
                leaning = STATEMENTS[index][1]
                agree_probability = 0.85 if leaning == 0 else (0.85 if leaning == camp else 0.12)
                roll = rng.random()
                value = 0 if roll < 0.08 else (1 if rng.random() < agree_probability else -1)
                votes.append(
                    Vote(
                        organisation=organisation,
                        conversation=conversation,
                        statement=statements[index],
                        participant=participant,
                        value=value,
                    )
                )
        Vote.objects.bulk_create(votes, batch_size=5000)
    conversation_recompute(conversation=conversation)
