"""Demo content in French: proposals with supports, comments, amendments and official answers, and debates.

Written directly (bulk inserts), as history: the demo component may not be published yet when it is seeded,
and the demo must load in seconds. Official answers still go through the core decision trail. Idempotent:
a component that already has proposals is left alone.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from parlons.accounts.models import Membership, Role
from parlons.core.models import Area, Component, DecisionEvent, Topic
from parlons.core.services import decision_record
from parlons.dialogue.models import Alignment, Comment
from parlons.modules.consultations import similarity
from parlons.modules.consultations.models import Amendment, Debate, Proposal, ProposalVersion, Status, Support

PROPOSALS: tuple[tuple[str, str, str], ...] = (
    (
        "Des bancs à l'ombre le long de la Loire",
        "Entre le pont et la guinguette, il n'y a aucun banc à l'ombre. Les personnes âgées ne peuvent pas "
        "s'arrêter pendant leur promenade. Je propose d'installer cinq bancs sous les platanes du quai.",
        "cadre-de-vie",
    ),
    (
        "Une piste cyclable continue vers la gare",
        "Aujourd'hui la piste s'arrête au rond-point des Tilleuls et il faut rouler au milieu des voitures. "
        "Une piste séparée jusqu'à la gare permettrait aux lycéens et aux salariés de venir à vélo en sécurité.",
        "mobilites",
    ),
    (
        "Un jardin partagé dans le quartier des Rives",
        "La friche derrière l'école Jules-Ferry pourrait devenir un jardin partagé : des parcelles pour les "
        "familles, un composteur collectif et des ateliers avec les enfants le mercredi.",
        "environnement",
    ),
    (
        "Plus de poubelles de tri au parc municipal",
        "Le week-end, les poubelles du parc débordent et les déchets s'envolent. Il faudrait des poubelles de tri "
        "plus grandes et un ramassage le dimanche soir en été.",
        "environnement",
    ),
    (
        "Une boîte à livres place de l'Église",
        "Une boîte à livres en bois, fabriquée par le lycée professionnel, où chacun peut déposer et prendre des "
        "livres gratuitement. Elle ferait vivre la place entre deux marchés.",
        "solidarites",
    ),
    (
        "Éclairer le chemin piéton du collège",
        "Le chemin entre le collège et le lotissement des Vignes est complètement noir l'hiver à 17 h. Des "
        "lampadaires à détection de présence rassureraient les élèves et les parents.",
        "cadre-de-vie",
    ),
    (
        "Un terrain de basket en accès libre",
        "Les jeunes du quartier Nord n'ont aucun terrain de sport en accès libre. Un playground de basket 3x3 "
        "sur le parking inutilisé du gymnase serait très utilisé.",
        "sport",
    ),
    (
        "Des fontaines à eau dans le centre-ville",
        "Avec les canicules, il faudrait des fontaines d'eau potable place du Marché, au parc et près de l'aire de "
        "jeux, pour les passants, les sportifs et les chiens.",
        "cadre-de-vie",
    ),
    (
        "Des arceaux vélos devant les commerces",
        "Il est impossible d'attacher son vélo devant la boulangerie et la pharmacie de la rue Nationale. Quelques "
        "arceaux sur une place de stationnement suffiraient.",
        "mobilites",
    ),
    (
        "Planter des arbres fruitiers dans les écoles",
        "Chaque école pourrait avoir un petit verger : pommiers, poiriers, cerisiers. Les enfants apprendraient à "
        "s'en occuper et profiteraient des fruits à la rentrée.",
        "environnement",
    ),
    (
        "Une navette gratuite le jour du marché",
        "Les habitants des hameaux sans voiture ne peuvent pas venir au marché du samedi. Une navette gratuite "
        "le matin, avec trois arrêts, leur permettrait de faire leurs courses.",
        "solidarites",
    ),
    (
        "Réparer et ouvrir le skatepark le soir",
        "Le skatepark est abîmé et ferme à 19 h. Réparer les modules et l'ouvrir jusqu'à 21 h l'été éviterait que "
        "les jeunes aillent rouler sur le parvis de la mairie.",
        "sport",
    ),
)

COMMENTS = (
    "Très bonne idée, je passe souvent par là et ça manque vraiment.",
    "D'accord sur le principe, mais qui va entretenir l'installation ?",
    "Il faudrait demander l'avis des riverains avant de décider.",
    "Je soutiens ! Mes enfants en profiteraient tous les jours.",
    "Attention au coût : il y a peut-être d'autres priorités dans le quartier.",
    "On pourrait commencer par un essai de six mois et faire le bilan.",
)
REPLIES = (
    "Bonne remarque, l'association de quartier pourrait s'en charger.",
    "Un essai me paraît raisonnable.",
    "Les riverains que j'ai rencontrés sont plutôt pour.",
)
DEBATES = (
    (
        "Faut-il rendre la place du Marché piétonne le samedi ?",
        "Le samedi matin, le marché occupe la moitié de la place et les voitures cherchent à se garer au milieu "
        "des passants. Une piétonnisation le samedi libérerait de l'espace mais supprimerait 80 places de stationnement.",
    ),
    (
        "Quelle priorité pour les prochains aménagements cyclables ?",
        "Le budget permet un seul grand chantier l'an prochain : la liaison vers la gare, ou la traversée du centre-ville. "
        "Quels arguments vous paraissent les plus importants ?",
    ),
)
ARGUMENTS = (
    (Alignment.FOR, "Les commerçants du marché y gagneraient : plus de passants, plus de terrasses."),
    (
        Alignment.AGAINST,
        "Les personnes âgées des hameaux viennent en voiture : il leur faut des places proches.",
    ),
    (Alignment.NEUTRAL, "Tout dépend des navettes et des parkings relais proposés en échange."),
    (Alignment.FOR, "Le bruit et la pollution diminueraient pour les riverains."),
)


@transaction.atomic
def seed(component: Component) -> None:
    if Proposal.objects.filter(component=component).exists():
        return
    organisation = component.process.organisation
    rng = random.Random(component.pk)
    citizens = [
        m.user
        for m in Membership.objects.for_organisation(organisation)
        .filter(role=Role.CITIZEN, user__deleted_at__isnull=True)
        .select_related("user")
        .order_by("pk")[:40]
    ]
    topics = {t.slug: t for t in Topic.objects.for_organisation(organisation)}
    areas = list(Area.objects.for_organisation(organisation).order_by("pk"))
    now = timezone.now()
    chosen = rng.sample(PROPOSALS, k=min(10, len(PROPOSALS)))
    proposals = []
    for i, (title, body, topic_slug) in enumerate(chosen):
        published = now - timedelta(days=20 - i, hours=rng.randrange(0, 20))
        proposals.append(
            Proposal(
                organisation=organisation,
                component=component,
                author=citizens[i % len(citizens)] if citizens else None,
                title=title,
                body=body,
                topic=topics.get(topic_slug),
                area=areas[i % len(areas)] if areas else None,
                status=Status.PUBLISHED,
                published_at=published,
                fingerprint=similarity.fingerprint(title, body),
            )
        )
    Proposal.objects.bulk_create(proposals)
    proposals = list(Proposal.objects.filter(component=component).order_by("pk"))
    ProposalVersion.objects.bulk_create(
        [
            ProposalVersion(proposal=p, title=p.title, body=p.body, created_at=p.published_at or now)
            for p in proposals
        ]
    )
    proposal_type = ContentType.objects.get_for_model(Proposal)
    for index, proposal in enumerate(proposals):
        backers = rng.sample(citizens, k=min(len(citizens), rng.randrange(0, 25))) if citizens else []
        Support.objects.bulk_create([Support(proposal=proposal, user=u) for u in backers])
        comments = []
        for j in range(rng.randrange(0, 4) if citizens else 0):
            comments.append(
                Comment.objects.create(
                    organisation=organisation,
                    content_type=proposal_type,
                    object_id=str(proposal.pk),
                    author=citizens[(index + j + 1) % len(citizens)],
                    body=COMMENTS[(index + j) % len(COMMENTS)],
                )
            )
        if comments and citizens:
            comments.append(
                Comment.objects.create(
                    organisation=organisation,
                    content_type=proposal_type,
                    object_id=str(proposal.pk),
                    parent=comments[0],
                    depth=1,
                    author=citizens[(index + 7) % len(citizens)],
                    body=REPLIES[index % len(REPLIES)],
                )
            )
        Proposal.objects.filter(pk=proposal.pk).update(
            supports_count=len(backers), comments_count=len(comments)
        )
    if len(citizens) >= 3 and len(proposals) >= 2:
        target = proposals[1]
        Amendment.objects.create(
            proposal=target,
            author=citizens[2] if target.author_id != citizens[2].pk else citizens[0],
            title=target.title,
            body=target.body + " Elle pourrait aussi desservir la zone d'activités des Prés.",
        )
    for proposal, state, answer, cost in (
        (
            (
                proposals[0],
                "accepted",
                "Les services techniques installeront les bancs au printemps.",
                "7500",
            ),
            (
                proposals[2],
                "evaluating",
                "Le service des espaces verts étudie la faisabilité sur la parcelle.",
                None,
            ),
            (
                proposals[3],
                "rejected",
                "Le ramassage du dimanche n'est pas possible avec les effectifs actuels ; "
                "de nouvelles poubelles seront toutefois installées.",
                None,
            ),
        )
        if len(proposals) >= 4
        else ()
    ):
        Proposal.objects.filter(pk=proposal.pk).update(
            answer_state=state, answer_body=answer, answer_cost=cost, answered_at=now
        )
        decision_record(
            organisation=organisation,
            subject=proposal,
            by=None,
            kind=DecisionEvent.Kind.ANSWER,
            to_status=state,
            body=answer,
            author_role=organisation.name,
        )
    debate_type = ContentType.objects.get_for_model(Debate)
    for title, body in DEBATES:
        debate = Debate.objects.create(
            organisation=organisation, component=component, is_official=True, title=title, body=body
        )
        if citizens:
            for k, (alignment, text) in enumerate(ARGUMENTS):
                Comment.objects.create(
                    organisation=organisation,
                    content_type=debate_type,
                    object_id=str(debate.pk),
                    author=citizens[(k * 3) % len(citizens)],
                    body=text,
                    alignment=alignment,
                )
            Debate.objects.filter(pk=debate.pk).update(comments_count=len(ARGUMENTS))
