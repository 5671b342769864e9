"""The tracker grid from the keyboard alone, in Chromium: moving with the arrows and Enter,
setting a status by its letter, its number or Space, pasting a column copied from a sheet, and
writing notes where Enter saves and goes to the next agent. Every value is checked in the
database; axe checks the grid."""

import datetime
import re

import pytest
import time_machine
from playwright.sync_api import expect

from attendance.models import AttendancePolicy, AttendanceRecord
from certifications.models import DailyNote, ExamAttempt, RedFlag, Task, TaskStatus
from tests.browser.test_week import check
from tests.conftest import WEDNESDAY
from tests.factories import AgentFactory, CohortFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASTE = """(args) => {
  const data = new DataTransfer();
  data.setData("text/plain", args.text);
  if (args.html) data.setData("text/html", args.html);
  document.activeElement.dispatchEvent(
    new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
}"""


@pytest.fixture
def cohort(seeded_rows):
    tl1 = UserFactory(username="tl1", first_name="Tara", last_name="Lopez", roles=["TL"])
    cohort = CohortFactory(name="ESP East", tl=tl1, start_date=datetime.date(2026, 11, 23))
    for n, name in enumerate(["Ana", "Ben", "Cy", "Dee", "Eve"]):
        AgentFactory(cohort=cohort, first_name=name, last_name="Agent", employee_id=f"E{n}")
    return cohort


def saved(page, n):
    expect(page.locator("td[id^='cell-'] [role=status]", has_text="Saved")).to_have_count(n)


def focused(page) -> str:
    return page.evaluate("() => document.activeElement.id")


def test_the_grid_and_its_notes_work_from_the_keyboard(cohort, login, live_server, page):
    agents = {a.first_name: a for a in cohort.agents.all()}
    ahip, aetna = (Task.objects.get(code=c) for c in ("ahip", "aetna"))
    with time_machine.travel(datetime.datetime(2026, 11, 25, 15, tzinfo=datetime.UTC), tick=True):
        login("tl1")
        page.goto(f"{live_server.url}/tracker/cohorts/{cohort.pk}/")
        page.wait_for_load_state("load")  # htmx and the sheet module listen from here on

        page.get_by_label("AHIP, Ana Agent").focus()
        page.keyboard.press("c")  # the status that starts with C: Complete
        saved(page, 1)
        expect(page.get_by_label("AHIP, Ana Agent")).to_be_focused()
        page.keyboard.press("ArrowDown")  # to Ben's AHIP: moves, does not change it
        assert focused(page) == f"c{agents['Ben'].pk}-{ahip.pk}-status"
        page.keyboard.press("2")  # the second status: In progress
        saved(page, 2)
        expect(page.get_by_label("AHIP, Ben Agent")).to_be_focused()  # still on the saved cell
        with page.expect_response(re.compile(r"/tasks/\d+/$")) as answer:
            page.keyboard.press("Space")  # toggles done
        assert answer.value.status == 200
        expect(page.get_by_label("AHIP, Ben Agent")).to_have_value("complete")
        expect(page.get_by_label("AHIP, Ben Agent")).to_be_focused()
        page.keyboard.press("ArrowRight")  # Ben's Aetna
        page.keyboard.press("ArrowUp")  # Ana's Aetna
        assert focused(page) == f"c{agents['Ana'].pk}-{aetna.pk}-status"
        # The rows' counts follow the saves without a reload: Ana and Ben have AHIP done.
        expect(page.locator(f"#row-{agents['Ben'].pk} .done-count")).to_have_text("1/6")
        page.keyboard.press("ArrowRight")  # Ana's TBT: paste a column of five copied from a sheet
        page.evaluate(PASTE, {"text": "Complete\nIn progress\nComplete\nnot started\nVerified\n"})
        saved(page, 6)  # four changed (Dee's stays Not started), and Ben's AHIP from before
        expect(page.locator(f"#row-{agents['Ana'].pk} .done-count")).to_have_text("2/6")

        note = page.get_by_label("Note for Wed 25 Nov, Ana Agent")
        note.focus()
        page.keyboard.type("Finished AHIP.")
        page.keyboard.press("Shift+Enter")
        page.keyboard.type("Aetna tomorrow.")
        page.keyboard.press("Enter")  # saves and goes to Ben's note
        expect(page.locator(f"#note-{agents['Ana'].pk} [role=status]")).to_contain_text("Saved")
        assert focused(page) == f"n{agents['Ben'].pk}-text"
        page.keyboard.type("Headset crackles.")
        page.keyboard.press("Enter")
        expect(page.locator(f"#note-{agents['Ben'].pk} [role=status]")).to_contain_text("Saved")
        # Three notes copied from a sheet column, pasted into Cy's: one agent each.
        page.get_by_label("Note for Wed 25 Nov, Cy Agent").focus()
        page.evaluate(
            PASTE,
            {
                "text": "Sick, called in.\nOn track.\nAhead.\n",
                "html": "<table><tr><td>Sick, called in.</td></tr><tr><td>On track.</td></tr>"
                "<tr><td>Ahead.</td></tr></table>",
            },
        )
        for name in ("Cy", "Dee", "Eve"):
            expect(page.locator(f"#note-{agents[name].pk} [role=status]")).to_contain_text("Saved")
        check(page, "sheet-tracker")

    statuses = {
        (s.agent.first_name, s.task.code): s.status
        for s in TaskStatus.objects.select_related("agent", "task")
    }
    assert statuses == {
        ("Ana", "ahip"): "complete",
        ("Ben", "ahip"): "complete",
        ("Ana", "tbt"): "complete",
        ("Ben", "tbt"): "in_progress",
        ("Cy", "tbt"): "complete",
        ("Eve", "tbt"): "verified",
    }
    notes = {
        n.agent.first_name: n.text for n in DailyNote.objects.filter(day=WEDNESDAY).select_related("agent")
    }
    assert notes == {
        "Ana": "Finished AHIP.\nAetna tomorrow.",
        "Ben": "Headset crackles.",
        "Cy": "Sick, called in.",
        "Dee": "On track.",
        "Eve": "Ahead.",
    }


