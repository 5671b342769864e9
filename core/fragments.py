"""Keys for cached parts of pages that are matched against what they show, not against a
revision: a row of the tracker or the roll call is cached under a digest of its facts, so that
after a write only the rows whose facts changed are rendered again.

The digest also covers the code and templates that turn facts into HTML (render_stamp(), worked
out once per process from their content), so a deploy that changes how a row looks never serves a
row rendered by the old code.
"""

import functools
import hashlib
from pathlib import Path

from django.apps import apps
from django.conf import settings


@functools.cache
def render_stamp() -> str:
    """A digest of the project's own apps' code and templates (not the installed packages'),
    worked out once per process, on the first digest."""
    base = Path(settings.BASE_DIR).resolve()
    folders = [Path(c.path).resolve() for c in apps.get_app_configs()]
    folders = [f for f in folders if f.is_relative_to(base) and ".venv" not in f.parts]
    folders += [Path(d).resolve() for t in settings.TEMPLATES for d in t.get("DIRS", [])]
    stamp = hashlib.blake2b(digest_size=8)
    for folder in sorted(set(folders)):
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".py", ".html") and "migrations" not in path.parts:
                stamp.update(str(path.relative_to(base)).encode())
                stamp.update(path.read_bytes())
    return stamp.hexdigest()


def digest(*facts) -> str:
    """A key for a part that shows exactly these facts (reprs of plain values and dataclasses)."""
    return hashlib.blake2b(repr((render_stamp(), facts)).encode(), digest_size=16).hexdigest()
