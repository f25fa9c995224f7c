"""Every vendored front-end library sits in its own folder with its licence and a README.md naming the
npm package, its version and the sha256 of each file, which must match what is committed."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = sorted(
    folder
    for parent in (ROOT / "web" / "static" / "vendor", ROOT / "tests" / "web" / "vendor")
    for folder in parent.iterdir()
    if folder.is_dir()
)


def test_vendor_folders_exist() -> None:
    names = {folder.name for folder in FOLDERS}
    assert {"wordcloud2", "axe-core"} <= names, names


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda folder: folder.name)
def test_vendor_folder_has_licence_and_readme_with_checksums(folder: Path) -> None:
    assert (folder / "LICENSE").is_file()
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert re.search(r"npm package \| `[\w.@/-]+` \d+\.\d+\.\d+", readme), readme
    scripts = sorted(folder.glob("*.js"))
    assert scripts
    for script in scripts:
        digest = hashlib.sha256(script.read_bytes()).hexdigest()
        assert f"`{script.name}`" in readme and digest in readme, (script.name, digest)


def test_wordcloud2_needs_no_eval() -> None:
    # The pages' CSP allows no 'unsafe-eval' for scripts.
    source = (ROOT / "web" / "static" / "vendor" / "wordcloud2" / "wordcloud2.js").read_text(encoding="utf-8")
    assert not re.search(r"\beval\s*\(|new\s+Function\s*\(|set(Timeout|Interval)\s*\(\s*['\"]", source)
