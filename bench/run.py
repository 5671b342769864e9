"""`make bench`: a year of history in PostgreSQL with 8 and then 50 cohorts active this week, the
app under gunicorn, and at each size: latency at 1 and 16 concurrent clients of the TL's pages
and the PM dashboard against a baseline page, the same pages right after a write (uncached),
the TL's writes (tracker cell, roll-call row, note, exam attempt) against a bare Django POST,
the end-of-day sweep and the WFM digest build. Prints the tables and writes bench/results.md.
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
from urllib.parse import urlencode, urlparse

import redis

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "8199"))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://esp:esp@127.0.0.1:5432/esp_bench")
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
SEQUENTIAL = int(os.environ.get("BENCH_REQUESTS", "100"))
CONCURRENT_EACH = int(os.environ.get("BENCH_REQUESTS_EACH", "25"))
CLIENTS = 16
UNCACHED = int(os.environ.get("BENCH_REQUESTS_UNCACHED", "20"))
WRITES = int(os.environ.get("BENCH_WRITES", "20"))
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/15")
# The page cache as production has it (docker-compose.yml's CACHE_URL): Redis shared by the
# workers, each worker's memory in front of it (core.cache.NearRedisCache). Emptied before each size.
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/11")
ACTIVE = [int(n) for n in os.environ.get("BENCH_ACTIVE", "8,50").split(",")]


def fresh_database(database_url: str = DB_URL) -> None:
    """Drop and create the database `database_url` names (the bench's, or the load test's)."""
    import psycopg2

    url = urlparse(database_url)
    name = url.path.lstrip("/")
    conn = psycopg2.connect(
        dbname="postgres", user=url.username, password=url.password, host=url.hostname, port=url.port or 5432
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
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


CSRF = "benchcsrf" * 3 + "00000"  # a 32-character secret, sent as cookie and header


def fetch(path: str, cookie: str, data: dict | None = None, htmx: bool = False) -> float:
    """One GET (or POST of data, with the CSRF cookie and header a page's script sends) in a new
    connection; its time in milliseconds. Anything but 200 (or a redirect after a POST) fails."""
    headers = {"Cookie": f"sessionid={cookie}; csrftoken={CSRF}", "Host": "127.0.0.1"}
    body = None
    if data is not None:
        body = urlencode(data)
        headers |= {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": CSRF}
    if htmx:
        headers["HX-Request"] = "true"
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    connection.request("GET" if data is None else "POST", path, body=body, headers=headers)
    response = connection.getresponse()
    content = response.read()
    connection.close()
    if response.status != 200 and not (data is not None and response.status == 302):
        raise RuntimeError(f"{path} answered {response.status}: {content[:300]!r}")
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


def after_writes(
    path: str, cookie: str, write, tl_cookie: str, baseline: str
) -> tuple[list[float], list[float]]:
    """Each request right after a real write: a tracker cell saved through the app (not timed),
    which renews the revisions of the cohort and of the agent, so the page renders afresh what
    the write changed. The baseline page is read the same way in turn with the page (write,
    baseline, write, page...), so that both meet the same moments of a noisy machine: the
    page's samples and the baseline's."""
    samples, base = [], []
    for i in range(2 * UNCACHED):
        path_w, data, htmx = write(i)
        fetch(path_w, tl_cookie, data, htmx)
        (base if i % 2 == 0 else samples).append(fetch(baseline if i % 2 == 0 else path, cookie))
    return samples, base


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


def write_rows(cohort, agents=None) -> list[tuple[str, object]]:
    """The writes a TL makes all day, each as (name, step): step(i) gives the i-th request's
    path, form data and whether htmx sends it, read from the database before it is timed, so
    that every request is a real change with the right record version. Each write is about one
    of `agents` (default: the cohort's), in turn."""
    from django.urls import reverse

    from attendance.models import AttendanceRecord
    from certifications.models import DailyNote, ExamAttempt, Task, TaskStatus

    agents = agents or list(cohort.agents.order_by("pk"))
    # The last ESP day so far: on a weekend the cohort's today is not a day of the week.
    today = max(d for d in cohort.esp_days if d <= cohort.local_today())
    rts = Task.objects.get(code="rts")
    exams = [t for t in Task.objects.filter(active=True).order_by("pk") if t.is_exam]

    def bare(i):
        return "/bench/bare-post/", {"value": f"bench {i}"}, False

    def cell(i):
        agent = agents[i % len(agents)]
        row = TaskStatus.objects.filter(agent=agent, task=rts).first()
        status = "not_started" if row and row.status == "in_progress" else "in_progress"
        key = f"c{agent.pk}-{rts.pk}"
        data = {f"{key}-status": status, f"{key}-version": row.version if row else 0}
        return reverse("certifications:cell_save", args=[agent.pk, rts.pk]), data, True

    def roll_call(i):
        agent = agents[i % len(agents)]
        record = AttendanceRecord.objects.filter(agent=agent, day=today).first()
        arrival = datetime.datetime.combine(today, cohort.shift_start) + datetime.timedelta(minutes=i % 3 + 1)
        data = {
            f"a{agent.pk}-arrival": f"{arrival:%H:%M}",
            f"a{agent.pk}-version": record.version if record else 0,
        }
        url = reverse("attendance:roll_call_save", args=[cohort.pk, today, agent.pk])
        return url, data, True

    def note(i):
        agent = agents[i % len(agents)]
        current = DailyNote.objects.filter(agent=agent, day=today).first()
        url = reverse("certifications:note_save", args=[agent.pk, today])
        data = {
            f"n{agent.pk}-text": f"Shadowed {i} calls.",
            f"n{agent.pk}-version": current.version if current else 0,
        }
        return url, data, True

    def attempt(i):
        exam = exams[i % len(exams)]
        # An agent still working on the exam (the seeded year marks some exams verified without
        # a passed attempt, which no TL could do), with attempts left.
        for agent in agents[i % len(agents) :] + agents[: i % len(agents)]:
            tried = ExamAttempt.objects.filter(agent=agent, task=exam)
            done = TaskStatus.objects.filter(agent=agent, task=exam, status__in=TaskStatus.DONE).exists()
            if not done and not tried.filter(passed=True).exists() and tried.count() < exam.attempt_limit - 1:
                break
        data = {"task": exam.pk, "taken_on": today.isoformat(), "score": "58", "passed": "0"}
        return reverse("certifications:attempt_add", args=[agent.pk]), data, False

    return [
        ("bare Django POST (one row)", bare),
        ("tracker cell save", cell),
        ("roll-call row save", roll_call),
        ("note save", note),
        ("exam attempt", attempt),
    ]


def timed_writes(step, bare, cookie: str) -> tuple[list[float], list[float]]:
    """The write's samples and, taken in turn with them, the bare POST's."""
    samples, base = [], []
    for i in range(WRITES):
        path, data, htmx = bare(i)
        base.append(fetch(path, cookie, data, htmx))
        path, data, htmx = step(i)
        samples.append(fetch(path, cookie, data, htmx))
    return samples, base


def measure(active_cohorts: int, env: dict) -> dict:
    """One database with `active_cohorts` cohorts in ESP this week and a year of history."""
    from django.db import connections

    connections.close_all()
    print(f"== fresh bench database, migrations, a year of data, {active_cohorts} cohorts active")
    fresh_database()
    redis.Redis.from_url(CACHE_URL).flushdb()
    manage("migrate", "--noinput", "-v0", env=env)
    manage("seed_bench", "--active", str(active_cohorts), env=env)
    manage("collectstatic", "--noinput", "-v0", env=env)

    from django.urls import get_resolver

    from attendance.services import occurrences_for_wfm
    from cohorts.models import Cohort
    from desk.endofday import run_end_of_day_checks
    from notifications.digest import digest_csv

    active = list(Cohort.objects.filter(status=Cohort.Status.ACTIVE).order_by("pk"))
    tl_cohort = next(c for c in active if c.tl.username == "benchtl1")
    taken = [d for d in tl_cohort.esp_days if d <= tl_cohort.local_today()]
    agent, *colleagues = tl_cohort.agents.order_by("pk")
    tl, pm = session_cookie("benchtl1"), session_cookie("benchpm1")
    # Each page, and whose tracker cell the write before each of its "right after a write"
    # requests saves: an agent of the cohort in turn; for the agent page, that agent (what it
    # shows), and, as a row of its own, the cohort's other agents (what it does not show).
    pages = [
        ("baseline (about)", "/about/", tl, None),
        ("TL day board", "/cohorts/board/", tl, None),
        ("tracker grid", f"/tracker/cohorts/{tl_cohort.pk}/", tl, None),
        ("roll call", f"/attendance/cohorts/{tl_cohort.pk}/roll-call/?day={taken[-1].isoformat()}", tl, None),
        ("cohort page", f"/cohorts/{tl_cohort.pk}/", tl, None),
        ("agent page", f"/cohorts/agents/{agent.pk}/", tl, [agent]),
        ("agent page, after writes about other agents", f"/cohorts/agents/{agent.pk}/", tl, colleagues),
        ("PM dashboard", "/cohorts/dashboard/", pm, None),
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
        reads = []
        for name, path, cookie, _ in pages:
            one = sequential(path, cookie)
            many = concurrent(path, cookie)
            reads.append([name, statistics.median(one), p95(one), statistics.median(many), p95(many)])
            print(f"   {name}: median {reads[-1][1]:.1f} ms at 1 client, p95 {reads[-1][4]:.1f} ms at 16")
        # Writes after the cached reads, which they would otherwise slow; each renews a revision.
        # Each write in turn with the bare POST, each page in turn with the baseline page: a ratio
        # compares samples taken at the same moments. The baseline rows are all their samples.
        writes = []
        steps = write_rows(tl_cohort)
        (bare_name, bare), *timed = steps
        bare_samples = []
        for name, step in timed:
            samples, base = timed_writes(step, bare, tl)
            bare_samples += base
            writes.append([name, statistics.median(samples), p95(samples), statistics.median(base)])
            print(f"   {name}: median {writes[-1][1]:.1f} ms (bare POST alongside: {writes[-1][3]:.1f})")
        writes.insert(
            0,
            [bare_name, statistics.median(bare_samples), p95(bare_samples), statistics.median(bare_samples)],
        )
        baseline_path, baseline_samples = pages[0][1], []
        for read, (name, path, cookie, about) in zip(reads[1:], pages[1:], strict=True):
            cell = dict(write_rows(tl_cohort, about) if about else steps)["tracker cell save"]
            samples, base = after_writes(path, cookie, cell, tl, baseline_path)
            baseline_samples += base
            read += [statistics.median(samples), statistics.median(base)]
            print(
                f"   {name}: median {read[5]:.1f} ms right after a write (baseline alongside: {read[-1]:.1f})"
            )
        reads[0] += [statistics.median(baseline_samples)] * 2
    finally:
        server.terminate()
        server.wait(timeout=30)

    # The end-of-day job as the beat runs it once every active cohort's latest ESP day has ended
    # (on a weekend, Friday's: a Saturday or Sunday is no ESP day, and would sweep no cohort).
    today = max(d for c in active for d in c.esp_days if d <= c.local_today())
    late = max(c.local_datetime(today, c.end_of_day_time) for c in active)
    get_resolver().check()  # the URLconf, loaded once per worker process (its first job loads it)
    started = time.perf_counter()
    swept = run_end_of_day_checks(now=late + datetime.timedelta(minutes=1), dry_run=True)
    eod = time.perf_counter() - started
    started = time.perf_counter()
    digest_csv(occurrences_for_wfm(today))
    digest = time.perf_counter() - started
    return {
        "active": len(active),
        "agents": sum(c.agents.count() for c in active),
        "cohorts": Cohort.objects.count(),
        "reads": reads,
        "writes": writes,
        "eod": eod,
        "swept": len(swept),
        "digest": digest,
        "day": today,
    }


def report(run: dict) -> tuple[list[str], list[str]]:
    """The tables of one run and what missed its target."""
    base, bare = run["reads"][0], run["writes"][0]
    failures = []
    lines = [
        f"## {run['active']} cohorts active ({run['agents']:,} agents in ESP), {run['cohorts']} cohorts in all",
        "",
        "| page | median, 1 client | p95, 1 client | median, 16 clients | p95, 16 clients "
        "| median / baseline (<= 3) | p95 at 16 / baseline (<= 3) | median right after a write "
        "| baseline alongside | right after a write / baseline (<= 3) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, m1, p1, m16, p16, cold, alongside in run["reads"]:
        r1, r16, rc = m1 / base[1], p16 / base[4], cold / alongside
        if name != base[0] and max(r1, r16, rc) > 3:
            failures.append(f"{name} ({run['active']} active)")
        lines.append(
            f"| {name} | {m1:.1f} | {p1:.1f} | {m16:.1f} | {p16:.1f} | {r1:.2f} | {r16:.2f} | {cold:.1f} "
            f"| {alongside:.1f} | {rc:.2f} |"
        )
    lines += [
        "",
        f"| write ({WRITES} at 1 client) | median | p95 | bare POST alongside | median / bare POST (<= 3) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, median, high, alongside in run["writes"]:
        ratio = median / alongside
        if name != bare[0] and ratio > 3:
            failures.append(f"{name} ({run['active']} active)")
        lines.append(f"| {name} | {median:.1f} | {high:.1f} | {alongside:.1f} | {ratio:.2f} |")
    if run["eod"] >= 2 or run["digest"] >= 2:
        failures.append(f"jobs ({run['active']} active)")
    lines += [
        "",
        "| job | seconds | target |",
        "| --- | ---: | ---: |",
        f"| end-of-day sweep once every active cohort's day has ended ({run['swept']} cohorts) "
        f"| {run['eod']:.2f} | < 2 |",
        f"| WFM digest build for {run['day']} | {run['digest']:.2f} | < 2 |",
        "",
    ]
    return lines, failures


def main() -> int:
    env = {
        **os.environ,
        "DATABASE_URL": DB_URL,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_SECRET_KEY": "bench-only",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": str(ROOT / "var" / "bench-static"),
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "60",
        # Tasks the writes queue go to Redis as in production (no worker takes them; emptied after).
        "CELERY_BROKER_URL": BROKER_URL,
        "CACHE_URL": CACHE_URL,
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    runs = [measure(n, env) for n in ACTIVE]
    redis.Redis.from_url(BROKER_URL).flushdb()
    redis.Redis.from_url(CACHE_URL).flushdb()

    lines = [
        f"# Benchmark, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"{os.cpu_count()} cores; PostgreSQL; gunicorn with {WORKERS} sync workers; Redis as the shared page "
        "cache with each worker's memory in front of it, as docker-compose runs it; a year of history "
        "(52 weeks of 8 cohorts of 25 agents) and this week's active cohorts. Latencies in milliseconds; "
        f"{SEQUENTIAL} requests at 1 client, {CLIENTS} clients x {CONCURRENT_EACH} requests at 16.",
        "",
        "Pages cache what they render (Django's cache framework) keyed by the revisions of the "
        "cohorts they show (the agent page: of its agent, and of what its cohort's agent pages "
        "share), their phase and the viewer's capabilities; rows of the tracker and the "
        "roll call, and each cohort's part of the dashboard, are cached under a digest of what they "
        'show, so after a write only what changed renders again. "Right after a write" is the '
        f"median of {UNCACHED} requests at 1 client, each made right after a tracker cell save in the "
        "TL's cohort through the app (which renews its revision; for the agent page, a save of that "
        "agent's cell, which renews the agent's), against the baseline page measured the same way in "
        "turn with it (write, baseline, write, page...: both meet the same moments of the machine). "
        "Writes are real changes through the app's forms (login, CSRF, record version), "
        "each against a bare Django POST that saves one row, taken in turn with it; the rules they "
        "start run after the commit, in the worker (their tasks are queued to Redis).",
        "",
    ]
    failures = []
    for run in runs:
        more, missed = report(run)
        lines += more
        failures += missed
    lines.append("Targets met." if not failures else f"Targets missed: {', '.join(failures)}.")
    text = "\n".join(lines) + "\n"
    (ROOT / "bench" / "results.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
