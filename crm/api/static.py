"""The product's own static files (web/static), served at /static: no page needs another host."""

from functools import cache
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

import crm

WEB_ROOT = Path(crm.__file__).resolve().parent.parent / "web"
STATIC_ROOT = WEB_ROOT / "static"
VENDOR_ROOT = STATIC_ROOT / "vendor"


def install_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_ROOT), name="static")


@cache
def vendored_versions() -> dict[str, str]:
    """Package → version of the vendored front-end files, from web/static/vendor/VERSIONS."""
    lines = (VENDOR_ROOT / "VERSIONS").read_text("utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]
    return {package: version for package, version, _file, _sha in rows}


def vendor_path(package: str, file_pattern: str) -> str:
    """``vendor_path("htmx.org", "htmx-{v}.min.js")`` → ``/static/vendor/htmx-2.0.11.min.js``,
    so a version bump by ``make vendor-update`` needs no change to pages."""
    name = file_pattern.format(v=vendored_versions()[package])
    if not (VENDOR_ROOT / name).is_file():
        raise FileNotFoundError(f"{name} is not vendored; run make vendor")
    return f"/static/vendor/{name}"
