"""Finding 6 of the hardening issue: five failed logins with made-up user names from one address
locked that address, and so everyone behind the TLS proxy, admins included; five wrong passwords
typed for a TL (from anywhere) locked that TL. A user name is now locked from the address that
failed, and that address is the proxy's X-Forwarded-For only when TRUSTED_PROXIES says so."""

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from core.client_ip import client_ip

pytestmark = pytest.mark.django_db


def login(client, username, password, address="203.0.113.7", forwarded=None):
    extra = {"REMOTE_ADDR": address}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_made_up_names_from_one_address_lock_nobody_else(client, tl1):
    for n in range(settings.AXES_FAILURE_LIMIT + 2):
        login(client, f"nobody{n}", "guess")
    assert login(client, "tl1", "pw").status_code == 302  # same address, a real user: in


def test_wrong_passwords_from_elsewhere_do_not_lock_the_tl_out(client, tl1):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "tl1", "wrong", address="198.51.100.9")
    assert login(client, "tl1", "wrong", address="198.51.100.9").status_code == 429  # the attacker: locked
    assert login(client, "tl1", "pw", address="203.0.113.7").status_code == 302  # the TL at her desk: in


@override_settings(TRUSTED_PROXIES=1)
def test_behind_the_proxy_each_client_is_its_own_address(client, tl1):
    proxy = "10.0.0.2"
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        login(client, "tl1", "wrong", address=proxy, forwarded="198.51.100.9")
    assert login(client, "tl1", "pw", address=proxy, forwarded="203.0.113.7").status_code == 302


class Request:
    def __init__(self, remote, forwarded=None):
        self.META = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded


def test_the_forwarded_header_counts_only_behind_trusted_proxies():
    assert client_ip(Request("10.0.0.2", "198.51.100.9")) == "10.0.0.2"  # TRUSTED_PROXIES=0: ignored
    with override_settings(TRUSTED_PROXIES=1):
        assert client_ip(Request("10.0.0.2", "1.2.3.4, 198.51.100.9")) == "198.51.100.9"  # a forged first hop
        assert client_ip(Request("10.0.0.2", "not-an-address")) == "10.0.0.2"
        assert client_ip(Request("10.0.0.2")) == "10.0.0.2"