def test_the_roll_call_takes_a_pasted_column_of_times_and_the_keyboard(cohort, login, live_server, page):
    agents = {a.first_name: a for a in cohort.agents.all()}
    with time_machine.travel(datetime.datetime(2026, 11, 25, 15, tzinfo=datetime.UTC), tick=True):
        login("tl1")
        page.goto(f"{live_server.url}/attendance/cohorts/{cohort.pk}/roll-call/")
        page.get_by_role("button", name="Mark all present (5 not taken)").focus()
        page.keyboard.press("Enter")  # keyboard only, as the rest
        expect(page.locator("#roll-call tbody .badge", has_text="present")).to_have_count(5)
        page.wait_for_load_state("load")

        page.get_by_label("Arrival, Ana Agent").focus()
        # Three arrival times copied from a sheet's column: Ana late, Ben on time, Cy late by hours.
        page.evaluate(PASTE, {"text": "09:25\n09:00\n1:10 PM\n"})
        expect(page.locator(f"#row-{agents['Ana'].pk} .occurrences")).to_contain_text("Late")
        expect(page.locator(f"#row-{agents['Cy'].pk} .occurrences")).to_contain_text("Late, partial day")
        expect(page.get_by_label("Arrival, Ana Agent")).to_be_focused()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")  # Dee's arrival
        assert focused(page) == f"id_a{agents['Dee'].pk}-arrival"
        page.keyboard.press("Tab")  # out of the time box at once: Dee's departure
        page.keyboard.press("Tab")  # Dee's "Absent all day"
        assert focused(page) == f"id_a{agents['Dee'].pk}-absent"
        page.keyboard.press("Space")
        expect(page.locator(f"#row-{agents['Dee'].pk} .occurrences")).to_contain_text("Absent all day")
        check(page, "sheet-roll-call")

    records = {r.agent.first_name: r for r in AttendanceRecord.objects.select_related("agent")}
    local = {
        name: r.arrived_at and r.arrived_at.astimezone(cohort.tzinfo).strftime("%H:%M")
        for name, r in records.items()
    }
    assert local == {"Ana": "09:25", "Ben": "09:00", "Cy": "13:10", "Dee": None, "Eve": "09:00"}
    assert [name for name, r in sorted(records.items()) if r.occurrences] == ["Ana", "Cy", "Dee"]


