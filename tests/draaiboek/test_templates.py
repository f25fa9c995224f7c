"""Draaiboek templates: the builtin kick-off follows the run sheet, and bad files name their line."""

from __future__ import annotations

import json
import re
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from server.draaiboek import (
    ActivitySpec,
    BlockSpec,
    Placeholder,
    Template,
    TemplateError,
    builtin_names,
    fill,
    json_schema,
    load_builtin,
    load_file,
    parse,
    to_yaml,
)
from server.kinds import KINDS, settings_for
from tests.draaiboek import run_sheet
from tests.draaiboek.run_sheet import words

BUILTIN = Path(__file__).resolve().parents[2] / "server" / "draaiboek" / "builtin"

# The template's blocks for the run sheet's detailed table (its Opbouw is preparation, not a block),
# and for its "Globale opzet" (where "Afronding & check-out" is the two blocks Afronding and
# Check-out, and the Inloop comes before the program starts).
BLOCK_TITLES = (
    "Inloop",
    "Opening",
    "Kennismaken",
    "Pauze",
    "Kennissnack / inspiratieblok",
    "Pauze",
    "Actieleren – theorie & ervaren",
    "Actieleren – toepassing",
    "Contracteringsafspraken",
    "Afronding",
    "Check-out",
)
PROGRAM_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("Opening",),
    ("Kennismaken",),
    ("Pauze",),
    ("Kennissnack / inspiratieblok",),
    ("Pauze",),
    ("Actieleren – theorie & ervaren",),
    ("Actieleren – toepassing",),
    ("Contracteringsafspraken",),
    ("Afronding", "Check-out"),
)
STATEMENTS = [
    "Ik heb nieuwe ideeën en krijg/neem de ruimte om die uit te voeren!",
    "Ik geef aandacht aan mislukte projecten!",
    "Ik wil meer uit mijn netwerk halen!",
    "Ik neem de tijd om te reflecteren op ervaringen.",
    "Ik waardeer mensen die scherpe/goede vragen aan mij stellen.",
]


