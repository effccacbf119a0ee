"""User-facing text in Chinese (the default) and English: one catalogue per language.

Pages, exports and error messages read labels from here (the base catalogues in
``zh.py``/``en.py``, and one module per page area in ``areas/``), enum values included
(``label(lang, "stage", "signed")`` → 已签约), so a word is translated in one place.
"""

from enum import Enum

from crm.i18n import areas
from crm.i18n.en import MESSAGES as EN
from crm.i18n.zh import MESSAGES as ZH


def _catalogues() -> dict[str, dict[str, str]]:
    area_zh, area_en = areas.merged()
    for base, extra in ((ZH, area_zh), (EN, area_en)):
        twice = base.keys() & extra.keys()
        if twice:
            raise RuntimeError(f"catalogue keys defined twice: {sorted(twice)}")
    return {"zh": {**ZH, **area_zh}, "en": {**EN, **area_en}}


DEFAULT_LANGUAGE = "zh"
CATALOGUES: dict[str, dict[str, str]] = _catalogues()
LANGUAGES = tuple(CATALOGUES)
HTML_LANG = {"zh": "zh-CN", "en": "en"}


def normalise(lang: str | None) -> str:
    return lang if lang in CATALOGUES else DEFAULT_LANGUAGE


def translate(lang: str, key: str, **values: object) -> str:
    """The text for ``key``; a missing key shows as itself so it is noticed, not hidden."""
    text = CATALOGUES[normalise(lang)].get(key) or CATALOGUES["zh"].get(key) or key
    return text.format(**values) if values else text


def label(lang: str, kind: str, value: Enum | str | None) -> str:
    """The label of an enum value, e.g. ``label("zh", "stage", Stage.signed)`` → 已签约."""
    if value is None:
        return ""
    raw = value.value if isinstance(value, Enum) else str(value)
    return translate(lang, f"{kind}.{raw}")


class Translator:
    """Bound to one request's language, for templates: ``t("nav.chains")``, ``t.label(...)``."""

    def __init__(self, lang: str):
        self.lang = normalise(lang)

    def __call__(self, key: str, **values: object) -> str:
        return translate(self.lang, key, **values)

    def label(self, kind: str, value: Enum | str | None) -> str:
        return label(self.lang, kind, value)
