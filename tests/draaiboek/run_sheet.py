"""The kick-off run sheet, as the tests compare the builtin template with it.

The real run sheet is ``../shared/seed/draaiboek-lerend-netwerk-kickoff.txt``, outside the repository
(``KRING_SEED_DIR`` points elsewhere). Its two tables are hand-copied below, so the comparison runs
anywhere; where the seed file is there, ``parse_program`` and ``parse_rows`` read the same tables from
it and a test checks that this copy still equals the run sheet.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAME = "draaiboek-lerend-netwerk-kickoff.txt"


def _git(repo: Path, *args: str) -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=10)
        return done.stdout.strip() if done.returncode == 0 else ""
    return ""


def _beside(repo: Path) -> list[Path]:
    """``shared/seed`` beside a checkout, and beside the repository whose worktree it is."""
    places = [repo.parent / "shared" / "seed" / NAME]
    common = _git(repo, "rev-parse", "--path-format=absolute", "--git-common-dir")
    if common:
        places.append(Path(common).parent.parent / "shared" / "seed" / NAME)
    return places


def _seed() -> Path:
    """KRING_SEED_DIR; else ``shared/seed`` beside this checkout (or the repository it is a worktree
    of), or beside the repository it was cloned from when that is a directory on this machine: a
    fresh clone in /tmp of the project finds the seed too. The run sheet is the organisers'
    document, not ours to publish: it is never copied into the repository."""
    if os.environ.get("KRING_SEED_DIR"):
        return Path(os.environ["KRING_SEED_DIR"]) / NAME
    candidates = _beside(ROOT)
    origin = _git(ROOT, "config", "--get", "remote.origin.url")
    if origin and Path(origin).is_dir():
        candidates += _beside(Path(origin).resolve())
    return next((path for path in candidates if path.exists()), candidates[0])


SEED = _seed()


@dataclass(frozen=True, slots=True)
class Row:
    """A row of the detailed table: Duur, Agendapunt, Doel, Wie, Materialen (Tijd is empty)."""

    minutes: int
    title: str
    goal: str
    who: str = ""
    materials: str = ""


# "Globale opzet bijeenkomst": Tijdsblok and Onderdeel (the Facilitator column is empty).
PROGRAM: tuple[tuple[int, str], ...] = (
    (30, "Opening / start / belang lerend netwerk / context lerend netwerk / verwachtingen afstemmen"),
    (30, "Kennismaking & verbinding"),
    (10, "Pauze"),
    (45, "Kennissnack/ inspiratieblok over het thema"),
    (10, "Pauze"),
    (20, "Actieleren – theorie & ervaren: Kennismaking actieleren, theorie leervoorkeuren"),
    (20, "Actieleren – toepassing: Exploreervraag"),
    (5, "Contracteringsafspraken"),
    (15, "Afronding & check-out"),
)

# The detailed table, in order. Wie is empty in every row, and so are most Materialen.
ROWS: tuple[Row, ...] = (
    Row(45, "Opbouw", "Alles is gereed voor start bijeenkomst"),
    Row(15, "Inloop", "Welkom voelen", materials="Koffie & thee Naamstickers/badges"),
    Row(
        30,
        "Opening",
        "Opening / start / belang lerend netwerk / verwachtingen afstemmen",
        materials="Flappen, powerpoint, eventueel kaartje met interviewvragen",
    ),
    Row(30, "Kennismaken", "Kennismaken onderling, met thema, verwachtingen lerend netwerk"),
    Row(10, "Pauze", ""),
    Row(45, "Kennissnack/ inspiratieblok", "Kennis & inspiratie over thema"),
    Row(10, "Pauze", ""),
    Row(20, "Actieleren – theorie & ervaren", "Kennismaking actieleren, theorie leervoorkeuren"),
    Row(
        20,
        "Actieleren – toepassing",
        "Zicht krijgen op eigen exploreervraag en leervragen deelnemers lerend netwerk",
    ),
    Row(
        5,
        "Contracteringsafspraken",
        "Zicht krijgen op verschillende waarden t.a.v. van en met elkaar leren in een lerend netwerk.",
    ),
    Row(10, "Afronding", ""),
    Row(5, "Check Out", ""),
)

# A few lines of each row's Programmaonderdeel (toelichting en werkvorm), as the run sheet has them.
WERKVORM: dict[str, tuple[str, ...]] = {
    "Opbouw": (
        "opstelling zaal (halve cirkel)",
        "spelregels Actieleren",
        "Muziek aan, Presentatie op scherm",
    ),
    "Inloop": ("praatje maken, wegwijs maken", "Naamstickers/badges uitdelen"),
    "Opening": (
        "Welkom door één van de facilitators",
        "Interview met ambassadeur uit het netwerk/regio",
        "Wat verwacht je van het lerend netwerk?",
        "We maken met elkaar de reis! Deelgever!",
        "Op tijd starten en stoppen, hoog tempo",
    ),
    "Kennismaken": (
        "CONNECTION BEFORE CONTENT!",
        "Korte voorstelronde: naam, functie, organisatie",
        "De kracht zit in de mix van de verschillen!",
        "via Genius Scan app",
    ),
    "Kennissnack/ inspiratieblok": (
        "Variant 1: zorg voor een spreker die een lonkend perspectief schetst",
        "Maximaal 45 minuten",
        "Variant 2: Per organisatie wordt een pitch gegeven van 2 minuten",
    ),
    "Actieleren – theorie & ervaren": (
        "Actieleren – bij de actieleercirkel",
        "Welke fase voel jij je het prettigste?",
        "Fase 0: Klaar voor actieleren!",
        "Kies er drie en maak ze persoonlijk",
        "Met tape de score van -5 | 0 | 5 | 10 | 15 | 20 | 25 aangeven",
    ),
    "Actieleren – toepassing": (
        "Waar denk jij aan bij [THEMA]?",
        "Hier lig ik wakker van",
        "Formuleer jouw exploreervraag die in jouw invloedssfeer ligt",
    ),
    "Contracteringsafspraken": (
        "Flap van uitgangspunten erbij pakken",
        "Plezier – positiviteit – verandering",
        "Welke waarden zou je nog willen toevoegen?",
        "Zijn deze waarden OK voor jou? JA = AFSPRAAK!",
    ),
    "Afronding": (
        "Doorkijk volgende bijeenkomst",
        "Praktische afspraken",
        "Inzicht zonder actie is zinloos!",
        "Pak een quote van de muur die jij de komende 6 maanden bij je wilt dragen!",
    ),
    "Check Out": ("Werkvorm: Instappen in kring", "De facilitator stapt altijd mee"),
}

# Typing slips in the run sheet that the template writes correctly: (row, as written, in the template).
CORRECTED: tuple[tuple[str, str, str], ...] = (
    ("Opening", "uitganspunten", "uitgangspunten"),
    ("Actieleren – theorie & ervaren", "achterhaalt", "achterhaald"),
    ("Contracteringsafspraken", "ligt", "licht"),
    ("Afronding", "qoutes", "quotes"),
)


def words(text: str) -> str:
    """Text compared the forgiving way: lower case, words only (no punctuation, line breaks or
    placeholder braces), so "Check Out" equals "Check-out" and [thema] equals {{thema}}."""
    return " ".join(re.findall(r"\w+|&", text.casefold().replace("{{thema}}", "thema")))


def parse_program(text: str) -> list[tuple[int, str]]:
    """The "Globale opzet bijeenkomst" of the seed text: [minutes, onderdeel]."""
    part = text[text.index("Globale opzet bijeenkomst") : text.index("Overweging:")]
    found = re.findall(r"\t\[(\d+) min\]\s*\n\t(.+?)\n\t", part, flags=re.DOTALL)
    return [(int(minutes), " ".join(label.split())) for minutes, label in found]


def parse_rows(text: str) -> list[tuple[Row, str]]:
    """The detailed table of the seed text: each row and its Programmaonderdeel text.

    A row starts at a tab-indented "NN min" line; each following tab-indented line starts the next
    cell (Agendapunt, Doel, Programmaonderdeel, Wie, Materialen), other lines continue a cell."""
    part = text[text.index("\tMaterialen\n") : text.index("SCHRIJF HET LEKKER")]
    rows: list[tuple[int, list[str]]] = []
    for line in part.split("\n")[1:]:
        duration = re.match(r"^\t(\d+) min\s*$", line)
        if duration:
            rows.append((int(duration.group(1)), []))
        elif rows and line.startswith("\t"):
            rows[-1][1].append(line[1:])
        elif rows and rows[-1][1]:
            rows[-1][1][-1] += "\n" + line
    out: list[tuple[Row, str]] = []
    for minutes, cells in rows:
        title, goal, _, who, materials = ([" ".join(c.split()) for c in cells] + [""] * 5)[:5]
        out.append((Row(minutes, title, goal, who, materials), cells[2] if len(cells) > 2 else ""))
    return out
