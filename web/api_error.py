"""``ApiError`` and ``is_api_request``: what access checks raise and error pages answer (``errors``
makes the bodies; ``access`` raises these before any view runs)."""

from __future__ import annotations

from flask import request


class ApiError(Exception):
    """An error a view answers with: HTTP ``status``, a stable ``code`` and a sentence for humans."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def is_api_request() -> bool:
    return request.path.startswith("/api/")
