"""The pages that combine every app: each role's start page, the TL's day board and closing the
day, the PM dashboard, the cohort page, the agent page, moving an agent to production and the
handoff. Every fact they show comes from the rule that owns it (desk.board, desk.readiness,
the apps' selectors); the views only choose what to read and render it."""

import datetime
import functools

import weasyprint
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from attendance.accountability import publish_rule, rule_what_if, what_if
from attendance.forms import LevelFormSet, PolicyDraftForm, RuleDraftForm
from attendance.models import (
    AttendancePolicy,
    AttendanceRecord,
    CorrectiveAction,
    CorrectiveLevel,
    EscalationRule,
)
from attendance.selectors import open_issues
from attendance.services import publish_policy, save_ladder
from certifications.forms import MoveTermsForm, TaskTermsForm
from certifications.models import Handoff, Proof, Task, TaskTerms
from certifications.selectors import (
    active_tasks,
    agent_record,
    cohorts_taking,
    handoffs_awaiting,
    move_preview,
)
from certifications.services import (
    TermsError,
    TrackerError,
    acknowledge_handoff,
    move_cohort_terms,
    publish_task_terms,
)
from cohorts.access import Action, capabilities, is_admin, sees_confidential, sees_dashboard, start_page
from cohorts.forms import PersonForm, ScheduleForm
from cohorts.models import Agent, Cohort, PersonChange, Schedule
from cohorts.selectors import agent_for, agent_in, cohort_for
from cohorts.services import PersonError, save_person, save_schedule
from cohorts.tables import ReadOnlyRosterTable, RosterTable
from core import tables
from core.fragments import digest
from core.history import history_entries
from desk.accounts import invite
from desk.agent_page import agent_page_parts
from desk.board import active_and_upcoming, active_cohorts, bar_counts, closed_day_edits, collect
from desk.dashboard import (
    cohort_summaries,
    outcome_charts,
    past_outcomes,
    recent_completed,
)
from desk.endofday import DayNotClosed, carry_over_agent, close_day
from desk.forms import CarryOverForm, MoveToProductionForm
from desk.readiness import move_to_production, readiness_blockers
from desk.templatetags.cohort_bar import PAGES as bar_pages
from desk.templatetags.cohort_bar import page_url as bar_page_url
from notifications.digest import send_test_digest
from tickets.forms import (
    ContactFormSet,
    FieldFormSet,
    PlaybookSettingsForm,
    TicketForm,
    TicketTypeSettingsForm,
)
from tickets.models import Playbook, TicketType
from tickets.services import save_playbook, save_ticket_form, unsubmitted_count


@login_required
def home(request):
    """Each role's start page: the TL's day board, the PM's dashboard, WFM's attendance."""
    return redirect(start_page(request.user))


@login_required
def about(request):
    """What ESP Tracker is, with one figure: also the benchmark's baseline page (one query)."""
    return render(request, "desk/about.html", {"cohort_count": Cohort.objects.count()})


# --- The TL's day --------------------------------------------------------------------------------


class BoardCard:
    """One cohort's card on the board: what its cache key needs, and its day, read only when
    the cached card is missing (every card's day is read at once, in a fixed number of queries)."""

    def __init__(self, cohort, caps, days, edits):
        self.cohort, self.caps, self._days, self._edits = cohort, caps, days, edits
        self.phase = cohort.phase()

    def day(self):
        return self._days()[self.cohort.pk]

    def edits(self):
        """Changes after a close (the previous ESP day's and today's), with their reasons."""
        return self._edits().get(self.cohort.pk, [])


def _board_cards(user, cohorts) -> list[BoardCard]:
    """The board's cards of `cohorts`; their days are read, together, only if a card misses."""
    confidential = sees_confidential(user)

    @functools.cache
    def days() -> dict:
        return {d.cohort.pk: d for d in collect(cohorts, user=user, sees_confidential=confidential)}

    @functools.cache
    def edits() -> dict:
        return closed_day_edits(cohorts)

    return [BoardCard(c, capabilities(user, c), days, edits) for c in cohorts]


