"""Shared helpers of the /manage/ and sign-in tests: accounts, sign-in, form posts."""

from __future__ import annotations

import functools
import re
from typing import Any

import pytest
from werkzeug.security import generate_password_hash

from catalogue.models import User
from portal.extensions import db

PASSWORD = "mat-khau-du-dai-2011"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@functools.cache
def _hash() -> str:
    """scrypt is slow by design; the test accounts share one hash of PASSWORD."""
    return generate_password_hash(PASSWORD)


@pytest.fixture
def accounts(catalogue_refs: dict[str, Any]) -> dict[str, Any]:
    """An admin, an editor of Sở Tư pháp, and an editor of another agency."""
    agencies = {a.code: a for a in catalogue_refs["agencies"]}
    made = {
        "admin": User(email="admin@daklak.gov.vn", role="admin"),
        "justice": User(email="tuphap@daklak.gov.vn", role="editor", agency=agencies["so-tu-phap"]),
        "planning": User(email="khdt@daklak.gov.vn", role="editor",
                         agency=agencies["so-ke-hoach-va-dau-tu"]),
    }
    for user in made.values():
        user.password_hash = _hash()
        user.active = True
    db.session.add_all(made.values())
    db.session.commit()
    return made


def csrf_of(client: Any, url: str = "/login") -> str:
    page = client.get(url)
    match = TOKEN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1)


def sign_in(client: Any, email: str, password: str = PASSWORD) -> Any:
    token = csrf_of(client)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def form_data(record: dict[str, Any], token: str | None, version: int | str | None = None) -> dict[str, Any]:
    """The service form's fields as a browser posts them (contract keys, rows numbered)."""
    data: dict[str, Any] = {}
    for key in ("code", "name", "level", "agency", "field", "tier", "audience", "summary", "method",
                "processing_days", "fees", "result", "requirements", "online_url", "online_kind",
                "partial_reason", "effective_from", "abolished_on"):
        value = record.get(key)
        data[key] = "" if value is None else str(value)
    decision = record.get("decision") or {}
    data["decision-number"] = decision.get("number") or ""
    data["decision-date"] = decision.get("date") or ""
    for i, step in enumerate(record.get("steps", [])):
        data[f"steps-{i}"] = step
    for i, item in enumerate(record.get("legal_basis", [])):
        data[f"legal_basis-{i}"] = item
    for i, doc in enumerate(record.get("documents", [])):
        data[f"documents-{i}-name"] = doc["name"]
        data[f"documents-{i}-copies"] = str(doc["copies"])
    for i, form in enumerate(record.get("forms", [])):
        data[f"forms-{i}-title"] = form["title"]
        data[f"forms-{i}-url"] = form["url"]
    if token is not None:
        data["csrf_token"] = token
    if version is not None:
        data["version"] = str(version)
    data["save"] = "1"
    return data
