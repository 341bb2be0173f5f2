"""Flask-AppBuilder messages whose Russian translation the project corrects.

Listed here so that ``make extract-messages`` keeps them in ``translations/ru`` (our catalogue
is loaded after Flask-AppBuilder's and overrides it)."""

from flask_babel import lazy_gettext as _l

FAB_OVERRIDES = [
    _l("Profile"),
    _l("Invalid login. Please try again."),
    _l("List Groups"),  # the menu entry Flask-AppBuilder 5 adds, untranslated in its catalogue
    # the row and page buttons of its lists, untranslated in its catalogue
    _l("Add"),
    _l("Show"),
    _l("Edit"),
    _l("User confirmation needed"),
]