def all_strings(value: Any) -> list[str]:
    """Every string inside a template (dataclasses, tuples, dicts), recursively."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, ActivitySpec | BlockSpec | Placeholder | Template):
        return [s for f in fields(value) for s in all_strings(getattr(value, f.name))]
    if isinstance(value, dict):
        return [s for item in value.values() for s in all_strings(item)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in all_strings(item)]
    return []


@pytest.fixture(scope="module")
def kickoff() -> Template:
    return fill(load_builtin("kickoff"), {"thema": "Inclusie"})


def block(template: Template, title: str) -> BlockSpec:
    return next(b for b in template.blocks if b.title == title)


def block_text(spec: BlockSpec) -> str:
    """A block's werkvorm as the facilitator gets it: the description and its activities' texts."""
    return "\n".join([spec.description, *(s for a in spec.activities for s in all_strings(a))])


# -- the kick-off template ----------------------------------------------------------------------


def test_kickoff_header_and_placeholder() -> None:
    raw = load_builtin("kickoff")
    assert raw.name == "kickoff"
    assert raw.language == "nl"
    assert raw.title == "Lerend netwerk {{thema}} — bijeenkomst 1 (kick-off)"
    assert raw.theme == "{{thema}}"
    assert raw.placeholders == (Placeholder("thema", "Thema van het lerend netwerk", None),)
    assert "Doelen:" in raw.description and "Wanneer is de bijeenkomst geslaagd?!" in raw.description
    # What comes before and after the program stays with the meeting, for the facilitator.
    for part in (
        "Voorbereidende acties door facilitators:",
        "Huiswerk voor de bijeenkomst",
        "Benodigdheden verzamelen:",
        "Opbouw (45 min) — Alles is gereed voor start bijeenkomst:",
        "Overweging: eerst starten met kennismaking en daarna belang en context lerend netwerk.",
        "Afrondende acties",
        "Bericht voor LinkedIn, nieuwsbrief/website",
        "Voorbereiding bijeenkomst 2",
    ):
        assert part in raw.preparation, part
    assert all(b.title not in ("Opbouw", "Benodigdheden verzamelen") for b in raw.blocks)


def test_kickoff_follows_the_run_sheet_rows() -> None:
    """Duur, Agendapunt, Doel, Wie and Materialen as the run sheet has them; empty stays empty.
    ([THEMA] in the run sheet is the placeholder {{thema}} in the template.)"""
    kickoff = load_builtin("kickoff")
    rows = [row for row in run_sheet.ROWS if row.title != "Opbouw"]
    assert tuple(b.title for b in kickoff.blocks) == BLOCK_TITLES
    for row, got in zip(rows, kickoff.blocks, strict=True):
        assert words(got.title) == words(row.title), row.title
        assert got.duration_minutes == row.minutes, row.title
        assert words(got.goal) == words(row.goal), row.title
        assert got.who == row.who == "", row.title
        assert words(got.materials) == words(row.materials), row.title
        for line in run_sheet.WERKVORM.get(row.title, ()):
            assert words(line) in words(block_text(got)), (row.title, line)
    opbouw = next(row for row in run_sheet.ROWS if row.title == "Opbouw")
    assert f"Opbouw ({opbouw.minutes} min) — {opbouw.goal}" in kickoff.preparation
    for line in run_sheet.WERKVORM["Opbouw"]:
        assert words(line) in words(kickoff.preparation), line


def test_kickoff_marks_only_the_breaks_optional(kickoff: Template) -> None:
    optional = [(b.title, b.is_break) for b in kickoff.blocks if not b.essential]
    assert optional == [("Pauze", True), ("Pauze", True)]
    assert [b.title for b in kickoff.blocks if b.is_break] == ["Pauze", "Pauze"]
    # The parts the run sheet itself calls "Optioneel" stay inside their blocks' werkvorm.
    assert "Optioneel: Interview met ambassadeur" in block(kickoff, "Opening").description
    assert "Optioneel:\nInzichten en acties verzamelen!" in block(kickoff, "Afronding").description


def test_kickoff_matches_the_run_sheet_program(kickoff: Template) -> None:
    program = [b for b in kickoff.blocks if b.title != "Inloop"]
    rows = iter(program)
    for (minutes, label), titles in zip(run_sheet.PROGRAM, PROGRAM_BLOCKS, strict=True):
        blocks = [next(rows) for _ in titles]
        assert tuple(b.title for b in blocks) == titles, label
        assert sum(b.duration_minutes for b in blocks) == minutes, label
    assert next(rows, None) is None
    assert sum(m for m, _ in run_sheet.PROGRAM) == 185
    assert sum(b.duration_minutes for b in kickoff.blocks) == 185 + 15  # plus the inloop


@pytest.mark.skipif(not run_sheet.SEED.exists(), reason=f"the run sheet is not at {run_sheet.SEED}")
def test_the_copied_run_sheet_is_the_seed_and_the_template_keeps_all_its_words() -> None:
    text = run_sheet.SEED.read_text(encoding="utf-8")
    assert run_sheet.parse_program(text) == [(m, " ".join(label.split())) for m, label in run_sheet.PROGRAM]
    parsed = run_sheet.parse_rows(text)
    assert [row for row, _ in parsed] == list(run_sheet.ROWS)
    for row, werkvorm in parsed:
        for line in run_sheet.WERKVORM.get(row.title, ()):
            assert words(line) in words(werkvorm), (row.title, line)
    # Every word of each row's werkvorm is in the template (the description, and the prompts and
    # options of its activities), apart from the run sheet's typing slips the template corrects.
    template = load_builtin("kickoff")
    blocks = iter(template.blocks)
    for row, werkvorm in parsed:
        target = template.preparation if row.title == "Opbouw" else block_text(next(blocks))
        for where, wrong, right in run_sheet.CORRECTED:
            if where == row.title:
                werkvorm = re.sub(rf"\b{wrong}\b", right, werkvorm, flags=re.IGNORECASE)
        missing = set(words(werkvorm).split()) - set(words(target).split())
        assert not missing, (row.title, sorted(missing))


def test_kickoff_fills_thema_everywhere(kickoff: Template) -> None:
    assert kickoff.title == "Lerend netwerk Inclusie — bijeenkomst 1 (kick-off)"
    assert kickoff.theme == "Inclusie"
    assert kickoff.placeholders == ()
    strings = all_strings(kickoff)
    assert not [s for s in strings if "{{" in s or "}}" in s]
    assert "{{" not in to_yaml(kickoff)
    assert "Inclusie" in kickoff.preparation
    assert "Inclusie" in block(kickoff, "Opening").description


def test_kickoff_activities(kickoff: Template) -> None:
    acts = {b.title: b.activities for b in kickoff.blocks}
    assert acts["Inloop"] == acts["Pauze"] == acts["Kennissnack / inspiratieblok"] == ()
    for activities in acts.values():
        for activity in activities:
            assert activity.kind in KINDS
            settings_for(activity.kind, activity.settings)  # type: ignore[arg-type]

    (opening,) = acts["Opening"]
    assert (opening.kind, opening.prompt) == ("open", "Wat verwacht je van het lerend netwerk?")
    assert opening.show_results_presenter

    breakfast, sport = acts["Kennismaken"]
    assert (breakfast.kind, sport.kind) == ("groups", "groups")
    assert breakfast.prompt == "Groepjes: wat is je favoriete ontbijt?"
    assert breakfast.settings["options"] == ["havermout", "yoghurt", "brood", "alleen koffie"]
    assert breakfast.settings["questions"] == [
        "Waar loop je tegen aan mbt het thema Inclusie? (waar wringt de schoen)",
        "Deel in je groepje wat je van het netwerk verwacht en hoopt.",
    ]
    assert sport.prompt == "Groepjes: wat is je favoriete sport?"
    assert sport.settings["options"] == ["zumba", "hardlopen", "fitness", "boksen"]
    assert sport.settings["questions"] == [
        "Deel wat je aan kennis en ervaring meeneemt in je koffer?",
        "Zoek in je groep naar de overeenkomsten en verschillen",
    ]

    ready, phase, colours = acts["Actieleren – theorie & ervaren"]
    assert ready.kind == "scales"
    assert ready.settings["statements"] == STATEMENTS
    assert (ready.settings["mode"], ready.settings["min"], ready.settings["max"]) == ("stars", 1, 5)
    assert ready.settings["pick"] == 3
    assert ready.settings["label_low"] == "Dat geldt helemaal niet voor mij"
    assert ready.settings["label_high"] == "Dat typeert mij!"
    assert (phase.kind, phase.prompt) == ("choice", "Welke fase voel jij je het prettigst?")
    assert phase.settings["options"][0] == "Fase 0: Klaar voor actieleren"
    assert phase.settings["options"][-1] == "Fase 5: Reflecteren en borgen"
    assert len(phase.settings["options"]) == 6
    assert colours.kind == "scales" and colours.settings["mode"] == "numeric"
    assert colours.prompt == "Leervoorkeuren: waar sta jij op elke kleur?"
    assert colours.settings["statements"] == ["Blauw", "Geel", "Groen", "Rood", "Wit"]
    assert (colours.settings["min"], colours.settings["max"]) == (-5, 25)

    cloud, question = acts["Actieleren – toepassing"]
    assert (cloud.kind, cloud.prompt) == ("wordcloud", "Waar denk jij aan bij Inclusie?")
    assert (question.kind, question.prompt) == ("open", "Wat is jouw exploreervraag?")
    assert question.settings["private"] is True
    assert not question.show_results_presenter and not question.show_results_phones  # facilitator only

    more, contract = acts["Contracteringsafspraken"]  # the run sheet asks first, then agrees
    assert contract.kind == "scales" and contract.settings["mode"] == "yesno"
    assert contract.prompt == "Waardencontract: zijn deze waarden OK voor jou? JA = AFSPRAAK"
    assert contract.settings["statements"] == [
        "Er zijn",
        "Verantwoordelijkheid",
        "Veiligheid",
        "Plezier – positiviteit – verandering",
        "Deelgever",
    ]
    assert contract.settings["agreement"] == "all"
    assert (more.kind, more.prompt) == ("open", "Welke waarden zou je nog willen toevoegen?")

    cards, quote = acts["Afronding"]
    assert (cards.kind, cards.prompt) == ("cards", "Inzichten & acties: inzicht zonder actie is zinloos!")
    assert cards.settings["ask_name"] is True
    assert {"insight_label", "action_label"} <= set(cards.settings)
    assert quote.kind == "choice"
    assert quote.prompt == "Pak een quote die jij de komende 6 maanden bij je wilt dragen"
    assert "Inzicht zonder actie is zinloos." in quote.settings["options"]
    assert "Trust the process!" in quote.settings["options"]

    (checkout,) = acts["Check-out"]
    assert checkout.kind == "checkout"
    assert checkout.prompt == "Check-out: noem één woord dat je meeneemt uit deze bijeenkomst"


def test_blank_template() -> None:
    blank = load_builtin("blank")
    assert blank.title == "Workshop"
    assert blank.placeholders == (Placeholder("thema", blank.placeholders[0].label, ""),)
    kinds = [a.kind for b in blank.blocks for a in b.activities]
    assert kinds == ["open", "cards", "checkout"]
    assert any(b.is_break for b in blank.blocks)
    filled = fill(blank, {})  # the default applies
    assert filled.theme == ""
    assert fill(blank, {"thema": " Samen leren "}).theme == "Samen leren"


# -- malformed templates ------------------------------------------------------------------------

HEAD = """\
format: kring-draaiboek/1
title: Test
placeholders:
  - name: thema
    label: Thema
