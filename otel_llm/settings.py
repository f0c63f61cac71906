"""Every environment variable otel-llm reads, declared once.

Each setting has a typed accessor. Constructor and CLI arguments override the environment; a value
that cannot be parsed is logged and replaced by the default, never raised into the host app.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

logger = logging.getLogger(__name__)

OTEL_LLM_DATABASE_URL = "OTEL_LLM_DATABASE_URL"
"""SQLAlchemy URL of the store. Default: ``sqlite:///otel_llm.db`` (a file in the working directory).
``postgresql://`` URLs are served by psycopg 3."""

OTEL_LLM_READ_DATABASE_URL = "OTEL_LLM_READ_DATABASE_URL"
"""Optional URL of a Postgres read replica of the store. The console's list, overview and detail pages
read from it; writes, and reads right after a write, go to ``OTEL_LLM_DATABASE_URL``."""

OTEL_LLM_PROJECT = "OTEL_LLM_PROJECT"
"""Project the in-app exporter writes to. Default: ``default``."""

OTEL_LLM_CAPTURE_CONTENT = "OTEL_LLM_CAPTURE_CONTENT"
"""``true`` (default) stores prompt and completion text; ``false`` stores none of it."""

OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
"""The OpenTelemetry-wide switch; honoured when ``OTEL_LLM_CAPTURE_CONTENT`` is not set."""

OTEL_LLM_SPOOL_DIR = "OTEL_LLM_SPOOL_DIR"
"""Directory where spans wait while the database is unreachable (one subfolder per database, files
``0600``: they hold prompt text). Default: the per-user data directory, ``$XDG_DATA_HOME/otel-llm/spool``
(``~/.local/share/otel-llm/spool``; macOS ``~/Library/Application Support/otel-llm/spool``; Windows
``%LOCALAPPDATA%\\otel-llm\\spool``)."""

OTEL_LLM_SPOOL_MAX_BYTES = "OTEL_LLM_SPOOL_MAX_BYTES"
"""Upper bound of the spool on disk; past it the oldest batches are dropped (and logged). Default 256 MiB."""

OTEL_LLM_FLUSH_TIMEOUT = "OTEL_LLM_FLUSH_TIMEOUT"
"""Seconds the in-app exporter may wait for the database: for one batch (then it is spooled) and in
all at shutdown and interpreter exit (a last try, then the spool drained); what is not written by
then stays in the spool for the next run. Default 5."""

OTEL_LLM_PRICING_FILE = "OTEL_LLM_PRICING_FILE"
"""Optional JSON file of model prices that overrides and extends the shipped table."""

OTEL_LLM_MAX_CONTENT_BYTES = "OTEL_LLM_MAX_CONTENT_BYTES"
"""Cap on captured content per span, in bytes of JSON. Default 256 KiB; longer content is truncated and
the span carries ``otel_llm.content.truncated``."""

OTEL_LLM_MOCK_URL = "OTEL_LLM_MOCK_URL"
"""Base URL of the local provider (``otel-llm mock-llm``), used by the demo and by automated runs."""

OTEL_LLM_PROVIDER_ENDPOINTS = "OTEL_LLM_PROVIDER_ENDPOINTS"
"""Self-hosted or extra OpenAI-compatible endpoints: ``NAME=BASE_URL`` pairs separated by commas,
e.g. ``vllm=http://gpu:8000/v1,ollama=http://localhost:11434/v1``. A client whose base URL starts
with one is recorded as provider ``NAME``; a replay of such a span is sent there with the key in
``NAME_API_KEY`` (upper case, e.g. ``VLLM_API_KEY``), if set. A name may also redefine a known one
(``azure.ai.openai=https://my-resource.openai.azure.com/openai/v1``). See
``otel_llm/providers/openai/endpoints.py``."""

OTEL_LLM_SECRET_KEY = "OTEL_LLM_SECRET_KEY"
"""Secret that signs console sessions. Default: a random key kept in the instance folder."""

OTEL_LLM_SECURE_COOKIES = "OTEL_LLM_SECURE_COOKIES"
"""``true`` marks the console's session cookie Secure (sent over HTTPS only). Set it whenever the
console is served over HTTPS, directly or behind a proxy. Default: ``false`` (plain-HTTP local use)."""

OTEL_LLM_SESSION_IDLE_MINUTES = "OTEL_LLM_SESSION_IDLE_MINUTES"
"""A console session unused for this many minutes is over (sign in again). Default ``480`` (8 hours)."""

OTEL_LLM_SESSION_MAX_HOURS = "OTEL_LLM_SESSION_MAX_HOURS"
"""A console session ends this many hours after sign-in, however active. Default ``336`` (14 days)."""

OTEL_LLM_TRUSTED_PROXIES = "OTEL_LLM_TRUSTED_PROXIES"
"""How many reverse proxies in front of the console to trust for ``X-Forwarded-For``/``-Proto``
(client address for sign-in throttling, https scheme). Default ``0``: headers are ignored."""

OTEL_LLM_API_URL = "OTEL_LLM_API_URL"
"""Console base URL for apps that fetch prompts and experiments over the JSON API instead of the database."""

