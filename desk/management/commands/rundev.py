"""`make run`'s server: the web app, a Celery worker and beat together; Ctrl-C stops all three."""

import contextlib
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the app with runserver beside a Celery worker with beat; Ctrl-C stops them all."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, port: int, **options):
        python = sys.executable
        commands = [
            [python, "-m", "celery", "-A", "esp", "worker", "--beat", "--loglevel=info", "--concurrency=1",
             "--schedule", str(settings.BASE_DIR / "var" / "celerybeat-schedule")],
            [python, "manage.py", "runserver", f"127.0.0.1:{port}"],
        ]  # fmt: skip
        # Each child leads its own process group, so stopping it also stops what it started
        # (runserver's autoreloader child, the worker's pool processes).
        children = [subprocess.Popen(c, cwd=settings.BASE_DIR, start_new_session=True) for c in commands]  # noqa: S603
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(c.poll() is None for c in children):
                time.sleep(0.5)
        finally:
            self._stop(children)
        if not stopping:
            self.stderr.write("A process stopped on its own; stopped the others too.")
            sys.exit(1)

    def _stop(self, children) -> None:
        for child in children:
            self._signal(child, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._signal(child, signal.SIGKILL)
                child.wait()
        self.stdout.write("Stopped the web server, the worker and beat.")

    @staticmethod
    def _signal(child, signum) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signum)
