"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

from typing import Any

import factory
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from config.accounts.models import User
from programs.models import Membership, Organization, Program, Role

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(TEST_PASSWORD)


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")


class ProgramFactory(factory.django.DjangoModelFactory[Program]):
    class Meta:
        model = Program

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Program {n}")
    slug = factory.Sequence(lambda n: f"program-{n}")


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.PEER_SUPPORTER

    @factory.post_generation
    def programs(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.programs.set(extracted)


def enrol_totp(user: User) -> str:
    """Give the user an authenticator app; returns its secret."""
    secret = generate_totp_secret()
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str, *, margin: float = 8.0) -> str:
    """The authenticator code of now, as the app would show it.

    The server accepts only the current 30-second step, so a code read in the last seconds of
    a step can be refused by the time a browser has typed and posted it (a CI run failed so).
    Within ``margin`` seconds of a step's end this waits for the next step first, as a person
    would wait for the app's next code.
    """
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    left = 30 - time.time() % 30
    if left < margin:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))
