"""The address a request came from, for login throttling. Behind TRUSTED_PROXIES proxies (the
documented TLS proxy: 1) it is the address the nearest of them saw, taken from X-Forwarded-For;
with none it is the connection's own address, and the header, which anyone can send, is ignored."""

import contextlib
import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            with contextlib.suppress(ValueError):  # not an address: keep the connection's own
                address = str(ipaddress.ip_address(hops[-proxies]))
    return address
