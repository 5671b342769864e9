"""At risk: the agent's remaining required work cannot fit in the remaining ESP days, given the
tasks' due days and the exam attempts left, or something else stands in the way (an open red
flag, a CAP). Every reason is said in plain words; a normal cohort on day 1 has next to none.

How much work fits in a day is read from the task list itself: the most tasks the Agent
Timeframe Expectations put on one ESP day. The remaining work fits when, for every remaining
ESP day, the tasks due by then (overdue ones count as due today) are no more than that many
per day; the check is the earliest-due-first schedule's.
"""

import datetime
from collections import Counter


def capacity(tasks) -> int:
    """The most tasks the plan puts on one ESP day (at least one)."""
    counts = Counter(t.due_day for t in tasks)
    return max(counts.values(), default=1)


def remaining_days(cohort, now: datetime.datetime) -> list[datetime.date]:
    """The ESP days still available for work: today until the cohort's end of day, then later ones."""
    local = now.astimezone(cohort.tzinfo)
    today = local.date()
    return [d for d in cohort.esp_days if d > today or (d == today and local.time() < cohort.end_of_day_time)]


def _names(cells) -> str:
    return ", ".join(c.task.name for c in cells)


def _days(n: int) -> str:
    return f"{n} ESP day{'s' if n != 1 else ''}"


def _tasks(n: int) -> str:
    return f"{n} task{'s' if n != 1 else ''}"


def risks_of(line, cohort_day) -> list[str]:
    """Why the agent may not finish ESP on time, in plain words (empty when on track)."""
    if not line.attending:
        return []
    cohort, now = line.agent.cohort, cohort_day.now
    reasons = []
    left = [c for c in line.cells if not c.done]
    exhausted = [c for c in left if c.limit_reached]
    for cell in exhausted:
        reasons.append(
            f"{cell.task.name}: no attempts left ({cell.failed} failed, limit {cell.task.attempt_limit})"
        )
    workable = [c for c in left if c not in exhausted]
    days = remaining_days(cohort, now)
    if workable and not days:
        reasons.append(f"the ESP week is over with {_tasks(len(workable))} open: {_names(workable)}")
    elif workable:
        per_day = capacity(cohort_day.tasks)
        first = days[0]

        def due(cell) -> datetime.date:
            d = cell.task.due_date(cohort)
            if cell.carried:
                d = max(d, cell.carried.until(cohort))
            return max(d, first)

        for k, day in enumerate(days, start=1):
            by_then = [c for c in workable if due(c) <= day]
            if len(by_then) > k * per_day:
                reasons.append(
                    f"{_tasks(len(by_then))} due by {day:%a %-d %b} ({_names(by_then)}), with "
                    f"{_days(k)} left for them at {per_day} a day"
                )
                break
        else:
            if len(workable) > len(days) * per_day:
                reasons.append(f"{_tasks(len(workable))} left for {_days(len(days))} at {per_day} a day")
    if line.open_flags:
        reasons.append(f"{line.open_flags} open red flag{'s' if line.open_flags > 1 else ''}")
    if line.cap_rank >= 2:
        reasons.append("on a CAP")
    return reasons
