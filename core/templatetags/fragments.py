"""`{% cache_each %}`: Django's `{% cache %}` for each item of a list, read in one round trip.

A page of rows cached one by one (the tracker, the roll call, the board, the dashboard) asks the
cache once per row with `{% cache %}`; with Redis that is a round trip a row. This tag works out
every row's key first, reads them all with one get_many, renders only the rows that missed and
writes those with one set_many. Keys are the ones `{% cache %}` would use for the same name and
vary-on values, so a row cached either way is found either way.

A sequence with a `complete(items)` method is given the items that missed, all at once, before
they render: a page can key its rows by what they are about (an agent and its revision) and read
the facts of only the rows it has to render.

    {% cache_each timeout "tracker-row" row in g.rows vary row.key rows_key %}
      ...the row...
    {% empty %}
      ...when there is no row...
    {% endcache_each %}
"""

from django import template
from django.core.cache import InvalidCacheBackendError, caches
from django.core.cache.utils import make_template_fragment_key

register = template.Library()


def _fragment_cache():
    try:
        return caches["template_fragments"]
    except InvalidCacheBackendError:
        return caches["default"]


class CacheEachNode(template.Node):
    def __init__(self, timeout, name, var, sequence, vary_on, nodelist, empty):
        self.timeout, self.name, self.var, self.sequence = timeout, name, var, sequence
        self.vary_on, self.nodelist, self.empty = vary_on, nodelist, empty

    def render(self, context) -> str:
        sequence = self.sequence.resolve(context, ignore_failures=True) or []
        items = list(sequence)
        if not items:
            return self.empty.render(context) if self.empty else ""
        keys = []
        for item in items:
            with context.push({self.var: item}):
                vary = [expression.resolve(context) for expression in self.vary_on]
            keys.append(make_template_fragment_key(self.name, vary))
        cache = _fragment_cache()
        found = cache.get_many(keys)
        missing = [item for item, key in zip(items, keys, strict=True) if key not in found]
        if missing and hasattr(sequence, "complete"):
            sequence.complete(missing)
        made = {}
        parts = []
        for item, key in zip(items, keys, strict=True):
            if key not in found:
                with context.push({self.var: item}):
                    found[key] = made[key] = self.nodelist.render(context)
            parts.append(found[key])
        if made:
            cache.set_many(made, int(self.timeout.resolve(context)))
        return "".join(parts)


@register.tag("cache_each")
def do_cache_each(parser, token):
    bits = token.split_contents()
    if len(bits) < 7 or bits[4] != "in" or bits[6] != "vary":
        raise template.TemplateSyntaxError(
            '"cache_each" takes: timeout "name" item in sequence vary value [value ...]'
        )
    # The fragment name as written, quotes and all, as `{% cache %}` takes it.
    timeout, name, var, sequence = parser.compile_filter(bits[1]), bits[2], bits[3], bits[5]
    vary_on = [parser.compile_filter(bit) for bit in bits[7:]]
    nodelist = parser.parse(("empty", "endcache_each"))
    empty = None
    if parser.next_token().contents == "empty":
        empty = parser.parse(("endcache_each",))
        parser.delete_first_token()
    return CacheEachNode(timeout, name, var, parser.compile_filter(sequence), vary_on, nodelist, empty)
