"""The vendored front-end files are exactly those listed, with their sha256, in VERSIONS."""

import hashlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENDOR_FOLDERS = [ROOT / "web" / "static" / "vendor", ROOT / "tests" / "browser" / "vendor"]


def recorded(folder: Path) -> dict[str, str]:
    lines = (folder / "VERSIONS").read_text("utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]
    return {file: sha for _package, _version, file, sha in rows}


@pytest.mark.parametrize("folder", VENDOR_FOLDERS, ids=lambda f: str(f.relative_to(ROOT)))
def test_vendored_files_match_versions(folder):
    listed = recorded(folder)
    on_disk = {path.name for path in folder.iterdir() if path.name != "VERSIONS"}
    assert on_disk == set(listed)
    for name, sha in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == sha, name


def test_every_package_has_its_licence_beside_it():
    for folder in VENDOR_FOLDERS:
        lines = (folder / "VERSIONS").read_text("utf-8").splitlines()
        packages = {line.split("\t")[0] for line in lines if not line.startswith("#")}
        for package in packages:
            files = [line.split("\t")[2] for line in lines if line.startswith(package + "\t")]
            assert any(".LICENSE" in name for name in files), package
