"""What the busiest pages rendered, cached with the revisions of the cohorts they show.

Each cached part has one entry, named by what it is for (the page part, the cohorts, the day
asked for, whatever about the viewer changes it: may edit, sees confidential flags), holding
the value together with its version: the revisions of the cohorts it was rendered from
(cohorts.revision renews them with every write that could change what the part shows) and the
cohorts' today. A read whose version differs renders afresh and replaces the entry, so a write
never has to find and delete cached parts, and the cache holds one entry per part however many
writes there are. Forms inside a cached part carry CSRF_SLOT where the token goes, and
`with_csrf` puts the requesting session's token there on the way out.
"""

import hashlib
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

T = TypeVar("T")
# Rendered as the value of a form's csrfmiddlewaretoken; user-written text cannot produce it,
# because escaping turns the quotes around it into entities.
CSRF_SLOT = "csrf-slot-5c1d0e7a"
_SLOT_ATTRIBUTE = f'value="{CSRF_SLOT}"'


def key(part: str, *names: Hashable) -> str:
    digest = hashlib.blake2b(repr(names).encode(), digest_size=16).hexdigest()
    return f"esp:{part}:{digest}"


def cached(part: str, names: tuple, version: object, build: Callable[[], T]) -> T:
    """The cached value of `part` for `names` if it is of `version`, else built and stored."""
    name = key(part, *names)
    entry = cache.get(name)
    if entry is not None and entry[0] == version:
        return entry[1]
    value = build()
    cache.set(name, (version, value), settings.PAGE_CACHE_SECONDS)
    return value


def cached_many(
    part: str, entries: dict[int, tuple[tuple, object]], build: Callable[[list[int]], dict[int, T]]
) -> dict[int, T]:
    """Like `cached` for several ids at once, each with its (names, version): `build` gets the
    ids whose entries are missing or of another version, in one call."""
    names = {pk: key(part, *parts) for pk, (parts, _) in entries.items()}
    found = cache.get_many(names.values())
    values = {}
    for pk, (_, version) in entries.items():
        entry = found.get(names[pk])
        if entry is not None and entry[0] == version:
            values[pk] = entry[1]
    missing = [pk for pk in entries if pk not in values]
    if missing:
        built = build(missing)
        cache.set_many(
            {names[pk]: (entries[pk][1], value) for pk, value in built.items()}, settings.PAGE_CACHE_SECONDS
        )
        values.update(built)
    return values


def render_part(template: str, context: dict) -> str:
    """Render a part to cache: without the request, its forms' tokens left as CSRF_SLOT."""
    return render_to_string(template, {**context, "csrf_token": CSRF_SLOT})


def with_csrf(html: str, request) -> SafeString:
    """A cached part with the requesting session's CSRF token in its forms."""
    if _SLOT_ATTRIBUTE in html:
        html = html.replace(_SLOT_ATTRIBUTE, f'value="{get_token(request)}"')
    return mark_safe(html)  # noqa: S308 - rendered by our templates, which escape what users wrote
