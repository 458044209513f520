"""Every string of the interface has its Russian translation. Strings added to the code but never
extracted into the catalogue show in English on Russian pages: this extracts them again, as
``make messages`` does, into a copy of the project, and asks gettext what is left untranslated."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COPIED = ["manage.py", "tracker", "templates", "locale"]


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="no gettext (make test installs it)")
def test_every_interface_string_has_a_russian_translation(tmp_path):
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tracker.settings"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ru", "--no-obsolete", "-v0"],
        cwd=tmp_path,
        env=env,
        check=True,
    )
    catalogue = tmp_path / "locale" / "ru" / "LC_MESSAGES" / "django.po"
    stats = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(catalogue)],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    assert "untranslated" not in stats and "fuzzy" not in stats, (
        f"{stats.strip()}: run make messages and translate what is new "
        "(locale/ru/LC_MESSAGES/django.po)"
    )


def test_strings_are_marked_with_names_makemessages_knows():
    # Strings marked with another name (``gettext_lazy as _lazy``) are never extracted: the
    # catalogue loses them at the next ``make messages`` and Russian pages show them in English.
    import re

    aliased = []
    for path in (ROOT / "tracker").rglob("*.py"):
        for name, alias in re.findall(
            r"import .*?\b(n?gettext(?:_lazy)?) as (\w+)", path.read_text()
        ):
            if alias not in ("_", name):  # xgettext's keywords: _ and Django's own names
                aliased.append(f"{path.relative_to(ROOT)}: {name} as {alias}")
    assert not aliased, aliased
