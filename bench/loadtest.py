"""`make loadtest`: a bounded load run against a production-like stack on loopback, then a check
that every write the app acknowledged is in the database and its history.

Started here, and stopped here by PID: gunicorn (4 sync workers, production settings), a Celery
worker and beat on Redis, Redis as the cache, an SMTP server (aiosmtpd) that keeps what it gets.
PostgreSQL holds a fresh database (LOADTEST_DATABASE_URL, default esp_load) seeded with
LOADTEST_TLS cohorts this week (default 50, each led by its own TL) and a few weeks of history.
Locust runs LOADTEST_TLS TLs (bench/locustfile.py), all logging in at once, then doing a day's work
for LOADTEST_MINUTES (default 2). Writes bench/loadtest.md.
"""

import csv
import datetime
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlparse

import django
import psycopg2
import redis
from aiosmtpd.controller import Controller
from run import fresh_database  # bench/run.py: the bench's own

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "loadtest"
PORT = int(os.environ.get("LOADTEST_PORT", "8197"))
SMTP_PORT = int(os.environ.get("LOADTEST_SMTP_PORT", "8125"))
DB_URL = os.environ.get("LOADTEST_DATABASE_URL", "postgres://esp:esp@127.0.0.1:5432/esp_load")
TLS = int(os.environ.get("LOADTEST_TLS", "50"))
MINUTES = float(os.environ.get("LOADTEST_MINUTES", "2"))
WORKERS = int(os.environ.get("LOADTEST_WORKERS", "4"))
BROKER_URL = os.environ.get("LOADTEST_BROKER_URL", "redis://127.0.0.1:6379/14")
CACHE_URL = os.environ.get("LOADTEST_CACHE_URL", "redis://127.0.0.1:6379/13")


def free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def start(command: list[str], env: dict, log: str) -> subprocess.Popen:
    handle = open(OUT / log, "w")  # noqa: SIM115 - open while the process runs
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )  # noqa: S603


