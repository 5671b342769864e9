"""Events, and the unit of work that runs the reactions to them inside the writer's transaction.

A lower app never imports an upper one: when something happens that an upper app reacts to,
the lower app's service sends an event, and the upper app's receivers (subscribed from its
AppConfig.ready) run. The flow of every write:

    with unit():                 # instead of transaction.atomic, around the service's writes
        ...writes...
        emit(TaskStatusChanged(...))   # receivers run now, in the same transaction

A receiver does one of three things:
- writes at once (a ticket drafted for the event), in the same transaction;
- `collect`s work that must run once however many events call for it (an agent's escalation
  rules, their readiness): the unit runs each batch once, with every key collected, just before
  it commits, so the facts the rules read are the ones being committed;
- hands work that leaves the database (enqueuing an email) to `after_commit`: it runs once the
  transaction has committed, and a failure there is logged, never raised: the write stands.

Bulk writes send the same events as single ones, with several rows in them.
"""

import contextvars
import logging
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction

logger = logging.getLogger(__name__)


class Event:
    """The base of every event: subclasses are frozen dataclasses that say what happened."""


_receivers: dict[type, list[Callable[[Event], None]]] = defaultdict(list)


def subscribe(event_type: type[Event], receiver: Callable[[Event], None]) -> None:
    """Call `receiver(event)` for every event of `event_type` (or of a subclass) that is sent."""
    if receiver not in _receivers[event_type]:
        _receivers[event_type].append(receiver)


def receives(*event_types: type[Event]):
    """Decorator form of `subscribe`, for the receivers modules that AppConfig.ready imports."""

    def register(func):
        for event_type in event_types:
            subscribe(event_type, func)
        return func

    return register


def receivers_of(event_type: type[Event]) -> list[Callable[[Event], None]]:
    return [r for cls in event_type.__mro__ for r in _receivers.get(cls, [])]


def emit(event: Event) -> None:
    """Send `event` to its receivers, now, in the caller's transaction."""
    logger.debug("event %s", event)
    for receiver in receivers_of(type(event)):
        receiver(event)


# --- The unit of work ----------------------------------------------------------------------------


@dataclass
class _Batch:
    order: int
    handler: Callable[[set], None]
    keys: set = field(default_factory=set)


class Unit:
    """The work a service's transaction has collected to do once, before it commits."""

    def __init__(self) -> None:
        self.batches: dict[str, _Batch] = {}

    def collect(
        self, name: str, keys: Iterable[Hashable], handler: Callable[[set], None], order: int
    ) -> None:
        batch = self.batches.setdefault(name, _Batch(order, handler))
        batch.keys.update(keys)

    def flush(self) -> None:
        """Run the batches, lowest order first; a batch may collect more work, which runs too."""
        while self.batches:
            name = min(self.batches, key=lambda n: self.batches[n].order)
            batch = self.batches.pop(name)
            if batch.keys:
                batch.handler(batch.keys)


_current: contextvars.ContextVar[Unit | None] = contextvars.ContextVar("esp_unit", default=None)


@contextmanager
def unit():
    """A transaction whose collected work runs once, at its end, before the commit.

    Nested units join the outer one, without a savepoint of their own: a service that calls
    another still commits, and runs its collected work, once, and a failure anywhere rolls all
    of it back. A caller that means to survive a failed write wraps it in transaction.atomic().
    """
    outer = _current.get()
    if outer is not None:
        with transaction.atomic(savepoint=False):
            yield outer
        return
    work = Unit()
    token = _current.set(work)
    try:
        with transaction.atomic():
            # First of the commit's hooks, so it holds even when a later one finds the database gone.
            transaction.on_commit(_note_commit, robust=True)
            yield work
            work.flush()
    finally:
        _current.reset(token)


_committed: contextvars.ContextVar[bool] = contextvars.ContextVar("esp_committed", default=False)


def _note_commit() -> None:
    _committed.set(True)


@contextmanager
def watching_commits():
    """Around one request: within it, `committed()` says whether a unit of work has committed."""
    token = _committed.set(False)
    try:
        yield
    finally:
        _committed.reset(token)


def committed() -> bool:
    """Whether a unit of work has committed since `watching_commits()` began: a failure after
    that point must not tell the user their change was lost."""
    return _committed.get()


def in_unit() -> bool:
    return _current.get() is not None


def collect(name: str, keys: Iterable[Hashable], handler: Callable[[set], None], *, order: int = 50) -> None:
    """Run `handler(all keys collected under name)` once before the current unit commits; at once
    when no unit is open (a write outside any service, such as the Django admin's)."""
    work = _current.get()
    if work is None:
        keys = set(keys)
        if keys:
            handler(keys)
        return
    work.collect(name, keys, handler, order)


def after_commit(func: Callable[[], None]) -> None:
    """Run `func` once the transaction commits; an error there is logged, not raised, because the
    write it follows has been committed and must not be reported as failed."""
    transaction.on_commit(func, robust=True)


# What a request hands to workers (Celery tasks, notices) and writes to Redis waits until its
# answer has been sent (request_finished: a WSGI server closes the response after its last byte):
# the user is not kept waiting for the broker or the shared cache. Outside a request (jobs,
# commands) it goes at once.
_after_answer: contextvars.ContextVar[list | None] = contextvars.ContextVar("esp_after_answer", default=None)


def hold_until_answered(**kwargs) -> None:
    """request_started: what the request hands over waits for run_after_answer."""
    _after_answer.set([])


def answering() -> object | None:
    """The request being answered (a token that stays the same until its answer is sent), or
    None outside a request: for work that gathers what a request holds before it runs once."""
    return _after_answer.get()


def run_after_answer(**kwargs) -> None:
    """request_finished: the answer has been sent; run what the request held, in order."""
    held = _after_answer.get()
    _after_answer.set(None)
    for func in held or ():
        try:
            func()
        except Exception:  # the answer has been sent: the write it follows stands
            logger.exception("Could not run %r after the answer", func)


def after_answer(func: Callable[[], None]) -> None:
    """Run `func` once the current request's answer has been sent; at once outside a request."""
    held = _after_answer.get()
    if held is None:
        func()
    else:
        held.append(func)


_tasks_here: contextvars.ContextVar[bool] = contextvars.ContextVar("tasks_here", default=False)


@contextmanager
def tasks_here():
    """Within it, the tasks that writes hand to a worker run in this process instead, right after
    their commit: for a command that writes a great deal at once (seeding the demo), which would
    otherwise queue hundreds of tasks ahead of the scheduled jobs."""
    token = _tasks_here.set(True)
    try:
        yield
    finally:
        _tasks_here.reset(token)


def hand_over(task, *args, **options) -> None:
    """Give `task(*args)` (a Celery task) to a worker, with Celery's `options` (a priority), or
    run it here inside `tasks_here()`."""
    if _tasks_here.get():
        task(*args)
    else:
        task.apply_async(args, **options)


def queue_after_commit(task, *args) -> None:
    """Once the transaction commits (and, in a request, its answer has been sent), hand
    `task(*args)` (a Celery task) to a worker; if no broker answers, run it here, logged. Either
    way the write it follows stands."""

    def enqueue() -> None:
        try:
            hand_over(task, *args)
        except Exception:
            logger.warning("Could not queue %s%r; running it now", task.name, args)
            task(*args)

    after_commit(lambda: after_answer(enqueue))