def test_select_down_a_column_set_them_all_and_fill_down(cohort, login, live_server, page):
    dee = cohort.agents.get(first_name="Dee")
    tbt = Task.objects.get(code="tbt")

    def status(name):
        return page.get_by_label(f"TBT, {name} Agent")

    with time_machine.travel(datetime.datetime(2026, 11, 25, 15, tzinfo=datetime.UTC), tick=True):
        login("tl1")
        page.goto(f"{live_server.url}/tracker/cohorts/{cohort.pk}/")
        page.wait_for_load_state("load")
        status("Ana").focus()
        page.keyboard.press("Shift+ArrowDown")
        page.keyboard.press("Shift+ArrowDown")  # Ana, Ben and Cy selected
        expect(page.locator("td.sheet-selected")).to_have_count(3)
        page.keyboard.press("i")  # In progress for all three
        saved(page, 3)
        expect(status("Cy")).to_be_focused()  # still where the selection ended
        page.keyboard.press("Escape")
        page.keyboard.press("ArrowDown")  # Dee
        expect(status("Dee")).to_be_focused()
        page.keyboard.press("Control+d")  # fill down from Cy
        saved(page, 4)
        expect(page.locator(f"#cell-{dee.pk}-{tbt.pk}")).to_have_class(re.compile("st-in_progress"))

    statuses = {
        s.agent.first_name: s.status for s in TaskStatus.objects.filter(task=tbt).select_related("agent")
    }
    assert statuses == {"Ana": "in_progress", "Ben": "in_progress", "Cy": "in_progress", "Dee": "in_progress"}


def test_25_agents_and_every_task_fit_a_1366x768_screen(seeded_rows, login, live_server, page):
    """The sheet is dense: once the grid is scrolled to the top of a 1366x768 window, all 25 rows
    and every task column (and the notes) are on screen, on a day with the cells that make a row
    wide: overdue, blocked with its reason, failed attempts, a red flag, an agent who is ready."""
    tl1 = UserFactory(username="tl1", first_name="Tara", last_name="Lopez", roles=["TL"])
    cohort = CohortFactory(name="ESP Dense", tl=tl1, start_date=datetime.date(2026, 11, 23))
    agents = [
        AgentFactory(cohort=cohort, first_name=f"Alexandria{n:02d}", last_name="Montgomery-Smith",
                     employee_id=f"E{n:05d}")
        for n in range(25)
    ]  # fmt: skip
    tasks = {t.code: t for t in Task.objects.filter(active=True)}
    for agent in agents[:8]:
        TaskStatus.objects.create(
            agent=agent, task=tasks["equipment"], status="blocked", version=1,
            blocked_reason="Waiting for the carrier's appointment paperwork",
        )  # fmt: skip
        TaskStatus.objects.create(agent=agent, task=tasks["ahip"], status="in_progress", version=1)
        ExamAttempt.objects.create(
            agent=agent,
            task=tasks["ahip"],
            taken_on=cohort.start_date,
            score=60,
            passed=False,
            recorded_by=tl1,
        )
        TaskStatus.objects.create(agent=agent, task=tasks["aetna"], status="verified", version=1)
        ExamAttempt.objects.create(
            agent=agent,
            task=tasks["aetna"],
            taken_on=cohort.start_date,
            score=60,
            passed=False,
            recorded_by=tl1,
        )
    RedFlag.objects.create(agent=agents[1], category="conduct", details="Late twice", raised_by=tl1)
    agents[2].status = "ready"
    agents[2].save()
    with time_machine.travel(datetime.datetime(2026, 11, 26, 15, tzinfo=datetime.UTC), tick=True):
        page.set_viewport_size({"width": 1366, "height": 768})
        login("tl1")
        page.goto(f"{live_server.url}/tracker/cohorts/{cohort.pk}/")
        expect(page.locator("#tracker tbody tr")).to_have_count(25)
        expect(page.locator("#tracker td.st-blocked.table-danger")).to_have_count(8)  # blocked, overdue
        page.locator("#tracker").evaluate(
            "t => window.scrollTo(0, t.getBoundingClientRect().top + window.scrollY)"
        )
        box = page.evaluate(
            """() => {
              const t = document.getElementById('tracker'), rows = t.tBodies[0].rows;
              const notes = t.querySelector('thead th:last-child');
              return {top: t.getBoundingClientRect().top, right: t.getBoundingClientRect().right,
                      last: rows[rows.length - 1].getBoundingClientRect().bottom,
                      wide: document.documentElement.scrollWidth, notes: notes.getBoundingClientRect().right};
            }"""
        )
    assert abs(box["top"]) < 2, box
    assert box["last"] <= 768, box  # all 25 rows
    assert box["right"] <= 1366 and box["notes"] <= 1366 and box["wide"] <= 1366, box  # every column


