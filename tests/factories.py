import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from cohorts.access import Role
from cohorts.models import Agent, Cohort


def this_monday() -> datetime.date:
    today = datetime.date.today()
    return today - datetime.timedelta(days=today.weekday())


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pw")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or []:
            self.groups.add(Group.objects.get_or_create(name=role)[0])


class CohortFactory(DjangoModelFactory):
    class Meta:
        model = Cohort

    name = factory.Sequence(lambda n: f"Cohort {n}")
    start_date = factory.LazyFunction(this_monday)
    time_zone = "America/New_York"
    tl = factory.SubFactory(UserFactory, roles=[Role.TL])
    pm = factory.SubFactory(UserFactory, roles=[Role.PM])
    status = Cohort.Status.ACTIVE


class AgentFactory(DjangoModelFactory):
    class Meta:
        model = Agent

    cohort = factory.SubFactory(CohortFactory)
    first_name = factory.Sequence(lambda n: f"Agent{n}")
    last_name = factory.Sequence(lambda n: f"Surname{n}")
    employee_id = factory.Sequence(lambda n: f"EMP{n:05d}")
    email = factory.LazyAttribute(lambda a: f"{a.employee_id.lower()}@agents.example.com")
    phone = "555-0100"
