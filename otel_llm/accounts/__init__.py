"""Accounts: projects and API keys. The CLI, the console API and the collector all call these functions.

``authenticate(engine, token)`` is the one check every API route and the collector run on a key.
"""

from otel_llm.accounts.errors import AccountError, InvalidName, KeyNotFound, ProjectExists, ProjectNotFound
from otel_llm.accounts.keys import (
    ApiKeyInfo,
    KeyInfo,
    authenticate,
    create_key,
    key_actor,
    list_keys,
    revoke_key,
)
from otel_llm.accounts.projects import Project, create_project, get_project, list_projects, require_project
from otel_llm.accounts.roles import ROLES, role_at_least

__all__ = [
    "AccountError",
    "ApiKeyInfo",
    "InvalidName",
    "KeyInfo",
    "KeyNotFound",
    "Project",
    "ProjectExists",
    "ProjectNotFound",
    "ROLES",
    "authenticate",
    "create_key",
    "create_project",
    "get_project",
    "key_actor",
    "list_keys",
    "list_projects",
    "require_project",
    "revoke_key",
    "role_at_least",
]
