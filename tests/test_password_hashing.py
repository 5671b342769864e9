"""Finding 12 of the hardening issue, its cause: under 50 TLs at once on a 2-core machine logins
queued for 14 s (p50) behind PBKDF2. Passwords are now hashed with Argon2id at OWASP's
recommended cost, and hashes made before upgrade at the next login. (The load itself is measured
by `make loadtest`; see bench/loadtest.md.)"""

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.urls import reverse

from esp import settings as production

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_hashers(settings):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS


def test_new_passwords_are_argon2id_at_owasps_cost(production_hashers):
    encoded = make_password("a long pass phrase")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password("a long pass phrase", encoded) and not check_password("another", encoded)


def test_a_pbkdf2_hash_still_logs_in_and_is_upgraded(production_hashers, client, tl1):
    tl1.password = make_password("a long pass phrase", hasher="pbkdf2_sha256")
    tl1.save()
    response = client.post(reverse("login"), {"username": "tl1", "password": "a long pass phrase"})
    assert response.status_code == 302
    tl1.refresh_from_db()
    assert identify_hasher(tl1.password).algorithm == "argon2"
    assert tl1.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_a_heavier_argon2_hash_is_brought_to_the_settled_cost(production_hashers, client, tl1):
    tl1.password = make_password("a long pass phrase", hasher="argon2")  # Django's: m=102400, p=8
    tl1.save()
    client.post(reverse("login"), {"username": "tl1", "password": "a long pass phrase"})
    tl1.refresh_from_db()
    assert "m=19456,t=2,p=1" in tl1.password
