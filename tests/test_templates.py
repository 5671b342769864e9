"""Template hygiene that Django does not check: a `{# #}` comment spans one line only; one that
spans several is printed on the page as text (the tracker showed its caching note to TLs)."""

from pathlib import Path

from django.conf import settings


def template_files():
    for folder in settings.TEMPLATES[0]["DIRS"]:
        yield from Path(folder).rglob("*.html")


def test_no_comment_tag_spans_lines():
    open_comments = [
        f"{path}:{number}"
        for path in template_files()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if line.count("{#") > line.count("#}")
    ]
    assert open_comments == []


def test_there_are_templates_to_check():
    assert len(list(template_files())) > 30
