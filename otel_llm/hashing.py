"""The one definition of content hashes, shared by spans and the prompt registry.

A stored span's ``system_prompt_hash`` equals a prompt version's ``version_hash`` exactly when the
system instructions the app sent are the version's template text.
"""

from __future__ import annotations

import hashlib


def text_hash(text: str) -> str:
    """sha256 of the UTF-8 text, as 64 hex digits."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
