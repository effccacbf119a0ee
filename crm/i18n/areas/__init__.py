"""Catalogue entries of one page area each, both languages side by side.

A module here defines ``ZH`` and ``EN`` (key → text); every module is merged into the
language catalogues when :mod:`crm.i18n` is imported. A key defined twice is an error.
"""

import importlib
import pkgutil


def merged() -> tuple[dict[str, str], dict[str, str]]:
    zh: dict[str, str] = {}
    en: dict[str, str] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for target, entries in ((zh, module.ZH), (en, module.EN)):
            twice = target.keys() & entries.keys()
            if twice:
                raise RuntimeError(f"catalogue keys defined twice: {sorted(twice)}")
            target.update(entries)
    return zh, en
