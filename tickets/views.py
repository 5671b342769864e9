import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from cohorts.access import Action, capabilities, cohort_filter
from cohorts.models import Agent, Cohort
from cohorts.selectors import agent_for, cohort_for
from core import tables
from tickets.filters import TicketFilter
from tickets.forms import CarrierTicketForm, NewTicketForm, ResolveForm, TicketForm
from tickets.models import Ticket, TicketAttachment
from tickets.selectors import ticket_files, troubleshooting
from tickets.services import (
    TicketError,
    TicketIncomplete,
    draft,
    draft_carrier_ticket,
    missing_fields,
    resolve_ticket,
    save_ticket,
    submit_ticket,
    submit_tickets,
    unsubmitted_count,
)
from tickets.tables import TicketTable


def _ticket_for(request, pk: int, action: str = Action.RECORDS):
    """The ticket with its type, agent and cohort if the user may act on its cohort, else 404;
    and the user's capabilities there."""
    queryset = Ticket.objects.select_related(
        "ticket_type", "cohort", "agent__cohort", "submitted_by", "resolved_by"
    )
    ticket = get_object_or_404(
        queryset.filter(cohort__in=Cohort.objects.filter(cohort_filter(request.user, action))), pk=pk
    )
    timezone.activate(ticket.cohort.tzinfo)
    return ticket, capabilities(request.user, ticket.cohort)


@login_required
def ticket_list(request, pk: int):
    """A cohort's tickets, by day (today by default), form, status and agent."""
    cohort, caps = cohort_for(request.user, pk, Action.RECORDS)
    timezone.activate(cohort.tzinfo)
    params = request.GET.copy()
    params.setdefault("day", cohort.local_today().isoformat())
    agents = Agent.objects.filter(cohort=cohort)
    ticket_filter = TicketFilter(
        params,
        queryset=Ticket.objects.filter(cohort=cohort).select_related("ticket_type", "agent", "submitted_by"),
        agents=agents,
    )
    table = TicketTable(ticket_filter.qs)
    tables.configure(request, table, per_page=50)
    return render(
        request,
        "tickets/ticket_list.html",
        {
            "cohort": cohort,
            "caps": caps,
            "filter": ticket_filter,
            "table": table,
            "unsubmitted": unsubmitted_count(cohort),
            "new_form": NewTicketForm(agents=agents) if caps.edit else None,
        },
    )


@login_required
def review_and_submit(request, pk: int):
    """The cohort's drafts up to today, each editable, with one submit for all that are complete:
    the ones still missing a field stay drafts, with the field marked."""
    cohort, caps = cohort_for(request.user, pk, Action.EDIT)
    timezone.activate(cohort.tzinfo)
    drafts = list(
        Ticket.objects.filter(cohort=cohort)
        .unsubmitted(on=cohort.local_today())
        .select_related("ticket_type", "agent")
        .prefetch_related("ticket_type__fields")
        .order_by("day", "agent__last_name", "agent__first_name", "pk")
    )

    def form_of(ticket, data=None, files=None):
        return TicketForm(
            data,
            files,
            ticket_type=ticket.ticket_type,
            fields=list(ticket.ticket_type.fields.all()),
            initial=ticket.data,
            prefix=f"t{ticket.pk}",
        )

    status = 200
    if request.method == "POST":
        forms = [(ticket, form_of(ticket, request.POST, request.FILES)) for ticket in drafts]
        if all(form.is_valid() for _, form in forms):
            result = submit_tickets(entries=[(t, form.values()) for t, form in forms], by=request.user)
            done = len(result.submitted)
            if not result.incomplete and not result.refused:
                messages.success(request, f"{done} ticket{'s' if done != 1 else ''} submitted.")
                return redirect(reverse("tickets:list", args=[cohort.pk]))
            for ticket, form in forms:
                for name, message in result.incomplete.get(ticket.pk, {}).items():
                    form.add_error(name, message)
                if ticket.pk in result.refused:
                    form.add_error(None, result.refused[ticket.pk])
            forms = [(t, f) for t, f in forms if t.pk in result.incomplete or t.pk in result.refused]
            # What could go was submitted and the rest saved: a committed write, answered 200.
            messages.warning(
                request,
                f"{done} submitted; {len(forms)} still need{'s' if len(forms) == 1 else ''} "
                "what is marked below.",
            )
        else:
            status = 400  # a value of the wrong kind: nothing was written
    else:
        forms = [(ticket, form_of(ticket)) for ticket in drafts]
    rows = [(ticket, form, missing_fields(ticket)) for ticket, form in forms]
    ready = sum(1 for _, _, missing in rows if not missing)
    return render(
        request,
        "tickets/review.html",
        {"cohort": cohort, "caps": caps, "rows": rows, "ready": ready},
        status=status,
    )


