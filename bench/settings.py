"""The bench's settings: the app's own, plus one bare POST to compare writes with."""

from esp.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