@login_required
def board(request):
    """The TL's whole day: each cohort they lead in its ESP week, today in its own zone; and the
    cohorts they lead that start soon."""
    led = Cohort.objects.visible_to(request.user, Action.EDIT).filter(tl=request.user)
    cohorts, upcoming = active_and_upcoming(led, upcoming=5)
    cards = _board_cards(request.user, cohorts)
    context = {
        "cards": cards,
        "upcoming": upcoming,
        "handoffs": handoffs_awaiting(request.user),
        "timeout": settings.PAGE_CACHE_SECONDS,
    }
    return render(request, "desk/board.html", context)


@login_required
@require_GET
def board_card(request, pk: int):
    """One cohort's card of the board, for htmx to swap in when a save elsewhere (another tab, or
    the page the TL comes back from) may have changed its counts; 404 unless the user leads it."""
    led = Cohort.objects.visible_to(request.user, Action.EDIT).filter(tl=request.user, pk=pk)
    cohorts = active_cohorts(led, people=False)  # the board names neither
    if not cohorts:
        raise Http404("Not a cohort of yours in its ESP week.")
    context = {"card": _board_cards(request.user, cohorts)[0], "timeout": settings.PAGE_CACHE_SECONDS}
    return render(request, "desk/board.html#board-card", context)


def _back(request, cohort):
    """Where a close or a carry-over returns: the page it was sent from, if it is the board or
    one of the cohort's own pages (never an address from elsewhere)."""
    url = request.POST.get("next", "")
    pages = [reverse("desk:board"), cohort.get_absolute_url()] + [
        reverse(name, args=[cohort.pk])
        for name in (
            "certifications:tracker",
            "certifications:notes",
            "attendance:roll_call",
            "tickets:list",
            "attendance:matrix",
        )
    ]
    tracker = reverse("certifications:tracker", args=[cohort.pk])
    return url if url in pages or url == f"{tracker}?show=close" else reverse("desk:board")


@login_required
@require_POST
def close_day_view(request, pk: int):
    """The TL signs off the cohort's today once nothing is open."""
    cohort, caps = cohort_for(request.user, pk, Action.EDIT)
    if not caps.close_day:
        raise PermissionDenied("The cohort's team lead closes the day.")
    try:
        _, created = close_day(cohort=cohort, by=request.user)
    except DayNotClosed as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"{cohort}: day closed." if created else f"{cohort}: the day was already closed."
        )
    url = _back(request, cohort)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@login_required
@require_POST
def carry_over_view(request, pk: int, agent_pk: int):
    """Carry all of an agent's open items of today over to the next ESP day, with a reason."""
    cohort, caps = cohort_for(request.user, pk, Action.EDIT)
    agent = agent_in(cohort, agent_pk)
    if agent is None:
        raise Http404("No such agent in this cohort.")
    form = CarryOverForm(request.POST)
    if form.is_valid():
        try:
            count = carry_over_agent(
                agent=agent, day=cohort.local_today(), reason=form.cleaned_data["reason"], by=request.user
            )
        except TrackerError as exc:
            messages.error(request, f"{agent}: {exc}")
        else:
            messages.success(
                request, f"{agent}: {count} task{'s' if count != 1 else ''} carried over to the next ESP day."
            )
    else:
        messages.error(request, f"{agent}: say why the open items are carried over.")
    url = _back(request, cohort)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# --- The PM's dashboard --------------------------------------------------------------------------


@login_required
def dashboard(request):
    """The PM's view of the active cohorts they manage (every cohort for ESP managers)."""
    if not sees_dashboard(request.user):
        raise PermissionDenied("The dashboard is for program managers and ESP managers.")
    visible = Cohort.objects.visible_to(request.user, Action.RECORDS)
    completed = recent_completed(visible)
    confidential = sees_confidential(request.user)
    version = digest(
        (
            [(c.pk, c.revision, c.phase()) for c in active_cohorts(visible, for_key=True)],
            [(c.pk, c.revision) for c in completed],
            confidential,
        )
    )

    @functools.cache
    def content() -> dict:
        """What the cached dashboard shows: built only when the cache misses, and then only the
        summaries of cohorts whose revision changed."""
        cohorts = active_cohorts(visible)
        summaries = cohort_summaries(cohorts, user=request.user, sees_confidential=confidential)
        return {
            "cohort_days": summaries,
            "tasks": [task for task, _ in summaries[0].completion] if summaries else [],
            "at_risk": [(s, s.at_risk) for s in summaries if s.at_risk],
            "at_risk_count": sum(s.at_risk_count for s in summaries),
            "ready": [(s, mention) for s in summaries for mention in s.ready],
        }

    @functools.cache
    def outcomes() -> dict:
        """Past cohorts' outcomes: cached on their own, as a write in an active cohort leaves them."""
        weeks = past_outcomes(completed)
        return {"charts": outcome_charts(weeks), "weeks": weeks}

    context = {
        "issues": open_issues(visible, request.user),
        "content": content,
        "outcomes": outcomes,
        "outcomes_version": digest([(c.pk, c.revision) for c in completed]),
        "version": version,
        "timeout": settings.PAGE_CACHE_SECONDS,
    }
    return render(request, "desk/dashboard.html", context)


