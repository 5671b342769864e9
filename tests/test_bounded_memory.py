"""A process's memory of cached parts is bounded by the bytes they take as well as by their
number (core.cache.BoundedMemory): pages cached whole are rendered again after each write, and
would otherwise fill the memory long before the count of entries reached its limit."""

import os
import pickle
import random
import subprocess
import sys

from core.cache import BoundedMemory

KB = 1024


def memory(name: str, max_bytes: int, max_entries: int = 1000) -> BoundedMemory:
    made = BoundedMemory(
        f"bounded-test-{name}", {"OPTIONS": {"MAX_BYTES": max_bytes, "MAX_ENTRIES": max_entries}}
    )
    made.clear()
    return made


def size(value) -> int:
    return len(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))


def test_the_least_recently_used_go_first_once_the_bytes_are_held():
    held = memory("bytes", 10 * KB)
    for i in range(6):
        held.set(f"page{i}", "x" * KB, 60)
    assert held.get("page0") == "x" * KB  # read: now the most recently used
    for i in range(6, 20):
        held.set(f"page{i}", "x" * KB, 60)
    kept = held.get_many([f"page{i}" for i in range(20)])
    assert held.held_bytes <= 10 * KB
    assert len(kept) == held.held_bytes // size("x" * KB) >= 8
    assert "page19" in kept and "page1" not in kept


def test_a_part_larger_than_the_memory_is_kept_alone_until_the_next():
    held = memory("large", 4 * KB)
    held.set("small", "s", 60)
    held.set("dashboard", "x" * 8 * KB, 60)
    assert held.get_many(["small", "dashboard"]) == {"dashboard": "x" * 8 * KB}
    held.set("next", "n", 60)
    assert held.get_many(["small", "dashboard", "next"]) == {"next": "n"}


def test_the_count_of_bytes_stays_true_through_every_change():
    held = memory("count", 20 * KB, max_entries=30)
    rng = random.Random(7)
    for _ in range(2000):
        key = f"k{rng.randrange(60)}"
        step = rng.random()
        if step < 0.6:
            held.set(key, "v" * rng.randrange(1, 2 * KB), 60)
        elif step < 0.75:
            held.delete(key)
        elif step < 0.8:
            held.add(key, "a" * rng.randrange(1, KB), 60)
        elif step < 0.82:
            held.set(key, 1, 60)
            held.incr(key, 2)
        elif step < 0.83:
            held.clear()
        else:
            held.get(key)
        assert held.held_bytes == sum(len(v) for v in held._cache.values())
        assert held.held_bytes <= 20 * KB and len(held._cache) <= 30


def test_instances_of_one_memory_share_its_count():
    """Django makes a cache object per thread; they share the named memory and its bytes."""
    one, other = (
        memory("shared", 10 * KB),
        BoundedMemory("bounded-test-shared", {"OPTIONS": {"MAX_BYTES": 10 * KB}}),
    )
    one.set("a", "x" * KB, 60)
    assert other.held_bytes == one.held_bytes > KB
    other.delete("a")
    assert one.held_bytes == 0


def test_settings_bound_each_process_memory_by_bytes():
    """Without CACHE_URL (make run): 64 MB unless CACHE_MAX_MB says otherwise."""
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "c = s.CACHES['default']; print(c['BACKEND'], c['OPTIONS']['MAX_BYTES'])"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "CACHE_MAX_MB")}
    env["DJANGO_SETTINGS_MODULE"] = "esp.settings"
    for extra, expected in (({}, 64 * 2**20), ({"CACHE_MAX_MB": "5"}, 5 * 2**20)):
        out = subprocess.run(
            [sys.executable, "-c", code], env=env | extra, capture_output=True, text=True, check=True
        )
        assert out.stdout.split() == ["core.cache.BoundedMemory", str(expected)]
