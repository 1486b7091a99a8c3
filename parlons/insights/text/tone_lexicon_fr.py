"""The French tone lexicon of ``parlons.insights.text.tone``, written by the Parlons project (AGPL-3.0-or-later).

Why our own: the one French lexicon on PyPI (vaderSentiment-fr) pulls in fuzzywuzzy, licensed GPL-2.0-only,
which cannot be combined with the project's AGPL-3.0. English uses VADER's lexicon (MIT) from the
``vaderSentiment`` package.

Scale: VADER's, -4 (extremely negative) to +4 (extremely positive); most words sit between -2.5 and +2.5.
Coverage: the vocabulary of citizen contributions (approval and disagreement, everyday complaints about the
public space, safety, fairness, trust in institutions) rather than product reviews. Keys are lower-case with
accents. A key ending in ``*`` matches every word starting with it (``scandal*``: scandale, scandaleux,
scandaleuse...), longest prefix first; other keys also match their plural and feminine forms (``-s``, ``-x``,
``-e``, ``-es``). Keys with spaces are phrases, matched before single words (``bonne idée``, ``pas normal``).
Words that only carry stance in context (``pour``, ``contre``) are weighted lightly.
"""

from __future__ import annotations

_ENTRIES = """
# agreement and approval
oui 1.6 | d'accord 1.6 | tout à fait 1.6 | bien sûr 1.6 | évidemment 0.8 | absolument d'accord 2.2
approuv* 1.8 | favorable 1.6 | soutien* 1.4 | bravo 2.4 | merci 1.5 | félicit* 2.2 | excellent* 2.8
bonne idée 2.2 | très bonne idée 2.6 | bonne initiative 2.0 | bonne chose 1.8 | bon sens 1.2 | excellente idée 2.8
pertinent* 1.6 | judicieu* 1.8 | intéressant* 1.5 | utile 1.4 | nécessaire 0.6 | indispensable 0.8
efficac* 1.4 | raisonnable 1.2 | juste 1.0 | équitable 1.6 | logique 0.8 | cohérent* 1.2 | réaliste 1.0
bien 0.6 | bon 1.0 | bonne 1.0 | meilleur* 1.4 | mieux 0.9 | super 2.0 | génial* 2.4 | parfait* 2.6
formidable 2.6 | magnifique 2.8 | beau 1.6 | belle 1.6 | agréable 1.8 | plaisir 1.8 | content* 1.8
heureu* 2.2 | satisf* 1.8 | ravi 2.2 | ravie 2.2 | enthousias* 2.2 | confiance 1.4 | espoir 1.6 | espér* 0.8
positi* 1.4 | progrès 1.4 | amélior* 1.2 | réussi* 1.8 | succès 2.0 | avantage* 1.2 | bénéfi* 1.4
sûr 0.8 | sécurisé* 1.2 | propre 1.0 | calme 1.2 | tranquill* 1.2 | convivial* 1.8 | sympa* 1.8
solidari* 1.4 | respect* 1.2 | honnête* 1.6 | transparen* 1.0 | équilibr* 0.8 | écout* 0.6 | participati* 0.5
gratuit* 0.6 | accessibl* 0.8 | pratique 0.8 | simple 0.6 | rapide* 0.6 | agréablement 1.8 | volontiers 1.4
aim* 1.6 | ador* 2.4 | apprécie 1.8 | apprécié* 1.8 | réjou* 2.0 | remerci* 1.6 | valoris* 1.0 | encourag* 1.2
protég* 0.8 | sauv* 0.8 | vert 0.4 | verte 0.4 | fier 1.8 | fière 1.8 | qualité 0.8 | digne 1.0 | dignité 1.0
# disagreement and rejection
non 1.4- | pas d'accord 2.0- | désaccord 1.8- | oppos* 1.4- | contre 0.8- | refus* 1.6- | rejet* 1.4-
défavorable 1.6- | inacceptable 2.6- | inadmissible 2.6- | intolérable 2.6- | insupportable 2.6-
scandal* 2.6- | honte* 2.4- | honteu* 2.6- | aberran* 2.2- | absurd* 2.0- | ridicul* 2.0- | stupid* 2.2-
idiot* 2.2- | débile* 2.4- | n'importe quoi 2.0- | pas normal 1.8- | anormal* 1.4- | inadmissibl* 2.6-
inutile* 1.8- | inefficace* 1.8- | incohéren* 1.6- | injust* 2.0- | inégal* 1.6- | iniqu* 2.0-
mauvais* 1.8- | mal 1.2- | pire 2.2- | nul 1.8- | nulle 1.8- | lamentabl* 2.4- | déplorabl* 2.2-
catastroph* 2.4- | désastr* 2.6- | horribl* 2.6- | affreu* 2.4- | terribl* 2.0- | grave* 1.4- | dramatiqu* 2.0-
inquiét* 1.6- | inquiètant 1.6- | inquiète 1.6- | peur 1.8- | angoiss* 2.0- | craint* 1.4- | crain* 1.2-
colère 2.2- | énerv* 1.8- | agac* 1.6- | furieu* 2.4- | marre 2.2- | ras-le-bol 2.4- | ras le bol 2.4-
déçu* 2.0- | décevant* 2.0- | déception 2.0- | mécontent* 2.0- | insatisf* 1.8- | frustr* 1.8- | triste* 1.8-
dégoût* 2.4- | dégueulass* 2.6- | sale 1.6- | sales 1.6- | saleté* 1.8- | crasse* 1.8- | ordure* 1.2- | puant* 2.0-
dangereu* 2.0- | danger* 1.6- | risque* 1.0- | insécurité 2.0- | accident* 1.4- | mort 2.0- | morts 2.0- | tué* 2.4-
violen* 2.2- | agress* 2.2- | vol 1.2- | vols 1.2- | volé* 1.6- | vandalis* 2.0- | dégrad* 1.6- | délinquan* 1.8-
bruit* 1.0- | bruyant* 1.6- | nuisance* 1.6- | pollu* 1.6- | embouteill* 1.4- | bouchon* 1.0- | retard* 1.2-
panne* 1.2- | cassé* 1.4- | abîmé* 1.4- | défectueu* 1.6- | délabr* 1.8- | vétuste* 1.4- | trou* 0.6- | nid de poule 1.2-
problème* 1.2- | difficult* 1.0- | compliqu* 1.0- | impossible 1.4- | manque* 1.0- | insuffisan* 1.4- | absence 0.8-
abus* 1.8- | arnaque* 2.4- | corrompu* 2.6- | corruption 2.6- | mensong* 2.2- | menteu* 2.4- | trahi* 2.2-
gaspill* 1.8- | gâchis 2.0- | ruin* 1.8- | chômage 1.2- | pauvreté 1.4- | précarité 1.4- | misère 2.0-
abandon* 1.2- | oubli* 0.8- | méprisé* 2.0- | mépris 2.2- | méprisant* 2.2- | arrogan* 2.0- | injure* 2.2-
échec* 1.8- | raté* 1.6- | perte* 1.0- | pénible* 1.8- | gênant* 1.4- | gêne 1.0- | dérange* 1.2- | souffr* 1.8-
hélas 1.4- | malheureusement 1.2- | dommage 1.2- | regrett* 1.2- | attention 0.3- | stop 1.2- | assez 0.2-
""".strip()


