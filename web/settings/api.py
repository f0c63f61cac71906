"""``/api/v1/project``, ``/api/v1/members``, ``/api/v1/invitations`` and ``/api/v1/keys``."""

from __future__ import annotations

from flask import Blueprint, g
from otel_llm_server.web.access import require
from otel_llm_server.web.api import json_object, role_field, string_field
from otel_llm_server.web.api_error import ApiError
from otel_llm_server.web.db import engine
from otel_llm_server.web.openapi import api_doc
from otel_llm_server.web.settings import members
from otel_llm_server.web.traces.presenters import jsonable

from otel_llm.accounts import create_key, invitations, list_keys, revoke_key
from otel_llm.accounts import users as users_service
from otel_llm.storage import retention

api = Blueprint("settings_api", __name__, url_prefix="/api/v1")

MEMBER_SCHEMA = {
    "type": "object",
    "required": ["email", "role"],
    "properties": {
        "email": {"type": "string"},
        "role": {"type": "string", "enum": ["viewer", "editor", "admin"]},
        "password": {
            "type": "string",
            "description": "Initial password, used only if the email has no account yet.",
        },
    },
}
RETENTION_SCHEMA = {
    "type": "object",
    "required": ["days"],
    "properties": {
        "days": {
            "type": "integer",
            "nullable": True,
            "minimum": 1,
            "maximum": retention.MAX_RETENTION_DAYS,
            "description": "Days spans are kept; null keeps them forever.",
        }
    },
}
KEY_SCHEMA = {
    "type": "object",
    "required": ["role"],
    "properties": {
        "role": {"type": "string", "enum": ["viewer", "editor", "admin"]},
        "name": {"type": "string"},
    },
}


@api.get("/project")
@require("viewer")
@api_doc("Who is calling: the project, role and actor behind this key or session", tag="settings")
def whoami():
    return {"project": {"id": g.project_id, "name": g.project_name}, "role": g.role, "actor": g.actor}


@api.get("/project/retention")
@require("viewer")
@api_doc("How many days the project keeps its spans (null: forever)", tag="settings")
def get_retention():
    return _retention(retention.policy_of(engine(), g.project_id))


@api.put("/project/retention")
@require("admin")
@api_doc(
    "Set how many days the project keeps its spans; older ones go at the next maintenance pass",
    request=RETENTION_SCHEMA,
    responses={200: "The new retention.", 422: "Not a whole number of days in range, nor null."},
    tag="settings",
)
def put_retention():
    body = json_object()
    if "days" not in body:
        raise ApiError(422, "invalid", "'days' is required: a number of days, or null to keep spans forever.")
    try:
        policy = retention.set_retention(engine(), g.project_id, body["days"])
    except retention.InvalidRetention as exc:
        raise ApiError(422, "invalid", f"'days': {exc}") from exc
    return _retention(policy)


def _retention(policy: retention.Policy) -> dict:
    return {"project": policy.project, "days": policy.days}


@api.get("/members")
@require("viewer")
@api_doc("Members of the project and their roles", tag="settings")
def list_members():
    rows = users_service.list_memberships(engine(), project=g.project_name)
    return {"items": [_member(m) for m in rows]}


@api.post("/members")
@require("admin")
@api_doc(
    "Invite a person to the project; they join when they accept it after signing in",
    request=MEMBER_SCHEMA,
    responses={
        202: "The invitation (the same answer whether or not the email has an account).",
        422: "Invalid email, role or password.",
    },
    tag="settings",
)
def add_member():
    body = json_object()
    password = string_field(body, "password", required=False) or None
    invitation = members.invite(string_field(body, "email"), role_field(body), password)
    return _invitation(invitation), 202


@api.get("/invitations")
@require("admin")
@api_doc("Invitations of the project not accepted yet", tag="settings")
def list_invitations():
    return {"items": [_invitation(i) for i in invitations.list_for_project(engine(), g.project_id)]}


@api.delete("/invitations/<int:invitation_id>")
@require("admin")
@api_doc(
    "Withdraw an invitation",
    params={"invitation_id": "Invitation id (from GET /api/v1/invitations)."},
    responses={200: "The withdrawn invitation.", 404: "No such invitation in this project."},
    tag="settings",
)
def delete_invitation(invitation_id: int):
    return _invitation(invitations.cancel(engine(), g.project_id, invitation_id))


@api.delete("/members/<int:user_id>")
@require("admin")
@api_doc(
    "Take a member out of the project",
    params={"user_id": "User id (from GET /api/v1/members)."},
    responses={200: "The removed membership.", 404: "Not a member.", 422: "It is the last admin."},
    tag="settings",
)
def remove_member(user_id: int):
    return _member(members.remove_member(user_id))


@api.get("/keys")
@require("admin")
@api_doc("API keys of the project (never the secrets)", tag="settings")
def keys():
    return {"items": [_key(k) for k in list_keys(engine(), g.project_name)]}


@api.post("/keys")
@require("admin")
@api_doc(
    "Create an API key; the response is the only time its token is shown",
    request=KEY_SCHEMA,
    responses={201: "{key: {...}, token: 'ollm_…'}", 422: "Unknown role."},
    tag="settings",
)
def new_key():
    body = json_object()
    info, token = create_key(engine(), g.project_name, role_field(body), str(body.get("name") or ""))
    return {"key": _key(info), "token": token}, 201


@api.delete("/keys/<int:key_id>")
@require("admin")
@api_doc(
    "Revoke an API key",
    params={"key_id": "Key id (from GET /api/v1/keys)."},
    responses={200: "The revoked key.", 404: "No such key in this project."},
    tag="settings",
)
def delete_key(key_id: int):
    return _key(revoke_key(engine(), key_id, project_name=g.project_name))


def _member(m: users_service.Membership) -> dict:
    return {"user_id": m.user_id, "email": m.email, "role": m.role}


def _invitation(i) -> dict:
    fields = ("id", "email", "role", "invited_by", "created_at")
    return jsonable({name: getattr(i, name) for name in fields} | {"status": "invited"})


def _key(k) -> dict:
    fields = ("id", "name", "role", "prefix", "created_at", "last_used_at", "revoked_at")
    return jsonable({name: getattr(k, name) for name in fields} | {"display": k.display})