@login_required
@require_POST
def ticket_create(request, pk: int):
    cohort, _ = cohort_for(request.user, pk, Action.EDIT)
    form = NewTicketForm(request.POST, agents=Agent.objects.filter(cohort=cohort))
    if not form.is_valid():
        messages.error(request, "Choose a form and an agent of this cohort.")
        return redirect(reverse("tickets:list", args=[cohort.pk]))
    ticket = draft(
        type_code=form.cleaned_data["ticket_type"].code,
        agent=form.cleaned_data["agent"],
        values={},
        source_key=None,
        by=request.user,
    )
    return redirect(reverse("tickets:detail", args=[ticket.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def ticket_detail(request, pk: int):
    """Read, fill in, submit, correct or resolve one ticket."""
    ticket, caps = _ticket_for(request, pk)
    can_edit = caps.edit
    fields = list(ticket.ticket_type.fields.all())
    form = TicketForm(
        request.POST or None,
        request.FILES or None,
        ticket_type=ticket.ticket_type,
        fields=fields,
        initial=ticket.data,
    )
    status = 200
    if request.method == "POST":
        if not can_edit:
            return render(
                request, "403.html", {"exception": "You can read this ticket but not change it."}, status=403
            )
        if form.is_valid():
            try:
                if "submit" in request.POST:
                    submit_ticket(ticket=ticket, data=form.values(), by=request.user)
                    messages.success(
                        request, f"Submitted; {ticket.ticket_type} is emailed to its destination."
                    )
                else:
                    save_ticket(ticket=ticket, data=form.values(), by=request.user)
                    messages.success(
                        request, "Correction saved and emailed." if ticket.submissions > 1 else "Draft saved."
                    )
                return redirect(reverse("tickets:detail", args=[ticket.pk]))
            except TicketIncomplete as exc:
                for name, message in exc.errors.items():
                    form.add_error(name, message)
                status = 400
            except TicketError as exc:
                form.add_error(None, str(exc))
                status = 400
        else:
            status = 400
    return render(
        request,
        "tickets/ticket_detail.html",
        {
            "ticket": ticket,
            "caps": caps,
            "form": form,
            "can_edit": can_edit and ticket.status in (Ticket.Status.DRAFT, Ticket.Status.SUBMITTED),
            "resolve_form": ResolveForm() if ticket.ticket_type.resolvable else None,
            "history": ticket.history.select_related("history_user")[:20],
            "files": ticket_files(ticket),
        },
        status=status,
    )


@login_required
@require_POST
def ticket_resolve(request, pk: int):
    ticket, _ = _ticket_for(request, pk, Action.EDIT)
    form = ResolveForm(request.POST)
    try:
        if not form.is_valid():
            raise TicketError("Say how it was resolved.")
        resolve_ticket(ticket=ticket, resolution=form.cleaned_data["resolution"], by=request.user)
    except TicketError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("tickets:detail", args=[ticket.pk]))
    messages.success(request, "Ticket resolved.")
    return redirect(reverse("tickets:detail", args=[ticket.pk]))


@login_required
@require_POST
def carrier_ticket(request, agent_pk: int):
    """'Create Carrier Ticket' from the playbooks: a draft with the steps already tried."""
    agent, caps = agent_for(request.user, agent_pk, Action.EDIT)
    form = CarrierTicketForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            ticket = draft_carrier_ticket(
                agent=agent,
                carrier=data["carrier"],
                issue=data["issue"],
                outcomes=data["outcomes"],
                token=str(data["token"] or uuid.uuid4()),  # no script ran: one draft per post
                by=request.user,
            )
        except TicketError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Carrier Ticket drafted with the steps tried; check it and submit it.")
            url = reverse("tickets:detail", args=[ticket.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = {
        "agent": agent,
        "cohort": agent.cohort,
        "caps": caps,
        **troubleshooting(form),
    }
    if request.htmx:
        return render(request, "tickets/agent_forms.html#carrier-form", context, status=400)
    return render(
        request,
        "certifications/agent_form_page.html",
        {**context, "part": "tickets/agent_forms.html#carrier-form"},
        status=400,
    )


@login_required
@require_http_methods(["GET"])
def attachment_file(request, pk: int):
    """A file given in a ticket, only to users who may read the ticket."""
    attachment = get_object_or_404(TicketAttachment, pk=pk)
    _ticket_for(request, attachment.ticket_id)  # 404 unless the user reads this ticket's cohort
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The file is missing from storage.") from exc
    response = FileResponse(
        handle, content_type=attachment.content_type, as_attachment=True, filename=attachment.original_name
    )
    response["Cache-Control"] = "private, no-store"
    return response
