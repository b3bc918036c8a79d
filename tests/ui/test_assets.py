"""The web UI's built assets shipped in the package are the build of the sources in ui/.

ui/scripts/source-hash.mjs records a hash of the sources at build time (SOURCE_HASH beside
the assets); the same hash computed here from the sources must match, so a change to ui/
without `npm run build` (or a hand-edited asset) fails here without rebuilding in every run.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from argosy.server.ui import ASSETS

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "ui"
#: what the build reads (as ui/scripts/source-hash.mjs lists them)
SOURCES = ("index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts", "src", "scripts")


def source_hash() -> str:
    files: list[str] = []
    for name in SOURCES:
        path = UI / name
        files += [p.relative_to(UI).as_posix() for p in path.rglob("*") if p.is_file()] if path.is_dir() else [name]
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0")
        digest.update((UI / name).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def test_shipped_assets_were_built_from_these_sources() -> None:
    recorded = (ASSETS / "SOURCE_HASH").read_text().strip()
    assert recorded == source_hash(), "ui/ changed since the assets were built: run `npm run build` in ui/"


def test_index_names_assets_that_ship() -> None:
    index = (ASSETS / "index.html").read_text()
    referenced = re.findall(r'(?:src|href)="\./(assets/[^"]+)"', index)
    assert any(r.endswith(".js") for r in referenced) and any(r.endswith(".css") for r in referenced)
    for name in referenced:
        assert (ASSETS / name).is_file(), name
    assert '<base href="/" />' in index  # the server fills in --base-href here


def test_assets_are_package_data() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"server/ui_assets/*"' in pyproject and '"server/ui_assets/assets/*"' in pyproject
