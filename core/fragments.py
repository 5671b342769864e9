"""Keys for cached parts of pages that are matched against what they show, not against a
revision: a row of the tracker or the roll call is cached under a digest of its facts, so that
after a write only the rows whose facts changed are rendered again.

The digest also covers the code and templates that turn facts into HTML (RENDER_STAMP, worked
out once per process from their content), so a deploy that changes how a row looks never serves
a row rendered by the old code.
"""

import hashlib
from pathlib import Path

from django.conf import settings

PACKAGES = (
    "core",
    "cohorts",
    "certifications",
    "attendance",
    "tickets",
    "notifications",
    "desk",
    "templates",
)


def _stamp() -> str:
    digest = hashlib.blake2b(digest_size=8)
    for package in PACKAGES:
        for path in sorted((Path(settings.BASE_DIR) / package).rglob("*")):
            if path.suffix in (".py", ".html") and "migrations" not in path.parts:
                digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


RENDER_STAMP = _stamp()


def digest(*facts) -> str:
    """A key for a part that shows exactly these facts (reprs of plain values and dataclasses)."""
    return hashlib.blake2b(repr((RENDER_STAMP, facts)).encode(), digest_size=16).hexdigest()
