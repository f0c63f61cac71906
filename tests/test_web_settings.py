"""Settings → Members and API keys: admins manage them, everyone else only looks (or not at all)."""

from __future__ import annotations

import re

import pytest

from otel_llm.accounts import authenticate, list_keys
from otel_llm.accounts import users as users_service
from otel_llm.storage.db import get_engine
from tests.web_helpers import (
    PASSWORD,
    api_key,
    bearer,
    csrf_token,
    login,
    make_app,
    make_user,
    signed_in_client,
)


@pytest.fixture
def app(sqlite_url):
    return make_app(sqlite_url)


def _post(client, path, page="/settings/members", **data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page)})


def test_admin_invites_a_new_person_who_joins_after_accepting(app, sqlite_url):
    admin = signed_in_client(app, sqlite_url, "ada@example.com", "admin")
    _post(admin, "/settings/members", email="Bob@Example.com", role="editor", password="bob-password-1")
    page = admin.get("/settings/members").get_data(as_text=True)
    assert "Invitation saved: bob@example.com joins alpha as editor" in page
    assert "bob@example.com" in page.split('id="invitations"')[1]  # listed as invited, not as member
    bob = app.test_client()
    response = login(bob, "bob@example.com", "bob-password-1")
    assert response.headers["Location"] == "/invitations"
    page = bob.get("/invitations").get_data(as_text=True)
    assert "Join alpha" in page and "ada@example.com" in page
    assert bob.get("/api/v1/project").status_code == 403  # not a member before accepting
    invitation_id = re.search(r"/invitations/(\d+)/accept", page).group(1)
    _post(bob, f"/invitations/{invitation_id}/accept", page="/invitations")
    assert bob.get("/api/v1/project").get_json()["role"] == "editor"
    assert "No invitations are waiting" in bob.get("/invitations").get_data(as_text=True)


def test_inviting_answers_the_same_whether_or_not_the_email_has_an_account(app, sqlite_url):
    """No enumeration: the admin of alpha cannot tell whether carol (a member of beta) has an account,
    and carol joins alpha only if she accepts; her password stays hers."""
    engine = get_engine(sqlite_url)
    make_user(sqlite_url, "carol@example.com", "viewer", project="beta")
    admin = signed_in_client(app, sqlite_url, "ada@example.com", "admin")
    answers = {}
    for email in ("carol@example.com", "nobody@example.com"):
        token = csrf_token(admin, "/traces")
        response = admin.post(
            "/api/v1/members",
            json={"email": email, "role": "viewer", "password": "chosen-by-admin"},
            headers={"X-CSRFToken": token},
        )
        body = response.get_json()
        answers[email] = (response.status_code, sorted(body), body["status"], body["role"])
        _post(admin, "/settings/members", email=email, role="viewer", password="chosen-by-admin")
        page = admin.get("/settings/members").get_data(as_text=True)
        flashed = re.search(r'class="flash flash-(\w+)"[^>]*>([^<]*)<', page)
        answers[email] += (flashed.group(1), flashed.group(2).replace(email, "EMAIL"))
    assert answers["carol@example.com"] == answers["nobody@example.com"]
    assert answers["carol@example.com"][0] == 202
    assert [m.project_name for m in users_service.list_memberships(engine, user_id=_user_id(engine))] == [
        "beta"
    ]
    assert users_service.verify_credentials(engine, "carol@example.com", "chosen-by-admin") is None
    carol = app.test_client()
    assert login(carol, "carol@example.com").headers["Location"] == "/invitations"
    page = carol.get("/invitations").get_data(as_text=True)
    decline = re.search(r"/invitations/(\d+)/decline", page).group(1)
    _post(carol, f"/invitations/{decline}/decline", page="/invitations")
    assert [m.project_name for m in users_service.list_memberships(engine, user_id=_user_id(engine))] == [
        "beta"
    ]


def _user_id(engine) -> int:
    return users_service.require_user(engine, "carol@example.com").id


def test_an_invitation_is_only_for_the_invited_email(app, sqlite_url):
    admin = signed_in_client(app, sqlite_url, "ada@example.com", "admin")
    _post(admin, "/settings/members", email="bob@example.com", role="admin", password="bob-password-1")
    invitation = admin.get("/api/v1/invitations").get_json()["items"][0]
    mallory = signed_in_client(app, sqlite_url, "mallory@example.com", "viewer", project="beta")
    _post(mallory, f"/invitations/{invitation['id']}/accept", page="/invitations")
    assert mallory.get("/api/v1/project").get_json()["project"]["name"] == "beta"
    assert [m.email for m in users_service.list_memberships(get_engine(sqlite_url), project="alpha")] == [
        "ada@example.com"
    ]


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

    invited = client.post(
        "/api/v1/members",
        json={"email": "cy@example.com", "role": "viewer", "password": "cy-password-1"},
        headers=bearer(admin_key),
    )
    assert invited.status_code == 202
    assert invited.get_json()["email"] == "cy@example.com" and invited.get_json()["status"] == "invited"
    assert client.get("/api/v1/members", headers=bearer(admin_key)).get_json()["items"] == []
    pending = client.get("/api/v1/invitations", headers=bearer(admin_key)).get_json()["items"]
    assert [i["email"] for i in pending] == ["cy@example.com"]
    withdrawn = client.delete(f"/api/v1/invitations/{pending[0]['id']}", headers=bearer(admin_key))
    assert withdrawn.status_code == 200
    assert client.get("/api/v1/invitations", headers=bearer(admin_key)).get_json()["items"] == []
    assert (
        client.delete(f"/api/v1/invitations/{pending[0]['id']}", headers=bearer(admin_key)).status_code == 404
    )