def stop(processes: list[subprocess.Popen]) -> None:
    """Stop each process group this run started, by its PID: TERM, then KILL after 20 s."""
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_healthy(deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("gunicorn did not answer /healthz")
        time.sleep(0.3)


def wait_for_worker(deadline: float) -> None:
    """The worker has booted (its processes import the app: CPU the logins must not share)."""
    while " ready." not in (OUT / "celery.log").read_text():
        if time.monotonic() > deadline:
            raise RuntimeError("the Celery worker did not start")
        time.sleep(0.5)
    time.sleep(2)


def settle_database() -> None:
    """VACUUM ANALYZE after the seed, as autovacuum would soon do (and would do during the run)."""
    url = urlparse(DB_URL)
    conn = psycopg2.connect(
        dbname=url.path.lstrip("/"), user=url.username, password=url.password, host=url.hostname,
        port=url.port or 5432,
    )  # fmt: skip
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    conn.close()


def warm_up() -> None:
    """Every worker has served the login page and checked a password before the TLs come, as in a
    server that has been up (a made-up user name: nobody is locked)."""

    def get(n):
        address = f"http://127.0.0.1:{PORT}/accounts/login/"
        with urllib.request.urlopen(address, timeout=30) as response:  # noqa: S310
            page = response.read().decode()
            cookie = response.headers["Set-Cookie"].split(";")[0]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urlencode({"csrfmiddlewaretoken": token, "username": f"warm-up-{n}", "password": "x"}).encode()
        request = urllib.request.Request(address, data=data, headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status

    with ThreadPoolExecutor(max_workers=WORKERS * 2) as pool:
        list(pool.map(get, range(WORKERS * 6)))


def check(acknowledged: list[dict]) -> dict:
    """Every acknowledged write is in history (by its user, with its value and version), and each
    record holds the last value acknowledged for it."""
    # The app's modules load once django.setup() has run against the load-test database.
    from django.utils import timezone

    from attendance.models import AttendanceRecord
    from certifications.models import DailyNote, TaskStatus
    from cohorts.models import Agent

    zones = {
        a.pk: a.cohort.tzinfo for a in Agent.objects.filter(cohort__status="active").select_related("cohort")
    }

    def arrival(record) -> str | None:
        at = record.arrived_at
        return f"{timezone.localtime(at, zones[record.agent_id]):%H:%M}" if at else None

    # What each kind of write is, read back: its records, its history and the value they hold.
    kinds = {
        "cell": (TaskStatus, lambda key: {"agent_id": key[0], "task_id": key[1]}, lambda r: r.status),
        "roll_call": (AttendanceRecord, lambda key: {"agent_id": key[0], "day": key[1]}, arrival),
        "note": (DailyNote, lambda key: {"agent_id": key[0], "day": key[1]}, lambda r: r.text),
    }
    missing, stale, last = [], [], {}
    for ack in acknowledged:
        model, where, value_of = kinds[ack["kind"]]
        history = model.history.filter(
            **where(ack["key"]), history_user__username=ack["user"], version=ack["version"]
        )
        if not any(value_of(h) == ack["value"] for h in history):
            missing.append(ack)
        last[(ack["kind"], *ack["key"])] = ack
    for (kind, *key), ack in last.items():
        model, where, value_of = kinds[kind]
        record = model.objects.filter(**where(key)).first()
        stored = value_of(record) if record else None
        if stored != ack["value"]:
            stale.append({**ack, "stored": stored})
    return {"acknowledged": len(acknowledged), "missing": missing, "stale": stale}


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for port in (PORT, SMTP_PORT):
        if not free(port):
            print(f"Port {port} is taken; set LOADTEST_PORT / LOADTEST_SMTP_PORT.")
            return 2
    env = {
        **os.environ,
        "DATABASE_URL": DB_URL,
        "DJANGO_SETTINGS_MODULE": "esp.settings",
        "DJANGO_SECRET_KEY": "loadtest-only",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": str(OUT / "static"),
        "SESSION_COOKIE_SECURE": "false",  # plain HTTP on loopback; production sits behind TLS
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": BROKER_URL,
        "CACHE_URL": CACHE_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(SMTP_PORT),
        "SITE_URL": f"http://127.0.0.1:{PORT}",
        "LOADTEST_OUT": str(OUT),
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    python = sys.executable

    if os.environ.get("LOADTEST_CHECK_ONLY"):
        django.setup()
        results = json.loads((OUT / "acknowledged.json").read_text())
        print(check(results["acknowledged"]))
        return 0
    print(f"== fresh database, {TLS} cohorts this week")
    fresh_database(DB_URL)
    for db in (BROKER_URL, CACHE_URL):
        redis.Redis.from_url(db).flushdb()
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [python, "manage.py", "seed_bench", "--weeks", "4", "--active", str(TLS)],
        cwd=ROOT,
        env=env,
        check=True,
    )
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    settle_database()

    class Keep:
        received = 0

        async def handle_DATA(self, server, session, envelope):
            Keep.received += 1
            return "250 OK"

    smtp = Controller(Keep(), hostname="127.0.0.1", port=SMTP_PORT)
    smtp.start()
    processes = []
    try:
        processes.append(
            start(
                [
                    python,
                    "-m",
                    "gunicorn",
                    "esp.wsgi:application",
                    "-b",
                    f"127.0.0.1:{PORT}",
                    "-w",
                    str(WORKERS),
                    "--timeout",
                    "60",
                    "--log-level",
                    "warning",
                ],
                env,
                "gunicorn.log",
            )
        )
        processes.append(
            start(
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "esp",
                    "worker",
                    "--beat",
                    "--concurrency=2",
                    "--loglevel=info",
                    "--schedule",
                    str(OUT / "celerybeat-schedule"),
                ],
                env,
                "celery.log",
            )
        )
        wait_healthy(time.monotonic() + 60)
        wait_for_worker(time.monotonic() + 60)
        warm_up()
        print(f"== locust: {TLS} TLs for {MINUTES:g} min on 127.0.0.1:{PORT}")
        seconds = int(MINUTES * 60)
        locust = subprocess.run(
            [python, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "-u", str(TLS), "-r", str(TLS),
             "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{PORT}", "--csv", str(OUT / "locust"), "--only-summary",
             "--stop-timeout", "10"],
            cwd=ROOT, env=env, timeout=seconds + 120, check=False,
        )  # fmt: skip
        time.sleep(3)  # the worker finishes what the last writes queued
    finally:
        stop(processes)
        smtp.stop()

    django.setup()
    results = json.loads((OUT / "acknowledged.json").read_text())
    verdict = check(results["acknowledged"])
    with open(OUT / "locust_stats.csv") as f:
        stats = list(csv.DictReader(f))
    write_report(stats, results, verdict, Keep.received)
    ok = not verdict["missing"] and not verdict["stale"] and not sum(results["server_errors"].values())
    print((ROOT / "bench" / "loadtest.md").read_text())
    return 0 if ok and locust.returncode in (0, 1) else 1


def write_report(stats: list[dict], results: dict, verdict: dict, emails: int) -> None:
    errors, refused = results["server_errors"], results["refused"]
    rows = [s for s in stats if s["Name"] != "Aggregated"]
    total = next(s for s in stats if s["Name"] == "Aggregated")
    login = next((s for s in rows if s["Name"] == "login"), None)
    lines = [
        f"# Load test, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"`make loadtest`: {TLS} TLs (locust, headless, loopback) log in at once, then each works their own "
        f"cohort's day for {MINUTES:g} min (board, roll call and its rows, tracker and its cells, notes, agent "
        f"pages; 1 to 3 s between actions) against gunicorn with {WORKERS} sync workers (production settings), "
        f"PostgreSQL, Redis (broker and cache), a Celery worker with beat, and an SMTP server. {os.cpu_count()} cores.",
        "",
        f"Requests: {total['Request Count']}; 5xx: {sum(errors.values())}; refused (400/409): {sum(refused.values())}; "
        f"other failures: {int(total['Failure Count']) - sum(errors.values())}. Emails received: {emails}.",
        "",
        f"Acknowledged writes: {verdict['acknowledged']}; found in the database and its history: "
        f"{verdict['acknowledged'] - len(verdict['missing'])}; records not holding their last acknowledged value: "
        f"{len(verdict['stale'])}.",
        "",
        f"Login under {TLS} simultaneous logins: p50 {login['50%'] if login else '-'} ms, p95 "
        f"{login['95%'] if login else '-'} ms (target <= 2000 ms).",
        "",
        "| request | count | 5xx | p50 ms | p95 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in rows:
        lines.append(
            f"| {s['Name']} | {s['Request Count']} | {errors.get(s['Name'], 0)} | {s['50%']} | {s['95%']} "
            f"| {float(s['Max Response Time']):.0f} |"
        )
    (ROOT / "bench" / "loadtest.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
