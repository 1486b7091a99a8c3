"""Which language a contribution is written in, from its function words. Pure: no Django import.

Function words (articles, pronouns, prepositions) make up a third of any running text and differ between
languages, so counting them tells French, English, German, Spanish, Italian and Dutch apart on a sentence
or two without any model. A text with too few of them (a name, one word, a number) is ``"und"``
(undetermined, as in BCP 47), and the caller falls back on the organisation's language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS: dict[str, frozenset[str]] = {
    "fr": _words(
        """a afin ai aie aient ainsi ait alors as au aucun aucune aupres auquel aussi autre autres aux auxquelles
        auxquels avaient avais avait avant avec avez aviez avions avoir avons ayant c ca car ce ceci cela celle
        celles celui cependant ces cet cette ceux chaque chez ci comme comment d dans de depuis des desquelles
        desquels dessus deux doit doivent donc dont du duquel elle elles en encore entre es est et etaient etais
        etait etant ete etre eu eux faire fait faut font il ils j je jusqu l la laquelle le lequel les lesquelles
        lesquels leur leurs lors lui m ma mais me meme memes mes moi moins mon n ne ni non nos notre nous on ont
        or ou par parce pas peu peut peuvent plus plutot pour pourquoi pourrait qu quand que quel quelle quelles
        quels qui quoi s sa sans se sera serait ses si sien sinon soit sommes son sont sous suis sur t ta te tes
        toi ton tous tout toute toutes tres trop tu un une unes uns vers voila vos votre vous y etc cest sil
        aussi avoir bien fait faites mettre mis peut-etre ainsi afin cela selon tant toujours deja devrait devraient voir veut faudrait pourrait"""
    ),
    "en": _words(
        """a about above after again against all am an and any are as at be because been before being below
        between both but by can could did do does doing down during each few for from further had has have having
        he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
        nor not now of off on once only or other our ours ourselves out over own same she should so some such than
        that the their theirs them themselves then there these they this those through to too under until up very
        was we were what when where which while who whom why will with would you your yours yourself yourselves
        also may might must shall us"""
    ),
    "de": _words(
        """aber alle allem allen aller alles als also am an ander andere anderen anderer anderes auch auf aus bei
        bin bis bist da dadurch daher damit dann das dass dein deine dem den denn der des dessen deshalb die dies
        diese diesem diesen dieser dieses doch dort du durch ein eine einem einen einer eines er es etwa euer eure
        fur gegen gibt hat hatte hatten hier hin hinter ich ihr ihre im in ist ja jede jedem jeden jeder jedes
        jetzt kann kein keine konnen man mehr mein meine mit muss musste nach nicht nichts noch nun nur ob oder
        ohne sehr sein seine sich sie sind so soll sollte sondern sowie uber um und uns unser unter viel vom von
        vor wann war waren warum was weil weiter welche wenn wer werden wie wieder wir wird wo wurde wurden zu zum
        zur zwar zwischen habe haben hast hatte hattest wurde worden bitte gut schon immer ganz einfach sowie
        seit dort sehr beim ware waere viele vielen kommt gehen geht machen wurden mussen sollten konnte"""
    ),
    "es": _words(
        """el la los las un una unos unas y o pero de del al en con por para sin sobre que es son esta estan ser
        fue como mas muy tambien se su sus lo le les nos nuestro nuestra porque cuando donde hay este esto"""
    ),
    "it": _words(
        """il lo la i gli le un una uno e ed o ma di del della dei degli delle da dal dalla in nel nella con per
        su sul sulla che non sono era come piu anche molto questo questa quello quella ci si gli perche quando
        dove essere"""
    ),
    "nl": _words(
        """de het een en of maar van in op te met voor door naar bij uit aan over dat die dit deze niet is zijn
        was waren wordt worden heeft hebben ook als dan er nog wel geen meer moet kan zij wij ik jij hij"""
    ),
}
SUPPORTED = ("fr", "en", "de")
UNDETERMINED = "und"
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
MIN_HITS = 2
DETECTION_WORDS = 120
_LANGUAGES_OF: dict[str, tuple[str, ...]] = {}
for _lang, _members in STOPWORDS.items():
    for _word in _members:
        _LANGUAGES_OF[_word] = (*_LANGUAGES_OF.get(_word, ()), _lang)


class _FoldTable(dict[int, str]):
    """``str.translate`` table filled on first sight of each character: its lower case without accents."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code).lower())
        folded = "".join(c for c in decomposed if not unicodedata.combining(c)) or chr(code).lower()
        self[code] = folded
        return folded


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Lower case without accents: ``"Élève"`` → ``"eleve"`` (the stopword lists are folded the same way)."""
    return text.lower() if text.isascii() else text.translate(_FOLD)


def detect_language(text: str, default: str = UNDETERMINED) -> str:
    """The language code of ``text`` (``fr``, ``en``, ``de``, ``es``, ``it``, ``nl``) or ``default``.

    Ties and texts with fewer than two function words give ``default``: guessing on one word is noise.
    """
    return detect_language_of_words(_WORD.findall(text[:2000].lower()), default)


_FOLDED: dict[str, str] = {}


def detect_language_of_words(words: Sequence[str], default: str = UNDETERMINED) -> str:
    """``detect_language`` on lower-case words already split (the first ``DETECTION_WORDS`` are enough)."""
    scores = dict.fromkeys(STOPWORDS, 0)
    for word in words[:DETECTION_WORDS]:
        folded = _FOLDED.get(word)
        if folded is None:
            if len(_FOLDED) > 500_000:  # a bound on memory for a long-lived worker
                _FOLDED.clear()
            folded = _FOLDED[word] = fold(word)
        for lang in _LANGUAGES_OF.get(folded, ()):
            scores[lang] += 1
    best = max(scores, key=lambda lang: scores[lang])
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] < MIN_HITS or ranked[0] == ranked[1]:
        return default
    return best