@login_required
@require_GET
def cohort_bar(request, pk: int, current: str):
    """The cohort bar with its counts, for htmx to swap in after the page and after each save."""
    cohort, caps = cohort_for(request.user, pk)
    if current not in bar_pages:
        raise Http404("No such page.")
    counts = bar_counts(cohort, user=request.user, sees_confidential=caps.confidential)
    context = {
        "cohort": cohort,
        "current": current,
        "caps": caps,
        "counts": counts,
        "back": bar_page_url(cohort, current),
    }
    return render(request, "desk/_cohort_bar.html", context)


# --- The cohort page -----------------------------------------------------------------------------


@login_required
def cohort_detail(request, pk: int):
    cohort, caps = cohort_for(request.user, pk)
    timezone.activate(cohort.tzinfo)
    today = cohort.local_today()
    sort = request.GET.get("sort", "")[:40]

    @functools.cache
    def page() -> dict:
        """What the cached part shows (facts, end of day, roster): built only when it misses. The
        roster table is cached again under a digest of the agents it lists, so a write to a task
        or a note, which leaves the roster as it was, does not render it again."""
        agents = sorted(
            Agent.objects.filter(cohort=cohort).select_related("production_tl"),
            key=lambda a: (a.last_name, a.first_name, a.pk),
        )

        @functools.cache
        def table():
            roster = (RosterTable if caps.records else ReadOnlyRosterTable)(agents)
            tables.configure(request, roster)
            return roster

        day = None
        if caps.records and cohort.day_number(today):
            (day,) = collect([cohort], user=request.user, sees_confidential=caps.confidential)
        shown = [
            (a.pk, a.first_name, a.last_name, a.employee_id, a.email, a.phone, a.equipment_source, a.status)
            + (
                (a.production_tl.pk, a.production_tl.get_full_name(), a.production_tl.username)
                if a.production_tl
                else ()
            )
            for a in agents
        ]
        return {
            "table": table,
            "roster_key": digest(caps.records, sort, shown),
            "agent_count": len(agents),
            "ready_agents": [a for a in agents if a.status == Agent.Status.READY] if caps.records else [],
            "d": day,
            "end_of_day": day.report if day is not None and caps.edit else None,
            "unsubmitted": unsubmitted_count(cohort) if caps.records else 0,
        }

    return render(
        request,
        "desk/cohort_detail.html",
        {
            "cohort": cohort,
            "caps": caps,
            "page": page,
            "phase": cohort.phase(),
            "sort": sort,
            "day_number": cohort.day_number(today),
            "today": today,
            "timeout": settings.PAGE_CACHE_SECONDS,
        },
    )


# --- The agent page ------------------------------------------------------------------------------


@login_required
def agent_detail(request, pk: int):
    """The agent page: details, the tracker record, coaching and CAPs, tickets and troubleshooting,
    history; each part cached on its own under what it shows (desk.agent_page)."""
    agent, caps = agent_for(request.user, pk)
    timezone.activate(agent.cohort.tzinfo)
    parts = agent_page_parts(request, agent, caps, timezone.now())
    return render(request, "desk/agent_detail.html", {"agent": agent, "cohort": agent.cohort, "parts": parts})


