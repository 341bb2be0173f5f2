"""The Russian catalogue covers every message of the application."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def test_every_message_has_a_russian_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "lazy_gettext",
            "-k",
            "_l",
            "-o",
            str(pot),
            "app",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with open(ROOT / "translations/ru/LC_MESSAGES/messages.po", "rb") as f:
        catalogue = read_po(f, locale="ru")
    translated = {m.id for m in catalogue if m.id and m.string and "fuzzy" not in m.flags}
    missing = sorted(str(m) for m in wanted - translated)
    assert len(wanted) > 40
    assert not missing, f"untranslated (make extract-messages, then translate): {missing}"


def test_ui_language_is_russian(app):
    assert app.config["BABEL_DEFAULT_LOCALE"] == "ru"
    html = app.test_client().get("/login/").get_data(as_text=True)
    assert "Имя пользователя" in html and "Пароль" in html
