"""The one definition of content hashes, shared by spans and the prompt registry.

A stored span's ``system_prompt_hash`` equals a prompt version's ``version_hash`` exactly when the
system instructions the app sent are the version's template text.
"""

from __future__ import annotations

import hashlib

_RECENT: dict[str, str] = {}
_MAX_RECENT = 256
_MAX_REMEMBERED_CHARS = 16 * 1024  # longer texts cost mostly their bytes: hashed every time


def text_hash(text: str) -> str:
    """sha256 of the UTF-8 text, as 64 hex digits."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def recent_text_hash(text: str) -> str:
    """``text_hash``, remembered for the last few hundred distinct texts.

    For the instrumentation's hot path: an app sends the same few system prompts over and over,
    and a dictionary lookup costs far less than starting an OpenSSL digest on every call (most of
    that cost is the digest's set-up, not the bytes). Safe across threads (single dict operations).
    """
    digest = _RECENT.get(text)
    if digest is None:
        digest = text_hash(text)
        if len(text) > _MAX_REMEMBERED_CHARS:
            return digest
        if len(_RECENT) >= _MAX_RECENT:  # many distinct prompts (e.g. rendered per user): start over
            _RECENT.clear()
        _RECENT[text] = digest
    return digest