OTEL_LLM_API_KEY = "OTEL_LLM_API_KEY"
"""API key used with ``OTEL_LLM_API_URL``."""

DEFAULT_DATABASE_URL = "sqlite:///otel_llm.db"
DEFAULT_PROJECT = "default"
DEFAULT_FLUSH_TIMEOUT = 5.0
DEFAULT_SPOOL_MAX_BYTES = 256 * 1024 * 1024
DEFAULT_MAX_CONTENT_BYTES = 256 * 1024
DEFAULT_SESSION_IDLE_MINUTES = 8 * 60
DEFAULT_SESSION_MAX_HOURS = 14 * 24

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _get_str(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _get_bool(name: str, default: bool) -> bool | None:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return None
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    logger.warning("otel-llm: %s=%r is not a boolean; using %s", name, raw, default)
    return default


def _get_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        logger.warning("otel-llm: %s=%r is not an integer; using %s", name, raw, default)
        return default
    if value <= 0:
        logger.warning("otel-llm: %s=%r must be positive; using %s", name, raw, default)
        return default
    return value


def _get_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        logger.warning("otel-llm: %s=%r is not a positive number of seconds; using %s", name, raw, default)
        return default
    return value


def database_url(override: str | None = None) -> str:
    return override or _get_str(OTEL_LLM_DATABASE_URL, DEFAULT_DATABASE_URL)


def read_database_url(override: str | None = None) -> str | None:
    return override or os.environ.get(OTEL_LLM_READ_DATABASE_URL) or None


def project(override: str | None = None) -> str:
    return override or _get_str(OTEL_LLM_PROJECT, DEFAULT_PROJECT)


def capture_content(override: bool | None = None) -> bool:
    """Ours wins over the OpenTelemetry-wide switch; on when neither is set."""
    if override is not None:
        return override
    ours = _get_bool(OTEL_LLM_CAPTURE_CONTENT, True)
    if ours is not None:
        return ours
    raw = os.environ.get(OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT, "").strip().lower()
    if not raw:
        return True
    # The OTel switch takes true/false or a mode name (SPAN_ONLY, EVENT_ONLY, SPAN_AND_EVENT, NO_CONTENT).
    return raw not in _FALSE and raw != "no_content"


def spool_dir(override: str | os.PathLike[str] | None = None) -> Path:
    configured = override or os.environ.get(OTEL_LLM_SPOOL_DIR, "").strip()
    return Path(configured).expanduser() if configured else user_data_dir() / "spool"


def user_data_dir() -> Path:
    """otel-llm's per-user data directory, by the platform's convention (XDG on Linux)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Application Support")
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "").strip()
        base = (
            xdg if os.path.isabs(xdg) else str(Path.home() / ".local" / "share")
        )  # XDG: relative is ignored
    return Path(base) / "otel-llm"


def flush_timeout(override: float | None = None) -> float:
    return (
        override
        if override is not None and override > 0
        else _get_float(OTEL_LLM_FLUSH_TIMEOUT, DEFAULT_FLUSH_TIMEOUT)
    )


def spool_max_bytes(override: int | None = None) -> int:
    return override or _get_int(OTEL_LLM_SPOOL_MAX_BYTES, DEFAULT_SPOOL_MAX_BYTES)


def pricing_file(override: str | None = None) -> str | None:
    return override or os.environ.get(OTEL_LLM_PRICING_FILE) or None


def max_content_bytes(override: int | None = None) -> int:
    return override or _get_int(OTEL_LLM_MAX_CONTENT_BYTES, DEFAULT_MAX_CONTENT_BYTES)


def mock_url(override: str | None = None) -> str | None:
    return override or os.environ.get(OTEL_LLM_MOCK_URL) or None


def provider_endpoints(override: str | None = None) -> str:
    return override if override is not None else os.environ.get(OTEL_LLM_PROVIDER_ENDPOINTS, "")


def secret_key(override: str | None = None) -> str | None:
    return override or os.environ.get(OTEL_LLM_SECRET_KEY) or None


def secure_cookies(override: bool | None = None) -> bool:
    if override is not None:
        return override
    value = _get_bool(OTEL_LLM_SECURE_COOKIES, False)
    return bool(value)


def session_idle_minutes(override: int | None = None) -> int:
    return override or _get_int(OTEL_LLM_SESSION_IDLE_MINUTES, DEFAULT_SESSION_IDLE_MINUTES)


def session_max_hours(override: int | None = None) -> int:
    return override or _get_int(OTEL_LLM_SESSION_MAX_HOURS, DEFAULT_SESSION_MAX_HOURS)


def trusted_proxies(override: int | None = None) -> int:
    if override is not None:
        return override
    raw = os.environ.get(OTEL_LLM_TRUSTED_PROXIES, "").strip()
    if not raw:
        return 0
    try:
        return max(int(raw), 0)
    except ValueError:
        logger.warning("otel-llm: %s=%r is not an integer; using 0", OTEL_LLM_TRUSTED_PROXIES, raw)
        return 0


def api_url(override: str | None = None) -> str | None:
    return override or os.environ.get(OTEL_LLM_API_URL) or None


def api_key(override: str | None = None) -> str | None:
    return override or os.environ.get(OTEL_LLM_API_KEY) or None
