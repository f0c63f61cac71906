"""Settings → Members and API keys: admins manage them, everyone else only looks (or not at all)."""

from __future__ import annotations

import re

import pytest

from otel_llm.accounts import authenticate, list_keys
from otel_llm.accounts import users as users_service
from otel_llm.storage.db import get_engine
from tests.web_helpers import PASSWORD, api_key, bearer, csrf_token, login, make_app, signed_in_client


@pytest.fixture
def app(sqlite_url):
    return make_app(sqlite_url)


def _post(client, path, **data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/settings/members")})


def test_admin_adds_a_member_who_can_then_sign_in(app, sqlite_url):
    admin = signed_in_client(app, sqlite_url, "ada@example.com", "admin")
    _post(admin, "/settings/members", email="Bob@Example.com", role="editor", password="bob-password-1")
    page = admin.get("/settings/members").get_data(as_text=True)
    assert "bob@example.com is now editor in alpha." in page
    bob = app.test_client()
    assert login(bob, "bob@example.com", "bob-password-1").status_code == 302
    assert bob.get("/api/v1/project").get_json()["role"] == "editor"


def test_new_member_without_a_password_is_refused_with_a_sentence(app, sqlite_url):
    admin = signed_in_client(app, sqlite_url, "ada@example.com", "admin")
    _post(admin, "/settings/members", email="bob@example.com", role="viewer", password="")
    page = admin.get("/settings/members").get_data(as_text=True)
    assert "has no account yet: set an initial password" in page
    assert (
        users_service.list_memberships(get_engine(sqlite_url), project="alpha")[0].email == "ada@example.com"
    )


def test_role_change_and_removal(app, sqlite_url):
    admin = signed_in_client(app, sqlite_url, "ada@example.com", "admin")
    bob = users_service.create_user(get_engine(sqlite_url), "bob@example.com", PASSWORD, "alpha", "viewer")
    _post(admin, f"/settings/members/{bob.user_id}/role", role="admin")
    assert users_service.get_membership(get_engine(sqlite_url), bob.user_id, bob.project_id).role == "admin"
    _post(admin, f"/settings/members/{bob.user_id}/remove")
    assert users_service.get_membership(get_engine(sqlite_url), bob.user_id, bob.project_id) is None


def test_the_last_admin_cannot_be_demoted_or_removed(app, sqlite_url):
    admin = signed_in_client(app, sqlite_url, "ada@example.com", "admin")
    me = users_service.list_memberships(get_engine(sqlite_url), project="alpha")[0]
    _post(admin, f"/settings/members/{me.user_id}/role", role="viewer")
    assert "needs at least one admin" in admin.get("/settings/members").get_data(as_text=True)
    token = csrf_token(admin, "/traces")
    response = admin.delete(f"/api/v1/members/{me.user_id}", headers={"X-CSRFToken": token})
    assert response.status_code == 422
    assert users_service.get_membership(get_engine(sqlite_url), me.user_id, me.project_id).role == "admin"


def test_viewer_sees_members_but_no_admin_actions(app, sqlite_url):
    viewer = signed_in_client(app, sqlite_url, "vera@example.com", "viewer")
    page = viewer.get("/settings/members").get_data(as_text=True)
    assert "vera@example.com" in page
    assert "Add a member" not in page and ">Remove</button>" not in page
    assert 'href="/settings/keys"' not in page and "<select" not in page.split('id="members"')[1]
    assert viewer.get("/settings/keys").status_code == 403


def test_a_created_key_is_shown_once_and_works(app, sqlite_url):
    admin = signed_in_client(app, sqlite_url, "ada@example.com", "admin")
    token = csrf_token(admin, "/settings/keys")
    page = admin.post("/settings/keys", data={"role": "viewer", "name": "ci", "csrf_token": token}).get_data(
        as_text=True
    )
    key = re.search(r'<code id="new-token">(ollm_[^<]+)</code>', page).group(1)
    token = csrf_token(admin, "/settings/keys")
    response = admin.post("/settings/keys", data={"role": "viewer", "name": "other", "csrf_token": token})
    assert response.headers["Cache-Control"] == "no-store"
    assert "shown only this once" in page
    info = authenticate(get_engine(sqlite_url), key)
    assert info is not None and info.role == "viewer" and info.project_name == "alpha"
    later = admin.get("/settings/keys").get_data(as_text=True)
    assert key not in later and f"ollm_{key.split('_')[1]}_…" in later
    token = csrf_token(admin, "/settings/keys")
    admin.post(f"/settings/keys/{info.id}/revoke", data={"csrf_token": token})
    assert authenticate(get_engine(sqlite_url), key) is None
    assert "is revoked" in admin.get("/settings/keys").get_data(as_text=True)


def test_keys_and_members_over_the_api(app, sqlite_url):
    admin_key = api_key(sqlite_url, "alpha", "admin")
    client = app.test_client()
    created = client.post(
        "/api/v1/keys", json={"role": "editor", "name": "deploy"}, headers=bearer(admin_key)
    )
    assert created.status_code == 201
    body = created.get_json()
    assert body["token"].startswith("ollm_") and body["key"]["role"] == "editor"
    listed = client.get("/api/v1/keys", headers=bearer(admin_key)).get_json()["items"]
    assert {k["name"] for k in listed} == {"admin test key", "deploy"}
    assert all("token" not in k and "key_hash" not in k for k in listed)
    revoked = client.delete(f"/api/v1/keys/{body['key']['id']}", headers=bearer(admin_key)).get_json()
    assert revoked["revoked_at"] is not None
    assert [k.revoked for k in list_keys(get_engine(sqlite_url), "alpha")] == [False, True]

    member = client.post(
        "/api/v1/members",
        json={"email": "cy@example.com", "role": "viewer", "password": "cy-password-1"},
        headers=bearer(admin_key),
    ).get_json()
    assert member["email"] == "cy@example.com"
    members = client.get("/api/v1/members", headers=bearer(admin_key)).get_json()["items"]
    assert [m["email"] for m in members] == ["cy@example.com"]
