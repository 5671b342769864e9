"""What the busiest pages rendered, cached under the revisions of the cohorts they show.

A key names the page part, the cohorts' revisions (cohorts.revision renews them with every write
that could change what the part shows), the day it was rendered for and whatever about the
viewer changes it (may edit, sees confidential flags). A write therefore never has to find and
delete cached parts: the next read asks under the new revision and renders afresh; old entries
age out. Forms inside a cached part carry CSRF_SLOT where the token goes, and `with_csrf` puts
the requesting session's token there on the way out.
"""

import hashlib
from collections.abc import Callable, Hashable, Iterable
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


def key(part: str, *vary: Hashable) -> str:
    digest = hashlib.blake2b(repr(vary).encode(), digest_size=16).hexdigest()
    return f"esp:{part}:{digest}"


def cached(part: str, vary: tuple, build: Callable[[], T]) -> T:
    """The cached value of `part` for `vary`, built and stored on a miss."""
    name = key(part, *vary)
    value = cache.get(name)
    if value is None:
        value = build()
        cache.set(name, value, settings.PAGE_CACHE_SECONDS)
    return value


def cached_many(
    part: str, vary: dict[int, tuple], build: Callable[[Iterable[int]], dict[int, T]]
) -> dict[int, T]:
    """Like `cached` for several ids at once: `build` gets the ids that missed, in one call."""
    names = {pk: key(part, *parts) for pk, parts in vary.items()}
    found = cache.get_many(names.values())
    values = {pk: found[name] for pk, name in names.items() if name in found}
    missing = [pk for pk in vary if pk not in values]
    if missing:
        built = build(missing)
        cache.set_many({names[pk]: value for pk, value in built.items()}, settings.PAGE_CACHE_SECONDS)
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