def test_the_roll_call_sets_the_selected_rows_with_one_pick(cohort, login, live_server, page):
    """Everyone present, then the exceptions as a TL picks them: two rows selected with
    Shift+Down and set "late" by a key, one by its box and the "partial day" button, one absent.
    The times are the policy's thresholds after each shift start; each row saved once."""
    agents = {a.first_name: a for a in cohort.agents.all()}
    day = datetime.date(2026, 11, 25)
    policy = AttendancePolicy.in_force(day)
    with time_machine.travel(datetime.datetime(2026, 11, 25, 15, tzinfo=datetime.UTC), tick=True):
        login("tl1")
        page.goto(f"{live_server.url}/attendance/cohorts/{cohort.pk}/roll-call/")
        page.get_by_role("button", name="Mark all present (5 not taken)").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#roll-call tbody .badge", has_text="present")).to_have_count(5)
        page.wait_for_load_state("load")
        expect(page.get_by_role("button", name=re.compile(r"min late"))).to_be_disabled()

        page.get_by_label("Select Ana Agent").focus()
        page.keyboard.press("Shift+ArrowDown")  # Ana and Ben
        expect(page.locator("#picked-count")).to_have_text("2 rows selected")
        page.keyboard.press("l")  # late, by the policy's threshold
        expect(page.locator(f"#row-{agents['Ana'].pk} .occurrences")).to_contain_text("Late")
        expect(page.locator(f"#row-{agents['Ben'].pk} .occurrences")).to_contain_text("Late")
        expect(page.locator("#picked-count")).to_have_text("No rows selected")

        page.get_by_label("Select Cy Agent").check()  # the mouse works too
        page.locator("#picks button[data-pick=partial]").click()
        expect(page.locator(f"#row-{agents['Cy'].pk} .occurrences")).to_contain_text("Late, partial day")

        page.get_by_label("Select Dee Agent").focus()
        page.keyboard.press("Space")
        page.keyboard.press("a")
        expect(page.locator(f"#row-{agents['Dee'].pk} .occurrences")).to_contain_text("Absent all day")
        expect(page.locator(f"#row-{agents['Dee'].pk} [role=status]")).to_contain_text("Saved")

        posts = []
        page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
        page.get_by_label("Select Eve Agent").check()
        page.wait_for_timeout(700)  # longer than a row waits before it saves: a selection sends nothing
        page.get_by_label("Select Eve Agent").uncheck()
        expect(page.locator("#picked-count")).to_have_text("No rows selected")
        assert posts == []

    def at(minutes):
        return (
            datetime.datetime.combine(day, cohort.shift_start) + datetime.timedelta(minutes=minutes)
        ).time()

    records = {r.agent.first_name: r for r in AttendanceRecord.objects.select_related("agent")}
    local = {
        name: r.arrived_at and r.arrived_at.astimezone(cohort.tzinfo).time() for name, r in records.items()
    }
    assert local == {
        "Ana": at(policy.tardy_minutes),
        "Ben": at(policy.tardy_minutes),
        "Cy": at(policy.partial_day_minutes),
        "Dee": None,
        "Eve": at(0),
    }
    assert [name for name, r in sorted(records.items()) if r.absent] == ["Dee"]
    # Marked present, then one save per picked row: selecting a row saves nothing.
    assert {name: r.history.count() for name, r in records.items()} == {
        "Ana": 2, "Ben": 2, "Cy": 2, "Dee": 2, "Eve": 1
    }  # fmt: skip


