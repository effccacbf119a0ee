#!/usr/bin/env python3
"""Fetch the pinned third-party front-end files from the npm registry (``make vendor``).

Each package is fetched with ``npm pack NAME@VERSION`` (npm checks the tarball against the
registry's integrity hash), the wanted files are copied out under names that carry the version,
with the package's licence files beside them, and every file is listed in the folder's
``VERSIONS`` (package, version, file, sha256).

Without ``--update`` nothing is written unless every fetched file is already listed in VERSIONS
with the same sha256: a re-fetch proves the committed files are what the registry serves.
With ``--update`` (after changing a pin below) the files and VERSIONS are rewritten and files
of the previous versions removed. ``--check`` only hashes the files on disk, offline.

Only the standard library and ``npm`` are needed.
"""

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC_VENDOR = ROOT / "web" / "static" / "vendor"
TEST_VENDOR = ROOT / "tests" / "browser" / "vendor"  # served to nobody: browser tests only


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    destination: Path
    files: dict[str, str]  # path inside the package → file name written ({v} = version)


PACKAGES = [
    Package(
        "htmx.org",
        "2.0.11",
        STATIC_VENDOR,
        {"dist/htmx.min.js": "htmx-{v}.min.js", "LICENSE": "htmx-{v}.LICENSE"},
    ),
    Package(
        "echarts",
        "6.1.0",
        STATIC_VENDOR,
        {
            "dist/echarts.min.js": "echarts-{v}.min.js",
            "LICENSE": "echarts-{v}.LICENSE",
            "NOTICE": "echarts-{v}.NOTICE",
            "licenses/LICENSE-d3": "echarts-{v}.LICENSE-d3",
        },
    ),
    Package(
        "swagger-ui-dist",
        "5.35.0",
        STATIC_VENDOR,
        {
            "swagger-ui-bundle.js": "swagger-ui-bundle-{v}.js",
            "swagger-ui.css": "swagger-ui-{v}.css",
            "oauth2-redirect.js": "swagger-ui-oauth2-redirect-{v}.js",
            "favicon-32x32.png": "swagger-ui-favicon-{v}.png",
            "LICENSE": "swagger-ui-{v}.LICENSE",
            "NOTICE": "swagger-ui-{v}.NOTICE",
            "swagger-ui-bundle.js.LICENSE.txt": "swagger-ui-bundle-{v}.js.LICENSE.txt",
        },
    ),
    Package(
        "axe-core",
        "4.14.1",
        TEST_VENDOR,
        {
            "axe.min.js": "axe-core-{v}.min.js",
            "LICENSE": "axe-core-{v}.LICENSE",
            "LICENSE-3RD-PARTY.txt": "axe-core-{v}.LICENSE-3RD-PARTY.txt",
        },
    ),
]

HEADER = "# package\tversion\tfile\tsha256  (written by web/vendor.py; do not edit by hand)\n"


@dataclass(frozen=True)
class Entry:
    package: str
    version: str
    file: str
    sha256: str

    def line(self) -> str:
        return f"{self.package}\t{self.version}\t{self.file}\t{self.sha256}\n"


def read_versions(folder: Path) -> dict[str, Entry]:
    path = folder / "VERSIONS"
    if not path.exists():
        return {}
    entries = {}
    for line in path.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            entry = Entry(*line.split("\t"))
            entries[entry.file] = entry
    return entries


def write_versions(folder: Path, entries: list[Entry]) -> None:
    lines = [HEADER, *(e.line() for e in sorted(entries, key=lambda e: (e.package, e.file)))]
    (folder / "VERSIONS").write_text("".join(lines), encoding="utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def npm_pack(package: Package, workdir: Path) -> Path:
    spec = f"{package.name}@{package.version}"
    result = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(workdir)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"npm pack {spec} failed:\n{result.stderr}")
    return workdir / json.loads(result.stdout)[0]["filename"]


def extract(package: Package, tarball: Path) -> dict[str, bytes]:
    """The wanted files, read by exact member name (nothing else in the tarball is touched)."""
    contents = {}
    with tarfile.open(tarball, "r:gz") as archive:
        for inner, outer in package.files.items():
            member = archive.extractfile(f"package/{inner}")
            if member is None:
                sys.exit(f"{package.name}@{package.version} has no file {inner}")
            contents[outer.format(v=package.version)] = member.read()
    return contents


def fetch_all() -> dict[Path, dict[str, tuple[Package, bytes]]]:
    fetched: dict[Path, dict[str, tuple[Package, bytes]]] = {}
    with tempfile.TemporaryDirectory(prefix="crm-vendor-") as tmp:
        for package in PACKAGES:
            print(f"fetching {package.name}@{package.version}")
            files = extract(package, npm_pack(package, Path(tmp)))
            folder = fetched.setdefault(package.destination, {})
            folder.update({name: (package, data) for name, data in files.items()})
    return fetched


def compare(folder: Path, files: dict[str, tuple[Package, bytes]]) -> list[str]:
    """Why the fetched files disagree with the folder's VERSIONS (empty when they agree)."""
    recorded = read_versions(folder)
    problems = []
    for name, (package, data) in sorted(files.items()):
        entry = recorded.get(name)
        if entry is None:
            problems.append(f"{name}: not in VERSIONS")
        elif (entry.package, entry.version) != (package.name, package.version):
            problems.append(f"{name}: VERSIONS says {entry.package}@{entry.version}")
        elif entry.sha256 != sha256(data):
            problems.append(f"{name}: sha256 {sha256(data)} but VERSIONS says {entry.sha256}")
    problems += [f"{name}: in VERSIONS but no longer pinned" for name in recorded.keys() - files]
    return [f"{folder.relative_to(ROOT)}/{problem}" for problem in problems]


def write(folder: Path, files: dict[str, tuple[Package, bytes]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for stale in read_versions(folder).keys() - files:
        (folder / stale).unlink(missing_ok=True)
    for name, (_, data) in files.items():
        (folder / name).write_bytes(data)
    entries = [Entry(p.name, p.version, name, sha256(data)) for name, (p, data) in files.items()]
    write_versions(folder, entries)


def check_on_disk() -> list[str]:
    problems = []
    for folder in sorted({package.destination for package in PACKAGES}):
        for name, entry in read_versions(folder).items():
            path = folder / name
            if not path.exists():
                problems.append(f"{path.relative_to(ROOT)}: missing")
            elif sha256(path.read_bytes()) != entry.sha256:
                problems.append(f"{path.relative_to(ROOT)}: sha256 differs from VERSIONS")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--update", action="store_true", help="rewrite the files and VERSIONS")
    mode.add_argument("--check", action="store_true", help="verify the files on disk, offline")
    args = parser.parse_args()

    if args.check:
        problems = check_on_disk()
    else:
        fetched = fetch_all()
        problems = [] if args.update else [p for f, fs in fetched.items() for p in compare(f, fs)]
        if not problems:
            for folder, files in fetched.items():
                write(folder, files)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        hint = "" if args.check else " (after changing a pin: web/vendor.py --update)"
        sys.exit(f"vendored files disagree with VERSIONS{hint}")
    print("vendored files match VERSIONS")


if __name__ == "__main__":
    main()
