from django.db import models

from certifications.models import Proof
from cohorts.models import Agent
from tickets.models import TicketAttachment


class Notice(models.Model):
    """An immediate email (red flag, agent issue, agent ready, term), kept so it is sent once.

    The unique key names the event; rendering happens when the notice is made, so a retry sends
    exactly what was decided then.
    """

    class Kind(models.TextChoices):
        RED_FLAG = "red_flag", "Red flag raised"
        AGENT_ISSUE = "agent_issue", "Agent issue reported"
        AGENT_READY = "agent_ready", "Agent ready for production"
        TERM = "term", "Term issued"
        TICKET = "ticket", "Ticket submitted"
        END_OF_DAY_TL = "eod_tl", "End-of-day summary to the TL"
        END_OF_DAY_PM = "eod_pm", "End-of-day items still open, to the PM"
        WFM_DIGEST = "wfm_digest", "WFM attendance digest"
        ATTEMPT_LIMIT = "attempt_limit", "Exam attempt limit reached"
        APPROVAL = "approval", "A ladder step waits for approval"
        PASSWORD_RESET = "password_reset", "Password reset link"
        HANDOFF = "handoff", "Agent handed to a production TL"
        CAP_REMINDER = "cap_reminder", "A CAP waits for the agent's receipt"

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, null=True, blank=True, related_name="notices")
    recipients = models.JSONField(default=list)
    subject = models.CharField(max_length=250)
    body_text = models.TextField()
    body_html = models.TextField()
    attachment_name = models.CharField(max_length=100, blank=True)
    attachment = models.TextField(blank=True, help_text="A text attachment (the digest's CSV).")
    proof = models.ForeignKey(
        Proof, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="A proof file sent with the message (the proof form's screenshot).",
    )  # fmt: skip
    files = models.ManyToManyField(
        TicketAttachment, blank=True, related_name="+", help_text="Files sent with the message (a ticket's)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sending_until = models.DateTimeField(null=True, blank=True, help_text="Claimed by a worker until then.")
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # Dashboards list an agent's notices; the resend job looks for unsent ones.
            models.Index(fields=["sent_at", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"
