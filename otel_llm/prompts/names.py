"""Validation of what users type: prompt names, labels, tags, and ``NAME[@vN|@label]`` references."""

from __future__ import annotations

import re
from dataclasses import dataclass

from otel_llm.prompts.errors import InvalidInput

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
LABEL_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,49}$")
VERSION_PATTERN = re.compile(r"^v?([0-9]{1,9})$")
PRODUCTION = "production"
LATEST = "latest"
"""Not a stored label: in a reference it means the newest version that is not archived."""
MAX_TAGS = 20
MAX_TAG_LENGTH = 50


def validate_name(name: str) -> str:
    """The prompt name, stripped, if it is 1–100 letters, digits, ``.``, ``_`` or ``-``."""
    cleaned = (name or "").strip()
    if not NAME_PATTERN.match(cleaned):
        raise InvalidInput(
            f"invalid prompt name {name!r}: use 1–100 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit (e.g. 'support-agent')."
        )
    return cleaned


def validate_label(label: str) -> str:
    """A label: 1–50 lower-case letters, digits, ``.``, ``_``, ``-``; not ``latest`` nor ``vN``."""
    cleaned = (label or "").strip()
    if not LABEL_PATTERN.match(cleaned) or cleaned == LATEST or VERSION_PATTERN.match(cleaned):
        raise InvalidInput(
            f"invalid label {label!r}: use 1–50 lower-case letters, digits, '.', '_' or '-' "
            "(e.g. 'staging'); 'latest' and 'v<number>' are reserved."
        )
    return cleaned


def validate_tags(tags: list[str] | tuple[str, ...] | None) -> list[str]:
    """Tags, stripped and de-duplicated in order; each 1–50 characters, at most 20."""
    cleaned: list[str] = []
    for tag in tags or ():
        tag = str(tag).strip()
        if not tag or len(tag) > MAX_TAG_LENGTH:
            raise InvalidInput(f"invalid tag {tag!r}: tags are 1–{MAX_TAG_LENGTH} characters.")
        if tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise InvalidInput(f"too many tags ({len(cleaned)}); a version has at most {MAX_TAGS}.")
    return cleaned


def parse_version(text: str | int) -> int:
    """``3``, ``"3"`` or ``"v3"`` → 3."""
    match = VERSION_PATTERN.match(str(text).strip())
    if not match or int(match.group(1)) < 1:
        raise InvalidInput(f"invalid version {text!r}: write it as v3 or 3.")
    return int(match.group(1))


@dataclass(frozen=True)
class PromptRef:
    """A reference to one version: by number, by label, or (neither) the default."""

    name: str
    version: int | None = None
    label: str | None = None

    def __str__(self) -> str:
        if self.version is not None:
            return f"{self.name}@v{self.version}"
        return f"{self.name}@{self.label}" if self.label else self.name


def parse_ref(text: str) -> PromptRef:
    """``NAME``, ``NAME@v3`` / ``NAME@3``, ``NAME@production`` or ``NAME@latest``."""
    name, sep, selector = (text or "").strip().partition("@")
    name = validate_name(name)
    if not sep:
        return PromptRef(name)
    selector = selector.strip()
    if VERSION_PATTERN.match(selector):
        return PromptRef(name, version=parse_version(selector))
    if selector == LATEST:
        return PromptRef(name, label=LATEST)
    return PromptRef(name, label=validate_label(selector))


def require_version(ref: PromptRef, example: str) -> int:
    """The version number of ``ref``; an error showing ``example`` when it names none."""
    if ref.version is None:
        raise InvalidInput(f"name a version, e.g. {example.format(name=ref.name)}.")
    return ref.version
