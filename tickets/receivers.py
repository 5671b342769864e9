"""Forms the source pages ask for, drafted from the tracker's events whichever page the change
came from. Each draft has the event as its unique source key, so an event seen twice still
makes one draft."""

from certifications.events import ExamAttemptRecorded, ProofReviewed, ProofUploaded, TaskStatusChanged
from certifications.models import TaskStatus
from core.events import receives
from tickets import services

CALL_CERTIFICATION = "call-cert"


@receives(ExamAttemptRecorded)
def attempt_recorded(event: ExamAttemptRecorded) -> None:
    services.draft_from_attempt(event.attempt)


@receives(ProofUploaded)
def proof_uploaded(event: ProofUploaded) -> None:
    services.draft_from_proof(event.proof)


@receives(ProofReviewed)
def proof_reviewed(event: ProofReviewed) -> None:
    """A rejected proof withdraws the ESP Tracker form drafted for it: the agent sends a new one."""
    if not event.verified:
        services.withdraw_draft(
            source_key=services.proof_source_key(event.proof),
            reason=f"The proof was rejected: {event.proof.rejection_reason}",
            by=event.proof.reviewed_by,
        )


@receives(TaskStatusChanged)
def status_changed(event: TaskStatusChanged) -> None:
    if event.new not in TaskStatus.DONE or event.old in TaskStatus.DONE:
        return  # Complete -> Verified is the same completion
    if event.task.code == CALL_CERTIFICATION:
        services.draft_from_call_certification(agent=event.agent, by=event.by)
    elif event.task.is_exam:
        services.draft_from_completion(agent=event.agent, task=event.task, by=event.by)
