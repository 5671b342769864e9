"""`{% cache_each %}`: each item's part cached under the key `{% cache %}` would give it, all read
in one round trip, only the missed ones rendered and written in one."""

import pytest
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.template import Context, Template, TemplateSyntaxError

pytestmark = pytest.mark.django_db

PAGE = Template(
    '{% load fragments %}{% cache_each 60 "row" item in items vary item.key %}'
    "[{{ item.text }}]{% empty %}none{% endcache_each %}"
)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_rows_are_cached_by_their_key_and_read_at_once(django_assert_num_queries, monkeypatch):
    items = [{"key": "a", "text": "one"}, {"key": "b", "text": "two"}]
    assert PAGE.render(Context({"items": items})) == "[one][two]"
    items[0]["text"] = "changed, same key"  # served from the cache
    items.append({"key": "c", "text": "three"})
    reads = []
    real = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys: reads.append(list(keys)) or real(keys))
    assert PAGE.render(Context({"items": items})) == "[one][two][three]"
    assert len(reads) == 1 and len(reads[0]) == 3
    assert cache.get(make_template_fragment_key('"row"', ["c"])) == "[three]"  # as {% cache %} keys it


def test_no_items_render_the_empty_part():
    assert PAGE.render(Context({"items": []})) == "none"


def test_a_missing_vary_word_is_a_syntax_error():
    with pytest.raises(TemplateSyntaxError):
        Template('{% load fragments %}{% cache_each 60 "row" item in items item.key %}{% endcache_each %}')


class Completing(list):
    """Items that hold their key only until `complete` fills in their text."""

    def __init__(self, keys):
        super().__init__({"key": key, "text": ""} for key in keys)
        self.completed = []

    def complete(self, items):
        self.completed.append([item["key"] for item in items])
        for item in items:
            item["text"] = item["key"].upper()


def test_a_sequence_completes_only_the_items_that_missed_at_once():
    assert PAGE.render(Context({"items": Completing(["a", "b"])})) == "[A][B]"
    items = Completing(["a", "b", "c", "d"])
    assert PAGE.render(Context({"items": items})) == "[A][B][C][D]"
    assert items.completed == [["c", "d"]]
    items = Completing(["a", "d"])
    assert PAGE.render(Context({"items": items})) == "[A][D]" and items.completed == []
