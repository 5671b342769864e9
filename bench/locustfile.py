"""`make loadtest`'s TLs (run by bench/loadtest.py; locust, headless, on loopback): each opens the
login page, then all log in as benchtl<n> at the same moment (as a shift starts), and each works their cohort's day: the board, the roll
call and its rows, the tracker and its cells, notes, an agent's page. Every save the app
acknowledges ("Saved", 200) is written down with the version it answered, for the checker to find
in the database and its history. 5xx answers are counted per request."""

import datetime
import itertools
import json
import os
import random
import re
import threading
from collections import Counter

from gevent.event import Event
from locust import HttpUser, between, events, task

OUT = os.environ.get("LOADTEST_OUT", "var/loadtest")
EXPECTED = int(os.environ.get("LOADTEST_TLS", "50"))
PASSWORD = "bench"  # noqa: S105 - seed_bench's users, in a throwaway database
_numbers = itertools.count(1)
_lock = threading.Lock()
_at_the_door, _logged_in = itertools.count(1), itertools.count(1)
everyone_at_the_door = Event()  # every TL has the login page open: they log in together
everyone_in = Event()  # the shift starts when every TL has logged in
acknowledged: list[dict] = []
server_errors: Counter = Counter()
refused: Counter = Counter()

CELL = re.compile(r'id="cell-(\d+)-(\d+)".*?hx-post="([^"]+)".*?name="c\1-\2-version" value="(\d+)"', re.S)
NOTE = re.compile(r'id="note-(\d+)"[^>]*hx-post="([^"]+)".*?name="n\1-version" value="(\d+)"', re.S)
ROW = re.compile(r'id="row-(\d+)"[^>]*hx-post="([^"]+)".*?name="a\1-version" value="(\d+)"', re.S)
AGENT = re.compile(r'href="(/cohorts/agents/\d+/)"')
COHORT = re.compile(r'href="/tracker/cohorts/(\d+)/"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@events.request.add_listener
def _count(request_type, name, response, exception, **kwargs):
    status = getattr(response, "status_code", 0)
    if status >= 500:
        with _lock:
            server_errors[name] += 1
    elif status in (400, 409):
        with _lock:
            refused[name] += 1


@events.test_stop.add_listener
def _write(**kwargs):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "acknowledged.json"), "w") as f:
        json.dump({"acknowledged": acknowledged, "server_errors": server_errors, "refused": refused}, f)


class TeamLead(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        self.username = f"benchtl{next(_numbers)}"
        page = self.client.get("/accounts/login/", name="login page")
        token = CSRF.search(page.text).group(1)
        if next(_at_the_door) >= EXPECTED:
            everyone_at_the_door.set()
        everyone_at_the_door.wait(timeout=120)
        self.client.post(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": self.username, "password": PASSWORD},
            name="login",
            allow_redirects=False,
        )
        if next(_logged_in) >= EXPECTED:
            everyone_in.set()
        everyone_in.wait(timeout=120)  # logins are measured together, apart from the day's work
        board = self.client.get("/cohorts/board/", name="TL day board")
        self.cohort = COHORT.search(board.text).group(1)
        self.cells, self.notes, self.rows, self.agents = {}, {}, {}, []
        self.load_tracker()
        self.load_roll_call()

    def headers(self):
        return {"X-CSRFToken": self.client.cookies.get("csrftoken", ""), "HX-Request": "true"}

    def load_tracker(self):
        page = self.client.get(f"/tracker/cohorts/{self.cohort}/", name="tracker grid")
        self.cells = {(a, t): [url, int(v)] for a, t, url, v in CELL.findall(page.text)}
        self.notes = {a: [url, int(v)] for a, url, v in NOTE.findall(page.text)}
        self.agents = sorted(set(AGENT.findall(page.text)))

    def load_roll_call(self):
        page = self.client.get(f"/attendance/cohorts/{self.cohort}/roll-call/", name="roll call")
        self.rows = {a: [url, int(v)] for a, url, v in ROW.findall(page.text)}

    def acknowledge(self, response, kind: str, key: tuple, value: str, version_of):
        if response.status_code == 200 and "Saved" in response.text:
            found = version_of.search(response.text)
            version = int(found.group(1)) if found else None
            with _lock:
                acknowledged.append(
                    {"kind": kind, "key": key, "value": value, "user": self.username, "version": version}
                )
            return version
        return None

    @task(3)
    def board(self):
        self.client.get("/cohorts/board/", name="TL day board")

    @task(2)
    def roll_call(self):
        self.load_roll_call()

    @task(4)
    def save_roll_call_row(self):
        if not self.rows:
            return
        agent = random.choice(sorted(self.rows))
        url, version = self.rows[agent]
        arrival = (
            datetime.datetime(2026, 1, 1, 9) + datetime.timedelta(minutes=random.randint(0, 20))
        ).time()
        value = f"{arrival:%H:%M}"
        data = {f"a{agent}-arrival": value, f"a{agent}-version": version}
        response = self.client.post(url, data, headers=self.headers(), name="roll-call row save")
        day = url.rstrip("/").split("/")[-3]
        new = self.acknowledge(
            response, "roll_call", (agent, day), value, re.compile(rf'name="a{agent}-version" value="(\d+)"')
        )
        if new is not None:
            self.rows[agent][1] = new

    @task(2)
    def tracker(self):
        self.load_tracker()

    @task(6)
    def save_cell(self):
        if not self.cells:
            return
        (agent, task_pk), (url, version) = random.choice(sorted(self.cells.items()))
        value = random.choice(["in_progress", "not_started"])
        data = {f"c{agent}-{task_pk}-status": value, f"c{agent}-{task_pk}-version": version}
        response = self.client.post(url, data, headers=self.headers(), name="tracker cell save")
        pattern = re.compile(rf'name="c{agent}-{task_pk}-version" value="(\d+)"')
        new = self.acknowledge(response, "cell", (agent, task_pk), value, pattern)
        if new is not None:
            self.cells[(agent, task_pk)][1] = new

    @task(3)
    def save_note(self):
        if not self.notes:
            return
        agent = random.choice(sorted(self.notes))
        url, version = self.notes[agent]
        value = f"Load note {random.randint(1, 10**6)} by {self.username}."
        data = {f"n{agent}-text": value, f"n{agent}-version": version}
        response = self.client.post(url, data, headers=self.headers(), name="note save")
        day = url.rstrip("/").split("/")[-1]
        new = self.acknowledge(
            response, "note", (agent, day), value, re.compile(rf'name="n{agent}-version" value="(\d+)"')
        )
        if new is not None:
            self.notes[agent][1] = new

    @task(1)
    def agent_page(self):
        if self.agents:
            self.client.get(random.choice(self.agents), name="agent page")