def _parse(source: str) -> dict[str, float]:
    lexicon: dict[str, float] = {}
    for line in source.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        for item in line.split("|"):
            term, _sep, value = item.strip().rpartition(" ")
            weight = -float(value[:-1]) if value.endswith("-") else float(value)
            lexicon[term.strip()] = weight
    return lexicon


#: term or ``prefix*`` or phrase -> valence on VADER's -4..+4 scale.
LEXICON_FR: dict[str, float] = _parse(_ENTRIES)

#: Words that strengthen (positive factor) or soften (negative factor) the next sentiment word.
BOOSTERS_FR: dict[str, float] = {
    "très": 0.3,
    "trop": 0.3,
    "vraiment": 0.3,
    "tellement": 0.3,
    "extrêmement": 0.4,
    "totalement": 0.3,
    "complètement": 0.3,
    "absolument": 0.3,
    "particulièrement": 0.3,
    "tout à fait": 0.3,
    "énormément": 0.4,
    "franchement": 0.2,
    "si": 0.15,
    "super": 0.3,
    "plus": 0.1,
    "vachement": 0.3,
    "un peu": -0.3,
    "peu": -0.3,
    "assez": -0.1,
    "plutôt": -0.2,
    "légèrement": -0.3,
    "presque": -0.2,
}

#: Negation words: a sentiment word up to three words after one of them has its valence reversed and damped.
#: ``ne``/``n'`` alone is not one (``ne ... que`` restricts); ``plus`` negates only after ``ne``/``n'``
#: (``ne marche plus``), since alone it compares (``plus sûr``).
NEGATIONS_FR: frozenset[str] = frozenset(
    {"pas", "jamais", "rien", "aucun", "aucune", "sans", "ni", "guère", "nullement"}
)

#: Contrast words: what follows weighs more than what precedes ("c'est bien, mais trop cher").
CONTRASTS_FR: frozenset[str] = frozenset({"mais", "cependant", "pourtant", "toutefois", "néanmoins"})
