"""`make bench`: a year of data in PostgreSQL, the app under gunicorn, and latency at 1 and 16
concurrent clients of the TL day board, the tracker grid, the roll call and the PM dashboard,
against a baseline page measured in the same run; plus the end-of-day checks over the active
week and the WFM digest build. Prints a table and writes bench/results.md.
"""

import datetime
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "8199"))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://esp:esp@127.0.0.1:5432/esp_bench")
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
SEQUENTIAL = int(os.environ.get("BENCH_REQUESTS", "100"))
CONCURRENT_EACH = int(os.environ.get("BENCH_REQUESTS_EACH", "25"))
CLIENTS = 16
UNCACHED = int(os.environ.get("BENCH_REQUESTS_UNCACHED", "20"))


def fresh_database() -> None:
    import psycopg2

    url = urlparse(DB_URL)
    name = url.path.lstrip("/")
    conn = psycopg2.connect(
        dbname="postgres", user=url.username, password=url.password, host=url.hostname, port=url.port or 5432
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def manage(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def session_cookie(username: str) -> str:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client.cookies["sessionid"].value


def fetch(path: str, cookie: str) -> float:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    connection.request("GET", path, headers={"Cookie": f"sessionid={cookie}", "Host": "127.0.0.1"})
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"{path} answered {response.status}")
    return (time.perf_counter() - started) * 1000


def warm_up(path: str, cookie: str) -> None:
    """A few requests from many clients at once, so that every worker has served the page."""
    threads = [
        threading.Thread(target=lambda: [fetch(path, cookie) for _ in range(3)]) for _ in range(CLIENTS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def sequential(path: str, cookie: str) -> list[float]:
    warm_up(path, cookie)
    return [fetch(path, cookie) for _ in range(SEQUENTIAL)]


def after_writes(path: str, cookie: str) -> list[float]:
    """Each request right after a write: every cohort's revision renewed, nothing cached to serve."""
    import psycopg2

    url = urlparse(DB_URL)
    conn = psycopg2.connect(
        dbname=url.path.lstrip("/"),
        user=url.username,
        password=url.password,
        host=url.hostname,
        port=url.port or 5432,
    )
    conn.autocommit = True
    samples = []
    with conn.cursor() as cursor:
        for _ in range(UNCACHED):
            cursor.execute("UPDATE cohorts_cohort SET revision = gen_random_uuid()")
            samples.append(fetch(path, cookie))
    conn.close()
    return samples


def concurrent(path: str, cookie: str) -> list[float]:
    samples: list[float] = []
    lock = threading.Lock()

    def client():
        mine = [fetch(path, cookie) for _ in range(CONCURRENT_EACH)]
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def main() -> int:
    env = {
        **os.environ,
        "DATABASE_URL": DB_URL,
        "DJANGO_SECRET_KEY": "bench-only",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": str(ROOT / "var" / "bench-static"),
        "SESSION_COOKIE_SECURE": "false",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "60",
    }
    print("== fresh bench database, migrations, a year of data")
    fresh_database()
    manage("migrate", "--noinput", "-v0", env=env)
    manage("seed_bench", env=env)
    manage("collectstatic", "--noinput", "-v0", env=env)

    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "esp.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from attendance.services import occurrences_for_wfm
    from cohorts.models import Cohort
    from desk.endofday import run_end_of_day_checks
    from notifications.digest import digest_csv

    active = list(Cohort.objects.filter(status=Cohort.Status.ACTIVE).order_by("pk"))
    tl_cohort = next(c for c in active if c.tl.username == "benchtl1")
    taken = [d for d in tl_cohort.esp_days if d <= tl_cohort.local_today()]
    tl, pm = session_cookie("benchtl1"), session_cookie("benchpm1")
    pages = [
        ("baseline (about)", "/about/", tl),
        ("TL day board", "/cohorts/board/", tl),
        ("tracker grid", f"/tracker/cohorts/{tl_cohort.pk}/", tl),
        ("roll call", f"/attendance/cohorts/{tl_cohort.pk}/roll-call/?day={taken[-1].isoformat()}", tl),
        ("PM dashboard", "/cohorts/dashboard/", pm),
    ]

    print(f"== gunicorn with {WORKERS} workers on port {PORT}")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "esp.wsgi:application", "-b", f"127.0.0.1:{PORT}", "-w", str(WORKERS),
         "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                fetch("/healthz", "")
                break
            except (OSError, RuntimeError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        results = []
        for name, path, cookie in pages:
            one = sequential(path, cookie)
            many = concurrent(path, cookie)
            results.append([name, statistics.median(one), p95(one), statistics.median(many), p95(many)])
            print(f"   {name}: median {results[-1][1]:.1f} ms at 1 client, p95 {results[-1][4]:.1f} ms at 16")
        # Last, so that the renewed revisions cannot slow the measurements above.
        for result, (name, path, cookie) in zip(results, pages, strict=True):
            result.append(statistics.median(after_writes(path, cookie)))
            print(f"   {name}: median {result[-1]:.1f} ms right after a write")
    finally:
        server.terminate()
        server.wait(timeout=30)

    day = max(d for c in active for d in c.esp_days if d <= c.local_today())
    started = time.perf_counter()
    for cohort in active:
        for esp_day in [d for d in cohort.esp_days if d <= cohort.local_today()]:
            run_end_of_day_checks(day=esp_day, cohort_id=cohort.pk, dry_run=True)
    eod = time.perf_counter() - started
    started = time.perf_counter()
    digest_csv(occurrences_for_wfm(day))
    digest = time.perf_counter() - started

    base = results[0]
    lines = [
        f"# Benchmark, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"{os.cpu_count()} cores; PostgreSQL; gunicorn with {WORKERS} sync workers; a year of data "
        "(416 cohorts, 10,400 agents; 8 cohorts active this week). Latencies in milliseconds; "
        f"{SEQUENTIAL} requests at 1 client, {CLIENTS} clients x {CONCURRENT_EACH} requests at 16.",
        "",
        "The pages cache what they render with the revisions of the cohorts they show (esp.fragments) and "
        "render afresh once a write has renewed one. The last column is the median of "
        f"{UNCACHED} requests at 1 client each made right after renewing every cohort's revision, as after "
        "a write: the page built from the database. It is for information, not a target.",
        "",
        "| page | median, 1 client | p95, 1 client | median, 16 clients | p95, 16 clients | median / baseline (target <= 3) | p95 at 16 / baseline (target <= 3) | median right after a write |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    failures = []
    for name, m1, p1, m16, p16, cold in results:
        r1, r16 = m1 / base[1], p16 / base[4]
        if name != base[0] and (r1 > 3 or r16 > 3):
            failures.append(name)
        lines.append(
            f"| {name} | {m1:.1f} | {p1:.1f} | {m16:.1f} | {p16:.1f} | {r1:.2f} | {r16:.2f} | {cold:.1f} |"
        )
    lines += [
        "",
        "| job | seconds | target |",
        "| --- | ---: | ---: |",
        f"| end-of-day checks over the active week ({len(active)} cohorts, every ESP day so far) | {eod:.2f} | < 2 |",
        f"| WFM digest build for {day} | {digest:.2f} | < 2 |",
        "",
        "Targets met."
        if not failures and eod < 2 and digest < 2
        else f"Targets missed: {', '.join(failures) or 'jobs'}.",
    ]
    text = "\n".join(lines) + "\n"
    (ROOT / "bench" / "results.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
