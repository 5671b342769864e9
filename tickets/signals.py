"""Drafts made from tracker events. Each draft has the event as its unique source key, so an
event processed twice still makes one draft."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from certifications.models import ExamAttempt, Proof, TaskStatus
from tickets import services

CALL_CERTIFICATION = "call-cert"


@receiver(post_save, sender=ExamAttempt, dispatch_uid="tickets.attempt")
def attempt_recorded(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        services.draft_from_attempt(instance)


@receiver(post_save, sender=Proof, dispatch_uid="tickets.proof")
def proof_uploaded(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        services.draft_from_proof(instance)


@receiver(post_save, sender=TaskStatus, dispatch_uid="tickets.call_cert")
def status_saved(sender, instance, raw=False, **kwargs):
    if not raw and instance.done and instance.task.code == CALL_CERTIFICATION:
        services.draft_from_call_certification(instance)