def test_the_notes_page_from_the_keyboard(cohort, login, live_server, page):
    """The Notes page: a note of two lines (Shift+Enter), Enter saves it and goes to the next
    agent, a column pasted from a sheet fills one agent each, each shows that it is saved."""
    agents = {a.first_name: a for a in cohort.agents.all()}
    with time_machine.travel(datetime.datetime(2026, 11, 25, 15, tzinfo=datetime.UTC), tick=True):
        login("tl1")
        page.goto(f"{live_server.url}/cohorts/{cohort.pk}/")
        page.get_by_role("link", name=re.compile(r"^Notes")).click()  # from the cohort bar
        expect(page.locator("#notes-help")).to_contain_text("5 agents still without a note")
        page.wait_for_load_state("load")

        page.get_by_label("Note for Wed 25 Nov, Ana Agent").focus()
        page.keyboard.type("Finished AHIP.")
        page.keyboard.press("Shift+Enter")
        page.keyboard.type("Aetna tomorrow.")
        page.keyboard.press("Enter")
        expect(page.locator(f"#note-{agents['Ana'].pk} [role=status]")).to_contain_text("Saved")
        assert focused(page) == f"n{agents['Ben'].pk}-text"
        page.keyboard.type("Headset crackles.")
        page.keyboard.press("Enter")
        expect(page.locator(f"#note-{agents['Ben'].pk} [role=status]")).to_contain_text("Saved")
        assert focused(page) == f"n{agents['Cy'].pk}-text"
        page.evaluate(
            PASTE,
            {
                "text": "Sick, called in.\nOn track.\nAhead.\n",
                "html": "<table><tr><td>Sick, called in.</td></tr><tr><td>On track.</td></tr>"
                "<tr><td>Ahead.</td></tr></table>",
            },
        )
        for name in ("Cy", "Dee", "Eve"):
            expect(page.locator(f"#note-{agents[name].pk} [role=status]")).to_contain_text("Saved")
        check(page, "notes-page")

    notes = {n.agent.first_name: n.text for n in DailyNote.objects.select_related("agent")}
    assert notes == {
        "Ana": "Finished AHIP.\nAetna tomorrow.",
        "Ben": "Headset crackles.",
        "Cy": "Sick, called in.",
        "Dee": "On track.",
        "Eve": "Ahead.",
    }