@login_required
@require_POST
def move(request, agent_pk: int):
    agent, caps = agent_for(request.user, agent_pk, Action.EDIT)
    if not caps.manage:
        raise PermissionDenied("Only the cohort's PM (or an admin) moves agents to production.")
    form = MoveToProductionForm(request.POST)
    if form.is_valid():
        try:
            move_to_production(
                agent=agent,
                production_tl=form.cleaned_data["production_tl"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except TrackerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{agent} moved to production.")
            return redirect(reverse("desk:handoff", args=[agent.pk]))
    context = {"agent": agent, "cohort": agent.cohort, "caps": caps, "move_form": form}
    return render(
        request,
        "certifications/agent_form_page.html",
        {**context, "part": "desk/agent_forms.html#move-form"},
        status=400,
    )


@login_required
@require_GET
def handoff(request, agent_pk: int):
    """A printable page for the agent's new TL: attendance, CAPs, notes, tasks not done, red flags."""
    agent, caps = agent_for(request.user, agent_pk)
    timezone.activate(agent.cohort.tzinfo)
    record = agent_record(agent, user=request.user, caps=caps, now=timezone.now())
    attendance = list(AttendanceRecord.objects.filter(agent=agent))
    actions = list(CorrectiveAction.objects.filter(agent=agent).select_related("level"))
    handoff_row = Handoff.objects.filter(agent=agent).select_related("to_tl", "moved_by").first()
    context = {
        "agent": agent,
        "cohort": agent.cohort,
        "caps": caps,
        "attendance": attendance,
        "occurrences": [(r, r.occurrence_labels()) for r in attendance if r.occurrences],
        "not_done": [c for c in record["cells"] if not c.done],
        "actions": actions,
        "handoff": handoff_row,
        "blockers": readiness_blockers(agent, user=request.user, sees_confidential=caps.confidential),
        "can_acknowledge": bool(
            handoff_row and handoff_row.to_tl_id == request.user.pk and not handoff_row.acknowledged_at
        ),
        "done": [c for c in record["cells"] if c.done],
        "verified_proofs": [p for p in record["proofs"] if p.review == Proof.Review.VERIFIED],
        **record,
    }
    if request.GET.get("format") == "pdf":
        html = render(request, "desk/handoff_document.html", context).content.decode()
        pdf = weasyprint.HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="handoff-{agent.employee_id}.pdf"'
        return response
    return render(request, "desk/handoff.html", context)


@login_required
@require_POST
def handoff_acknowledge(request, agent_pk: int):
    agent, _ = agent_for(request.user, agent_pk)
    record = get_object_or_404(Handoff, agent=agent)
    try:
        acknowledge_handoff(handoff=record, by=request.user)
    except TrackerError as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(request, f"You acknowledged the handoff of {agent}.")
    return redirect(reverse("desk:handoff", args=[agent.pk]))


# --- Settings, for ESP admins (staff; a superuser is not needed) -----------------------------------


def _admin_only(request) -> None:
    if not is_admin(request.user):
        raise PermissionDenied("Settings are for ESP admins.")


@login_required
@require_GET
def settings_index(request):
    """The settings an ESP admin runs without a developer, and where each is edited."""
    _admin_only(request)
    return render(request, "desk/settings/index.html", {"schedule": Schedule.current()})


@login_required
def settings_schedule(request):
    """When the scheduled jobs run and whom they tell: one row, never deleted, with its history."""
    _admin_only(request)
    schedule = Schedule.objects.order_by("pk").first() or Schedule(**Schedule.DEFAULTS)
    form = ScheduleForm(request.POST or None, instance=schedule)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            save_schedule(schedule=form.instance, by=request.user)
            messages.success(request, "The schedule is saved; the jobs use it from their next run.")
            return redirect(reverse("desk:settings_schedule"))
        status = 400
    context = {
        "form": form,
        "schedule": schedule,
        "cohorts": Cohort.objects.filter(status=Cohort.Status.ACTIVE).order_by("start_date", "name"),
        "history": history_entries(schedule.history.all()) if schedule.pk else [],
    }
    return render(request, "desk/settings/schedule.html", context, status=status)


@login_required
@require_POST
def settings_test_digest(request):
    """Send the WFM digest as it would go now to the admin alone: nothing is marked as told."""
    _admin_only(request)
    if not request.user.email:
        messages.error(request, "Your account has no email address to send the test to.")
    elif send_test_digest(to=request.user) is None:
        messages.error(request, "The test digest could not be made; see the log.")
    else:
        messages.success(
            request, f"A test digest is on its way to {request.user.email}; WFM was not sent it."
        )
    return redirect(reverse("desk:settings_schedule"))


@login_required
@require_GET
def settings_people(request):
    """Everyone with an account: their roles and cohorts, active or not; a new person from here."""
    _admin_only(request)
    people = (
        get_user_model()
        .objects.prefetch_related("groups", "led_cohorts", "managed_cohorts")
        .order_by("-is_active", "first_name", "last_name")
    )
    return render(request, "desk/settings/people.html", {"people": people})


@login_required
def settings_person(request, pk: int | None = None):
    """Create a person (invited to set their own password) or change one: roles, cohorts led and
    managed, admin rights, active or not; with what was changed, by whom and when."""
    _admin_only(request)
    person = get_object_or_404(get_user_model(), pk=pk) if pk else get_user_model()()
    form = PersonForm(request.POST or None, instance=person)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            new = person.pk is None
            try:
                save_person(
                    person=form.instance,
                    roles=set(data["roles"]),
                    admin=data["admin"],
                    leads=set(data["leads"]),
                    manages=set(data["manages"]),
                    by=request.user,
                )
            except PersonError as exc:
                form.add_error(exc.field, str(exc))
            else:
                if new:
                    invite(form.instance)
                    who, address = form.instance.get_full_name(), form.instance.email
                    messages.success(request, f"{who} is invited: {address} has the link to set a password.")
                else:
                    messages.success(request, f"{form.instance.get_full_name()} is saved.")
                return redirect(reverse("desk:settings_person", args=[form.instance.pk]))
        status = 400
    context = {
        "form": form,
        "person": person,
        "changes": PersonChange.objects.filter(person=person).select_related("by") if person.pk else [],
    }
    return render(request, "desk/settings/person.html", context, status=status)


@login_required
def settings_policy(request):
    """The attendance policy's versions, and a new one drafted from the one in force, previewed
    over a past range (what would change class, which recommendations would appear or go, which
    digests would carry corrections) before it is published. Publishing rewrites no past record."""
    _admin_only(request)
    current = AttendancePolicy.objects.order_by("-effective_from").first()
    today = timezone.localdate()
    initial = {
        "effective_from": today + datetime.timedelta(days=1),
        "start": today - datetime.timedelta(days=28),
        "end": today,
    }
    if current:
        initial |= {
            "tardy_minutes": current.tardy_minutes,
            "partial_day_minutes": current.partial_day_minutes,
            "time_away_counts": current.time_away_counts,
        }
    form = PolicyDraftForm(request.POST or None, initial=initial)
    preview, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            draft, data = form.save(commit=False), form.cleaned_data
            if request.POST.get("action") == "publish":
                publish_policy(draft=draft, by=request.user)
                messages.success(
                    request,
                    f"The policy in force from {draft.effective_from:%a %-d %b %Y} is published. No past "
                    "record changed: to apply it to past days, reclassify them (you see the changes first).",
                )
                return redirect(reverse("desk:settings_policy"))
            preview = what_if(draft=draft, start=data["start"], end=data["end"])
        else:
            status = 400
    versions = AttendancePolicy.objects.select_related("created_by").annotate(classified=Count("records"))
    context = {"form": form, "preview": preview, "versions": versions, "current": current}
    return render(request, "desk/settings/policy.html", context, status=status)


@login_required
@require_GET
def settings_rules(request):
    """The escalation rules in force and the ladder they recommend steps of."""
    _admin_only(request)
    context = {
        "rules": EscalationRule.objects.filter(active=True).select_related("level", "created_by"),
        "levels": CorrectiveLevel.objects.all(),
    }
    return render(request, "desk/settings/rules.html", context)


@login_required
def settings_rule(request, pk: int):
    """The next version of one rule, drafted from the one in force: who would be recommended today
    under it, then published; earlier versions stay with the recommendations they made."""
    _admin_only(request)
    rule = get_object_or_404(EscalationRule.objects.select_related("level"), pk=pk, active=True)
    draft = EscalationRule(
        name=rule.name, kind=rule.kind, occurrence_kinds=rule.occurrence_kinds, window=rule.window,
        window_days=rule.window_days, threshold=rule.threshold, free_incidents=rule.free_incidents,
        level=rule.level, note=rule.note,
    )  # fmt: skip
    form = RuleDraftForm(request.POST or None, instance=draft)
    preview, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            if request.POST.get("action") == "publish":
                new = publish_rule(draft=form.save(commit=False), replaces=rule, by=request.user)
                messages.success(
                    request, f"{new} is in force; version {rule.version} made its last recommendation."
                )
                return redirect(reverse("desk:settings_rules"))
            appear, disappear = rule_what_if(draft=form.save(commit=False), replaces=rule)
            preview = {"appear": appear, "disappear": disappear}
        else:
            status = 400
    versions = EscalationRule.objects.filter(name=rule.name).select_related("level", "created_by")
    context = {"rule": rule, "form": form, "preview": preview, "versions": versions}
    return render(request, "desk/settings/rule.html", context, status=status)


@login_required
@require_GET
def settings_ticket_forms(request):
    """The forms a TL submits, and where each goes."""
    _admin_only(request)
    types = TicketType.objects.prefetch_related("fields")
    return render(request, "desk/settings/ticket_forms.html", {"types": types})


@login_required
def settings_ticket_form(request, pk: int):
    """One ticket form: where it goes (the address checked), its fields (label, kind, a choice
    list's options, required, order), and a preview of it as the TL sees it."""
    _admin_only(request)
    ticket_type = get_object_or_404(TicketType, pk=pk)
    type_form = TicketTypeSettingsForm(request.POST or None, instance=ticket_type)
    fields = FieldFormSet(request.POST or None, instance=ticket_type, prefix="fields")
    last = max((f.position for f in ticket_type.fields.all()), default=-1)
    for form in fields.extra_forms:
        form.initial.setdefault("position", last + 1)  # a new field goes last
    status = 200
    if request.method == "POST":
        if type_form.is_valid() and fields.is_valid():
            save_ticket_form(type_form=type_form, fields=fields, by=request.user)
            messages.success(request, f"{ticket_type.name} is saved; the preview shows it as the TL will.")
            return redirect(reverse("desk:settings_ticket_form", args=[ticket_type.pk]))
        status = 400
    preview = TicketForm(ticket_type=ticket_type, auto_id="preview_%s")
    history = history_entries(ticket_type.history.all())
    context = {"ticket_type": ticket_type, "type_form": type_form, "fields": fields, "preview": preview}
    return render(request, "desk/settings/ticket_form.html", context | {"history": history}, status=status)


@login_required
def settings_ladder(request):
    """The ladder's steps: their names, which need the PM's approval, and a CAP's windows (written
    response, appeal, how long it stays in force); with each step's history."""
    _admin_only(request)
    levels = LevelFormSet(
        request.POST or None, queryset=CorrectiveLevel.objects.order_by("rank"), prefix="levels"
    )
    status = 200
    if request.method == "POST":
        if levels.is_valid():
            save_ladder(levels=levels, by=request.user)
            messages.success(request, "The ladder is saved; its windows apply to CAPs handed over from now.")
            return redirect(reverse("desk:settings_ladder"))
        status = 400
    history = history_entries(CorrectiveLevel.history.all())
    return render(request, "desk/settings/ladder.html", {"levels": levels, "history": history}, status=status)


@login_required
@require_GET
def settings_playbooks(request):
    _admin_only(request)
    playbooks = Playbook.objects.select_related("opens").prefetch_related("contacts")
    return render(request, "desk/settings/playbooks.html", {"playbooks": playbooks})


@login_required
def settings_playbook(request, pk: int):
    """One troubleshooting playbook: its steps in order, the form it ends in, its contacts (each
    address checked for its kind), and the steps as the TL works through them."""
    _admin_only(request)
    playbook = get_object_or_404(Playbook, pk=pk)
    form = PlaybookSettingsForm(request.POST or None, instance=playbook)
    contacts = ContactFormSet(request.POST or None, instance=playbook, prefix="contacts")
    status = 200
    if request.method == "POST":
        if form.is_valid() and contacts.is_valid():
            save_playbook(playbook_form=form, contacts=contacts, by=request.user)
            messages.success(request, f"{playbook.name} is saved.")
            return redirect(reverse("desk:settings_playbook", args=[playbook.pk]))
        status = 400
    context = {"playbook": playbook, "form": form, "contacts": contacts}
    context["history"] = history_entries(playbook.history.all())
    return render(request, "desk/settings/playbook.html", context, status=status)


@login_required
def settings_tasks(request):
    """The tasks' due days and exam attempt limits, by version: a cohort is held to the version in
    force when it started unless moved. The next version is drafted from the newest, shown with
    what changes and which cohorts it would hold, then published."""
    _admin_only(request)
    tasks = active_tasks()
    today = timezone.localdate()
    initial = {"effective_from": today + datetime.timedelta(days=1)}
    form = TaskTermsForm(request.POST or None, tasks=tasks, today=today, initial=initial)
    preview, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            data, terms = form.cleaned_data, form.terms()
            if request.POST.get("action") == "publish":
                try:
                    version = publish_task_terms(
                        terms=terms, effective_from=data["effective_from"], note=data["note"], by=request.user
                    )
                except TermsError as exc:
                    form.add_error(exc.field, str(exc))
                else:
                    messages.success(
                        request,
                        f"Version {version.number} is published for cohorts starting from "
                        f"{version.effective_from:%a %-d %b %Y}; running cohorts keep their terms.",
                    )
                    return redirect(reverse("desk:settings_tasks"))
            else:
                changed = [
                    (t, (t.due_day, t.attempt_limit), terms[t.pk])
                    for t in tasks
                    if (t.due_day, t.attempt_limit) != terms[t.pk]
                ]
                preview = {"changed": changed, "cohorts": cohorts_taking(data["effective_from"])}
        if not form.is_valid():
            status = 400
    versions = list(TaskTerms.objects.select_related("published_by").order_by("-number"))
    cohorts = list(Cohort.objects.exclude(status=Cohort.Status.COMPLETED).order_by("start_date", "name"))
    held = TaskTerms.objects.held_to(cohorts, versions=versions)
    context = {
        "form": form,
        "preview": preview,
        "versions": [(v, [v.of(t) for t in tasks]) for v in versions],
        "tasks": tasks,
        "cohorts": [(c, held.get(c.pk)) for c in cohorts],
        "history": history_entries(Task.history.all()),
    }
    return render(request, "desk/settings/tasks.html", context, status=status)


@login_required
def settings_cohort_terms(request, pk: int):
    """Move one cohort to another version of the task terms: what changes for each of its agents
    (due dates, states, attempts left) is shown first; the move is made only when confirmed."""
    _admin_only(request)
    cohort = get_object_or_404(Cohort.objects.select_related("tl"), pk=pk)
    versions = list(TaskTerms.objects.order_by("-number"))
    current = TaskTerms.objects.held_to([cohort], versions=versions).get(cohort.pk)
    form = MoveTermsForm(request.POST or None, initial={"terms": current})
    preview, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            target = form.cleaned_data["terms"]
            # Moved only to the version whose changes were shown: another choice is previewed first.
            if request.POST.get("action") == "move" and request.POST.get("previewed") == str(target.pk):
                try:
                    move_cohort_terms(
                        cohort=cohort, terms=target, reason=form.cleaned_data["reason"], by=request.user
                    )
                except TermsError as exc:
                    form.add_error(exc.field, str(exc))
                else:
                    messages.success(request, f"{cohort.name} is held to version {target.number} from now.")
                    return redirect(reverse("desk:settings_tasks"))
            else:
                preview = {"target": target, "changes": move_preview(cohort, target, now=timezone.now())}
        if not form.is_valid():
            status = 400
    moves = [e for e in history_entries(cohort.history.all()) if e.reason.startswith("Held to task terms")]
    for entry in moves:  # the cohort's other fields are its own page's history
        entry.changes = [
            c for c in entry.changes if c.field == Cohort._meta.get_field("task_terms_day").verbose_name
        ]
    context = {"cohort": cohort, "current": current, "form": form, "preview": preview, "history": moves}
    return render(request, "desk/settings/cohort_terms.html", context, status=status)
