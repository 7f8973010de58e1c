"""Language detection: the cheap "plainly English" test never changes langdetect's answer."""

from __future__ import annotations

import itertools
import re

import pytest

from vectorstore.parsing.language import detect_language, langdetect_language, plainly_english

ENGLISH = [
    "The Justice Department is focused on the deals Google makes with Apple but also with "
    "Samsung and Mozilla and many others to ensure it is the default search engine on "
    "practically every platform. Certainly there wasn't a valid alternative at the time, Cue "
    "said. We make Google be the default search engine because we have always thought it was "
    "the best.",
    "Dock workers in Portville returned to work on Monday after a two-week strike. The union "
    "said the new contract raises wages by 7 percent, and the port authority expects the "
    "backlog of ships to clear by the end of the month. Shipping firms had warned that the "
    "strike was costing them millions.",
    "Officials said the storm had knocked out power to more than 200,000 homes across the "
    "region. Crews were working through the night, but it could take several days before "
    "electricity is restored to the hardest-hit areas, the utility said in a statement.",
]

OTHER = {
    "fr": "Le gouvernement a annoncé mardi une nouvelle série de mesures pour soutenir les "
    "agriculteurs touchés par la sécheresse. Selon le ministre, les aides seront versées avant "
    "la fin du mois. Les syndicats estiment pourtant que ces mesures ne suffisent pas et "
    "appellent à manifester devant la préfecture samedi prochain.",
    "de": "Die Bundesregierung hat am Dienstag ein neues Maßnahmenpaket zur Unterstützung der "
    "Landwirte vorgestellt, die unter der Dürre leiden. Nach Angaben des Ministers sollen die "
    "Hilfen noch vor Ende des Monats ausgezahlt werden. Die Gewerkschaften halten die "
    "Maßnahmen jedoch für unzureichend und rufen für Samstag zu einer Kundgebung auf.",
    "es": "El gobierno anunció el martes una nueva serie de medidas para apoyar a los "
    "agricultores afectados por la sequía. Según el ministro, las ayudas se pagarán antes de "
    "que termine el mes. Sin embargo, los sindicatos consideran que estas medidas no son "
    "suficientes y convocan una manifestación frente a la prefectura el próximo sábado.",
    "it": "Il governo ha annunciato martedì una nuova serie di misure per sostenere gli "
    "agricoltori colpiti dalla siccità. Secondo il ministro, gli aiuti saranno versati prima "
    "della fine del mese. I sindacati ritengono però che queste misure non siano sufficienti e "
    "invitano a manifestare davanti alla prefettura sabato prossimo.",
    "nl": "De regering heeft dinsdag een nieuw pakket maatregelen aangekondigd om boeren te "
    "steunen die door de droogte zijn getroffen. Volgens de minister wordt de steun nog voor "
    "het einde van de maand uitbetaald. De vakbonden vinden de maatregelen echter onvoldoende "
    "en roepen op tot een demonstratie op zaterdag.",
    "pt": "O governo anunciou na terça-feira uma nova série de medidas para apoiar os "
    "agricultores afetados pela seca. Segundo o ministro, os apoios serão pagos antes do fim "
    "do mês. Os sindicatos consideram, no entanto, que estas medidas não são suficientes e "
    "convocam uma manifestação em frente à prefeitura no próximo sábado.",
    "sv": "Regeringen presenterade på tisdagen ett nytt paket med åtgärder för att stödja "
    "bönder som drabbats av torkan. Enligt ministern ska stödet betalas ut före månadens slut. "
    "Fackförbunden anser dock att åtgärderna inte räcker och uppmanar till en demonstration "
    "på lördag.",
    "id": "Pemerintah pada hari Selasa mengumumkan serangkaian langkah baru untuk membantu para "
    "petani yang terdampak kekeringan. Menurut menteri, bantuan akan disalurkan sebelum akhir "
    "bulan. Namun serikat pekerja menilai langkah tersebut belum cukup dan menyerukan unjuk "
    "rasa pada hari Sabtu.",
    "ru": "Правительство во вторник объявило о новом пакете мер поддержки фермеров, "
    "пострадавших от засухи. По словам министра, помощь будет выплачена до конца месяца. "
    "Однако профсоюзы считают эти меры недостаточными и призывают к демонстрации в субботу.",
}


def _sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.!?])\s+", text)


def test_english_prose_skips_langdetect_with_its_answer() -> None:
    for text in ENGLISH:
        assert plainly_english(text)
        assert detect_language(text) == langdetect_language(text) == "en"


@pytest.mark.parametrize("lang", sorted(OTHER))
def test_other_languages_are_left_to_langdetect(lang: str) -> None:
    text = OTHER[lang]
    assert not plainly_english(text)
    assert detect_language(text) == langdetect_language(text) == lang


def test_short_or_accented_text_is_left_to_langdetect() -> None:
    assert not plainly_english("The union said the contract is fine.")  # too few words
    accented = "Café résumé naïve façade élite " * 4 + ENGLISH[0]
    assert not plainly_english(accented[:300])


def test_mixed_text_never_gets_a_different_answer() -> None:
    """English interleaved with another language at every ratio: the cheap test either stays
    silent or agrees with langdetect (which the answer was before it existed)."""
    english = [s for text in ENGLISH for s in _sentences(text)]
    agreed = 0
    for (lang, text), (n_en, n_other) in itertools.product(
        OTHER.items(), [(1, 2), (1, 1), (2, 1), (4, 1), (8, 1)]
    ):
        other = _sentences(text)
        mixed: list[str] = []
        for turn in range(0, len(english), n_en):
            mixed += english[turn : turn + n_en]
            mixed += [other[(turn + k) % len(other)] for k in range(n_other)]
        sample = " ".join(mixed)
        assert detect_language(sample) == langdetect_language(sample[:2000]), (lang, n_en)
        agreed += plainly_english(sample[:2000])
    assert agreed, "the cheap test should recognise mostly-English mixtures"