blocks:
"""
OPENING = """\
  - title: Opening
    duration: 10
"""

MALFORMED: list[tuple[str, str, int, str]] = [
    (
        "bad yaml",
        HEAD + OPENING + "    goal: [unclosed\n  - title: x\n",
        10,
        "flow sequence that starts on line 9",
    ),
    ("bad indentation", HEAD + "  - title: Opening\n   duration: 10\n", 8, "not valid YAML"),
    ("empty file", "# nothing here\n", 1, "the file is empty"),
    ("not a mapping", "- a\n- b\n", 1, "a template is a YAML mapping"),
    ("missing format", HEAD.replace("format: kring-draaiboek/1\n", "") + OPENING, 1, "missing 'format"),
    (
        "wrong format version",
        HEAD.replace("draaiboek/1", "draaiboek/2") + OPENING,
        1,
        "format: must be 'kring-draaiboek/1', got \"kring-draaiboek/2\"",
    ),
    (
        "unknown top-level key",
        HEAD + OPENING + "colour: red\n",
        9,
        "unknown key 'colour'; allowed keys: format",
    ),
    ("unknown block key", HEAD + OPENING + "    doel: x\n", 9, "unknown key 'doel' in blocks[0]"),
    ("duplicate key", HEAD + OPENING + "    duration: 20\n", 9, "the key appears twice"),
    (
        "block without title",
        HEAD + OPENING + "  - duration: 10\n",
        9,
        "blocks[1]: missing the required key 'title'",
    ),
    (
        "duration not a number",
        HEAD + OPENING + "  - title: Kennismaken\n    duration: twintig\n",
        10,
        'blocks[1].duration: must be a whole number of minutes from 1 to 1440, got "twintig"',
    ),
    ("duration 0", HEAD + "  - title: Opening\n    duration: 0\n", 8, "from 1 to 1440, got 0"),
    ("duration too long", HEAD + "  - title: Opening\n    duration: 1441\n", 8, "got 1441"),
    ("bad start time", HEAD + OPENING + "    start: '25:00'\n", 9, 'must be a time written as "HH:MM"'),
    ("optional yes", HEAD + OPENING + "    optional: yes\n", 9, 'must be true or false, got "yes"'),
    ("bad language", HEAD.replace("title: Test", "title: Test\nlanguage: de") + OPENING, 3, '"nl" or "en"'),
    (
        "unknown activity kind",
        HEAD + OPENING + "    activities:\n      - kind: poll\n        prompt: Vraag?\n",
        10,
        "blocks[0].activities[0].kind: must be one of open, wordcloud",
    ),
    (
        "activity without prompt",
        HEAD + OPENING + "    activities:\n      - kind: open\n",
        10,
        "missing the required key 'prompt'",
    ),
    (
        "invalid settings",
        HEAD
        + OPENING
        + "    activities:\n      - kind: scales\n        prompt: Stellingen\n"
        + "        settings:\n          statements: [een, twee]\n          pick: 3\n",
        12,
        "blocks[0].activities[0].settings: Invalid scales settings: pick (3) is more than the 2 statements",
    ),
    (
        "unknown settings key",
        HEAD + OPENING + "    activities:\n      - kind: open\n        prompt: Vraag?\n"
        "        settings: {colour: red}\n",
        12,
        "Invalid open settings",
    ),
    (
        "undeclared placeholder",
        HEAD + OPENING + "    description: |\n      Regel een.\n      Over {{thma}}.\n",
        11,
        "blocks[0].description: unknown placeholder {{thma}}; did you mean {{thema}}?",
    ),
    (
        "undeclared placeholder in settings",
        HEAD + OPENING + "    activities:\n      - kind: groups\n        prompt: Groepjes\n"
        "        settings:\n          options: [a, '{{ander}}']\n",
        13,
        "blocks[0].activities[0].settings.options[1]: unknown placeholder {{ander}}",
    ),
    (
        "duplicate placeholder",
        HEAD.replace("blocks:\n", "  - name: thema\n    label: Nog eens\nblocks:\n") + OPENING,
        6,
        "the placeholder 'thema' is declared twice",
    ),
    ("bad placeholder name", HEAD.replace("name: thema", "name: Thema") + OPENING, 4, "lowercase letters"),
    ("empty blocks list", HEAD.replace("blocks:\n", "blocks: []\n"), 6, "at least one block"),
    (
        "alias",
        HEAD + "  - &opening\n    title: Opening\n    duration: 10\n  - *opening\n",
        7,  # the composed alias is the anchored node itself: its line is the anchor's
        "anchors and aliases",
    ),
    ("python tag", HEAD + OPENING + "    goal: !!python/name:os.system\n", 9, "tag"),
    ("set tag", HEAD + OPENING + "    goal: !!set {a: null}\n", 9, "is not supported"),
    ("title too long", HEAD.replace("title: Test", "title: " + "x" * 201) + OPENING, 2, "at most 200"),
    (
        "private results shown",
        HEAD + OPENING + "    activities:\n      - kind: open\n        prompt: Exploreervraag?\n"
        "        settings: {private: true}\n        show_results_presenter: true\n",
        13,
        "blocks[0].activities[0].show_results_presenter: a private activity (settings.private: true) starts",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "phrase"), [case[1:] for case in MALFORMED], ids=[case[0] for case in MALFORMED]
)
def test_malformed_templates_name_line_and_problem(text: str, line: int, phrase: str) -> None:
    with pytest.raises(TemplateError) as caught:
        parse(text, "mijn.yaml")
    error = caught.value
    assert error.source == "mijn.yaml"
    assert error.line == line, str(error)
    assert phrase in error.problem, str(error)
    assert str(error) == f"mijn.yaml:{line}: {error.problem}"


def test_the_malformed_cases_are_distinct_and_many() -> None:
    assert len({case[1] for case in MALFORMED}) == len(MALFORMED) >= 10


def test_a_good_small_template_parses() -> None:
    template = parse(
        HEAD + OPENING + "    start: '09:30'\n  - title: Twee\n    duration: 5\n    start: 10:30\n"
    )
    assert template.name == "template"
    assert [b.start_time for b in template.blocks] == ["09:30", "10:30"]  # 10:30 stays text (YAML 1.2)
    assert template.language == "nl"
    assert template.blocks[0] == BlockSpec("Opening", 10, start_time="09:30")


def test_load_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "mijn-sessie.yaml"
    path.write_text(HEAD + OPENING, encoding="utf-8")
    assert load_file(path).name == "mijn-sessie"
    path.write_text(HEAD, encoding="utf-8")
    with pytest.raises(TemplateError, match=r"^mijn-sessie\.yaml:6: "):
        load_file(path)


# -- fill ---------------------------------------------------------------------------------------


def test_fill_needs_required_placeholders() -> None:
    kickoff = load_builtin("kickoff")
    for values in ({}, {"thema": "   "}):
        with pytest.raises(TemplateError, match="thema") as caught:
            fill(kickoff, values)
        assert caught.value.line is None
        assert "missing a value" in caught.value.problem


def test_fill_refuses_unknown_keys_and_bad_values() -> None:
    kickoff = load_builtin("kickoff")
    with pytest.raises(TemplateError, match="unknown placeholder value thme; this template asks for: thema"):
        fill(kickoff, {"thema": "Inclusie", "thme": "x"})
    for bad, phrase in (("x" * 201, "the maximum is 200"), ("a\x00b", "control characters"), ("{{x}}", "{{")):
        with pytest.raises(TemplateError, match="thema") as caught:
            fill(kickoff, {"thema": bad})
        assert phrase in caught.value.problem
    assert fill(kickoff, {"thema": "  Inclusie  "}).theme == "Inclusie"


def test_fill_checks_the_result_again() -> None:
    template = parse(HEAD.replace("title: Test", "title: '{{thema}} {{thema}}'") + OPENING)
    assert fill(template, {"thema": "x" * 99}).title == "x" * 99 + " " + "x" * 99
    with pytest.raises(TemplateError, match="title: must be non-empty text of at most 200"):
        fill(template, {"thema": "x" * 150})


# -- to_yaml, schema, builtins ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["blank", "followup", "kickoff"])
def test_to_yaml_round_trips(name: str) -> None:
    template = load_builtin(name)
    assert parse(to_yaml(template)) == template
    filled = fill(template, {"thema": "Inclusie"})
    assert parse(to_yaml(filled)) == filled


def test_to_yaml_keeps_tricky_text() -> None:
    base = load_builtin("blank")
    tricky = replace(
        base,
        title="no",
        description="  leading spaces\nand trailing  \n",
        blocks=(
            BlockSpec(
                title="10:30",
                duration_minutes=5,
                start_time="23:59",
                goal="true",
                who="089",
                materials="null",
                activities=(
                    ActivitySpec("choice", "Yes?", {"options": ["Yes", "No", "1e3", "~"]}, False, True),
                ),
            ),
        ),
    )
    assert parse(to_yaml(tricky)) == tricky


def test_schema_is_valid_and_builtins_validate() -> None:
    schema = json_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["blocks"]["items"] == {"$ref": "#/$defs/block"}
    assert list(schema["$defs"]["activity"]["properties"]["kind"]["enum"]) == list(KINDS)
    validator = Draft202012Validator(schema)
    for name in builtin_names():
        data = yaml.safe_load((BUILTIN / f"{name}.yaml").read_text(encoding="utf-8"))
        assert list(validator.iter_errors(data)) == [], name
        assert list(validator.iter_errors(json.loads(json.dumps(data)))) == [], name
    json_schema()["title"] = "changed"  # callers get a copy
    assert json_schema()["title"] != "changed"


def test_builtin_names_and_unknown_builtin() -> None:
    assert builtin_names() == ["blank", "followup", "kickoff"]
    with pytest.raises(
        TemplateError, match="unknown template 'kick-off'; known templates: blank, followup, kickoff"
    ):
        load_builtin("kick-off")
    with pytest.raises(TemplateError):
        load_builtin("../schema")


def test_the_docs_describe_the_builtins_as_they_are() -> None:
    docs = (BUILTIN.parents[2] / "docs" / "templates.md").read_text(encoding="utf-8")
    kickoff = load_builtin("kickoff")
    blocks, polls = len(kickoff.blocks), sum(len(b.activities) for b in kickoff.blocks)
    minutes = sum(b.duration_minutes for b in kickoff.blocks)
    assert f"{blocks} blocks, {minutes} minutes, {polls} polls" in docs
    rows = docs.split("| block | kind | prompt |")[1].split("\n\n")[0].splitlines()[2:]
    assert len(rows) == polls
    prompts = [a.prompt for b in kickoff.blocks for a in b.activities]
    assert all(prompt in row for prompt, row in zip(prompts, rows, strict=True))