def test_undo_puts_back_the_last_change_even_while_it_saves(cohort, login, live_server, page):
    """Ctrl+Z right after a key, before its save has answered, waits for that answer and saves the
    value before with the new record version; then a pasted column is undone as one change."""
    agents = {a.first_name: a for a in cohort.agents.all()}
    ahip, tbt = (Task.objects.get(code=c) for c in ("ahip", "tbt"))

    def version(name, task):
        return page.locator(f"input[name='c{agents[name].pk}-{task.pk}-version']")

    with time_machine.travel(datetime.datetime(2026, 11, 25, 15, tzinfo=datetime.UTC), tick=True):
        login("tl1")
        page.goto(f"{live_server.url}/tracker/cohorts/{cohort.pk}/")
        page.wait_for_load_state("load")
        page.get_by_label("AHIP, Ana Agent").focus()
        page.keyboard.press("c")  # Complete...
        page.keyboard.press("Control+z")  # ...undone at once, while it is still being saved
        expect(version("Ana", ahip)).to_have_value("2")  # both saves answered, in turn
        expect(page.get_by_label("AHIP, Ana Agent")).to_have_value("not_started")

        page.get_by_label("TBT, Ben Agent").focus()
        page.evaluate(PASTE, {"text": "Complete\nVerified\n"})  # Ben and Cy
        expect(version("Cy", tbt)).to_have_value("1")
        expect(version("Ben", tbt)).to_have_value("1")
        page.get_by_label("TBT, Ben Agent").focus()
        page.keyboard.press("Control+z")  # the whole paste
        expect(version("Cy", tbt)).to_have_value("2")
        expect(version("Ben", tbt)).to_have_value("2")

    statuses = {(s.agent.first_name, s.task.code): (s.status, s.version) for s in TaskStatus.objects.all()}
    assert statuses == {
        ("Ana", "ahip"): ("not_started", 2),
        ("Ben", "tbt"): ("not_started", 2),
        ("Cy", "tbt"): ("not_started", 2),
    }


def test_the_roll_calls_count_of_rows_not_taken_follows_each_save(cohort, login, live_server, page):
    """Without a reload: two rows typed leave 3 of 5 to take; Mark all present then has none."""
    agents = {a.first_name: a for a in cohort.agents.all()}
    with time_machine.travel(datetime.datetime(2026, 11, 25, 15, tzinfo=datetime.UTC), tick=True):
        login("tl1")
        page.goto(f"{live_server.url}/attendance/cohorts/{cohort.pk}/roll-call/")
        page.wait_for_load_state("load")
        expect(page.locator("#mark-all-button")).to_have_text("Mark all present (5 not taken)")
        for name, typed in (("Ana", "09:20"), ("Ben", "09:00")):
            page.get_by_label(f"Arrival, {name} Agent").fill(typed)
            page.get_by_label(f"Arrival, {name} Agent").press("Tab")
            expect(page.locator(f"#row-{agents[name].pk} [role=status]")).to_contain_text("Saved")
        expect(page.locator("#mark-all-button")).to_have_text("Mark all present (3 not taken)")
        page.get_by_label("Absent all day, Cy Agent").check()
        expect(page.locator(f"#row-{agents['Cy'].pk} [role=status]")).to_contain_text("Saved")
        expect(page.locator("#mark-all-button")).to_have_text("Mark all present (2 not taken)")
        page.locator("#mark-all-button").click()
        expect(page.locator("#mark-all-button")).to_be_disabled()
        expect(page.locator("#mark-all-button")).to_have_text("Mark all present")

    assert AttendanceRecord.objects.filter(agent__cohort=cohort).count() == 5


def test_the_board_open_in_another_tab_follows_a_save_in_the_tracker(cohort, login, live_server, page):
    """The TL keeps the board open beside the tracker: a cell set done there changes the board's
    count of open tasks without a reload, and so does coming back to the board's tab."""
    with time_machine.travel(datetime.datetime(2026, 11, 25, 15, tzinfo=datetime.UTC), tick=True):
        login("tl1")
        expect(page).to_have_url(re.compile("/cohorts/board/"))
        board = page.context.new_page()
        board.goto(f"{live_server.url}/cohorts/board/")
        board.wait_for_load_state("load")
        count = board.locator(f"#board-card-{cohort.pk} a[href$='?show=close']")
        before = int(count.inner_text())

        page.goto(f"{live_server.url}/tracker/cohorts/{cohort.pk}/")
        page.wait_for_load_state("load")
        page.get_by_label("AHIP, Ana Agent").focus()
        page.keyboard.press("c")  # Complete: one open task fewer
        saved(page, 1)
        expect(count).to_have_text(str(before - 1))  # the other tab, without a reload

    assert TaskStatus.objects.get(agent__first_name="Ana", task__code="ahip").status == "complete"
