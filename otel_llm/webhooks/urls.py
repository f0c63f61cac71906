"""Which receiver URLs a webhook may post to (server-side request forgery).

A webhook makes the server send requests to a URL a project admin chose, so the URL is checked twice:

- when it is registered (:func:`validate_url`): ``http`` or ``https`` only, a host, no user name or
  password in it, at most 2000 characters;
- before every attempt (:func:`check_destination`): every address the host resolves to must be a
  public one. Loopback and private networks (127.0.0.0/8, ::1, 10/8, 172.16/12, 192.168/16,
  fc00::/7, 100.64/10) are allowed only with ``OTEL_LLM_WEBHOOK_ALLOW_PRIVATE=true`` (self-hosted
  receivers, tests). Link-local (169.254/16 — the cloud metadata service — and fe80::/10),
  multicast, reserved and unspecified addresses are always refused.

Redirects are never followed (a 3xx answer is a failed attempt), so a receiver cannot bounce the
request elsewhere. What is left: a host whose DNS answer changes between the check and the connection
(DNS rebinding) — see ``docs/webhooks.md``.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from otel_llm import settings
from otel_llm.webhooks.errors import DestinationRefused

MAX_URL_LENGTH = 2000
SCHEMES = ("http", "https")


def validate_url(url: str) -> str:
    """``url`` stripped, if its form is allowed; :class:`DestinationRefused` saying why otherwise."""
    cleaned = (url or "").strip()
    if len(cleaned) > MAX_URL_LENGTH:
        raise DestinationRefused(f"the webhook URL is longer than {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(cleaned)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError as exc:
        raise DestinationRefused(f"{cleaned!r} is not a URL ({exc}).") from exc
    if parts.scheme.lower() not in SCHEMES:
        raise DestinationRefused(
            f"webhook URLs must start with http:// or https:// (got {parts.scheme or 'no'} scheme)."
        )
    if not parts.hostname:
        raise DestinationRefused(f"the webhook URL {cleaned!r} has no host; e.g. https://example.com/hook.")
    if parts.username or parts.password:
        raise DestinationRefused(
            "put no user name or password in the webhook URL; the receiver checks the signature instead."
        )
    _check_literal(parts.hostname)
    return cleaned


def check_destination(url: str) -> None:
    """Resolve the URL's host and refuse it unless every address is allowed (before each attempt)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise DestinationRefused(f"cannot resolve {host}: {exc}.") from exc
    for info in infos:
        _check_address(ipaddress.ip_address(str(info[4][0]).split("%")[0]), host)


def _check_literal(host: str) -> None:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return  # a name: checked when resolved, before each attempt
    _check_address(address, host)


def _check_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address, host: str) -> None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_link_local or address.is_multicast or address.is_unspecified or address.is_reserved:
        raise DestinationRefused(
            f"{host} is at {address}, a link-local, multicast or reserved address; webhooks never post there."
        )
    private = address.is_loopback or address.is_private or address in _SHARED
    if private and not settings.webhook_allow_private():
        raise DestinationRefused(
            f"{host} is at {address}, a loopback or private address; set "
            f"{settings.OTEL_LLM_WEBHOOK_ALLOW_PRIVATE}=true on the server to allow receivers on your network."
        )


_SHARED = ipaddress.ip_network("100.64.0.0/10")
