"""Every activity kind the server knows has its page-script module, listed once in kinds/index.js,
with each view the pages ask for; and no page script outside kinds/ names a kind."""

from __future__ import annotations

import re
from pathlib import Path

from server.domain.activities import KINDS

SCRIPTS = Path(__file__).resolve().parents[2] / "web" / "static" / "js"
KIND_DIR = SCRIPTS / "kinds"
# What a kind's module exports (kinds/index.js says what each is for).
VIEWS = ("title", "phone", "results", "stage")


def listed() -> dict[str, str]:
    """kinds/index.js's table: kind name -> the module it imports."""
    table = (KIND_DIR / "index.js").read_text(encoding="utf-8")
    return dict(re.findall(r"^\s*(\w+): \(\) => import\(\"\./([\w-]+\.js)\"\),$", table, re.MULTILINE))


def test_the_table_lists_every_kind_once_with_its_own_module() -> None:
    table = listed()
    assert sorted(table) == sorted(KINDS)
    for kind, module in table.items():
        assert module == f"{kind}.js"
        assert (KIND_DIR / module).is_file(), module


def test_every_kind_module_exports_each_view() -> None:
    for kind in KINDS:
        source = (KIND_DIR / f"{kind}.js").read_text(encoding="utf-8")
        exported = set(re.findall(r"^export (?:async )?(?:function|const) (\w+)", source, re.MULTILINE))
        missing = [view for view in VIEWS if view not in exported]
        assert not missing, f"kinds/{kind}.js lacks {missing}"


def test_no_page_script_outside_kinds_names_a_kind() -> None:
    # "open" is an activity's status too; a kind compared by name is caught by the `kind ===` part.
    names = "|".join(kind for kind in KINDS if kind != "open")
    # A kind's name in quotes or as a table key, or a kind compared with: the page would branch on it.
    named = re.compile(rf"""(["'`])({names})\1|\bkind\s*[!=]==?|\b({names})\s*:\s""")
    found = []
    for path in sorted(SCRIPTS.glob("*.js")):  # the pages' own scripts, not kinds/
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.lstrip().startswith("//") and named.search(line):
                found.append(f"{path.name}:{number}: {line.strip()}")
    assert found == [], "\n".join(found)
