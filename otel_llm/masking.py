"""Keeping secrets out of log lines and error messages: the one place that masks them.

- ``mask_url(url)``: a database URL as it may be shown, its password replaced by ``***``
  (SQLAlchemy's own rendering; a URL it cannot parse keeps only its scheme).
- ``redact(text)``: any text (an exception's message, a log argument) with the passwords of URLs and
  DSNs, ``Bearer`` tokens, otel-llm API keys, provider keys (``sk-…``) and webhook secrets
  (``whsec_…``) masked.
- ``fingerprint(secret)``: a short one-way digest, for cache keys and names that must tell two
  secrets apart without holding either.

Example::

    logger.warning("database %s unreachable: %s", mask_url(url), redact(str(exc)))
"""

from __future__ import annotations

import hashlib
import re

MASK = "***"

_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s'\"]*:)[^@\s'\"]*(?=@)")
_DSN_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)('[^']*'|[^\s'\"&;]+)", re.IGNORECASE)
_BEARER = re.compile(r"(?P<head>\bBearer\s+)[^\s'\"]+", re.IGNORECASE)
_API_KEY = re.compile(r"(?P<head>\bollm_[0-9a-f]{1,16}_)[A-Za-z0-9_\-]+")
_PROVIDER_KEY = re.compile(r"(?P<head>\bsk-)[A-Za-z0-9_\-]{6,}")
_WEBHOOK_SECRET = re.compile(r"(?P<head>\bwhsec_)[A-Za-z0-9_\-]+")
_PATTERNS = (_URL_PASSWORD, _DSN_PASSWORD, _BEARER, _API_KEY, _PROVIDER_KEY, _WEBHOOK_SECRET)


def mask_url(url: object) -> str:
    """``url`` with its password replaced by ``***`` (``postgresql://ada:***@db/otel``)."""
    from sqlalchemy.engine import make_url

    text = str(url or "")
    try:
        return make_url(text).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can read: show the scheme only
        scheme = text.split("://", 1)[0] if "://" in text else ""
        return f"{scheme}://{MASK}" if scheme.isidentifier() else MASK


def redact(text: object) -> str:
    """``text`` with every password, token and key in it masked (see the module doc)."""
    out = str(text)
    for pattern in _PATTERNS:
        out = pattern.sub(lambda m: m.group("head") + MASK, out)
    return out


def fingerprint(secret: str | None) -> str:
    """The first 12 hex digits of ``secret``'s sha256 (``""`` for no secret)."""
    if not secret:
        return ""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:12]


def short_error(exc: BaseException, limit: int = 200) -> str:
    """The first line of ``exc``'s message, redacted (its class name when it has none)."""
    text = str(exc)
    first = text.splitlines()[0][:limit] if text.strip() else type(exc).__name__
    return redact(first)
