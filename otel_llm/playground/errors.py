"""Playground errors, in the user's words (the console flashes them, the API words them)."""

from __future__ import annotations


class PlaygroundError(ValueError):
    """A set-up that cannot be opened, run or saved, and why."""
