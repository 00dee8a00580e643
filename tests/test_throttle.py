"""The sign-in throttle (issue 12, point 11): attempts counted atomically across workers,
and a stranger guessing from elsewhere cannot lock the owner out."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy.orm import Session

from catalogue.throttle import (
    MAX_PER_ACCOUNT,
    MAX_PER_PAIR,
    forgive_attempt,
    reserve_attempt,
)
from portal import create_app
from portal.extensions import db
from tests.manage_support import PASSWORD, csrf_of

EDITOR = "tuphap@daklak.gov.vn"
THREADS = 12


def _post(client: Any, token: str, password: str, address: str | None = None) -> int:
    headers = {"X-Forwarded-For": address} if address else {}
    return client.post("/login", data={"email": EDITOR, "password": password, "csrf_token": token},
                       headers=headers).status_code


def test_parallel_guesses_check_no_more_passwords_than_the_limit(app, accounts):
    """Twelve threads guess at once from one address: exactly five are checked (401),
    the others wait (429), even if they hold the right password."""
    clients = [app.test_client() for _ in range(THREADS)]
    tokens = [csrf_of(c) for c in clients]
    start = threading.Barrier(THREADS)
    answers: list[int] = []

    def guess(i: int) -> None:
        start.wait()
        answers.append(_post(clients[i], tokens[i], PASSWORD if i == 0 else f"doan-sai-{i}"))

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(answers) == THREADS
    checked = [a for a in answers if a in (302, 401)]
    assert len(checked) <= MAX_PER_PAIR, sorted(answers)
    assert answers.count(429) >= THREADS - MAX_PER_PAIR


def test_parallel_reservations_are_counted_exactly(app):
    """The counter itself, from separate sessions each committing, as separate workers do."""
    allowed: list[int] = []
    start = threading.Barrier(THREADS)
    engine = db.engine

    def reserve() -> None:
        with Session(engine) as session:
            start.wait()
            wait = reserve_attempt(session, "ai-do@example.vn", "192.0.2.1")
            session.commit()
        allowed.append(wait == 0)

    threads = [threading.Thread(target=reserve) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert allowed.count(True) == MAX_PER_PAIR and len(allowed) == THREADS


@pytest.fixture
def behind_proxy(app_config, accounts, monkeypatch):
    """The portal behind one proxy: each visitor's own address counts."""
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    behind = create_app(app_config)
    with behind.app_context():
        yield behind
        db.session.remove()
        db.engine.dispose()


def test_a_stranger_guessing_does_not_lock_out_the_owner(behind_proxy):
    stranger, owner = behind_proxy.test_client(), behind_proxy.test_client()
    token = csrf_of(stranger)
    answers = [_post(stranger, token, f"doan-{i}", "203.0.113.7") for i in range(MAX_PER_PAIR + 3)]
    assert answers == [401] * MAX_PER_PAIR + [429] * 3
    assert _post(stranger, token, PASSWORD, "203.0.113.7") == 429  # even with the password
    # The owner, at their own address, signs in.
    assert _post(owner, csrf_of(owner), PASSWORD, "198.51.100.20") == 302
    assert owner.get("/manage/services").status_code == 200


def test_guesses_from_many_addresses_meet_the_slower_account_bound(app):
    session = db.session
    addresses = [f"203.0.113.{i}" for i in range(MAX_PER_ACCOUNT // MAX_PER_PAIR)]
    for address in addresses:
        assert [reserve_attempt(session, EDITOR, address) for _ in range(MAX_PER_PAIR)] == [0] * MAX_PER_PAIR
        assert reserve_attempt(session, EDITOR, address) > 0  # the pair's bound first
    session.commit()
    wait = reserve_attempt(session, EDITOR, "198.51.100.20")
    assert 0 < wait <= 15 * 60 + 1  # the account's bound: everyone waits, at most 15 minutes
    # An attempt the address's own bound refuses does not feed the account's count.
    assert reserve_attempt(session, "khac@example.vn", "198.51.100.99") == 0


def test_the_owners_own_sign_ins_never_add_up(app):
    session = db.session
    for _ in range(MAX_PER_ACCOUNT + MAX_PER_PAIR):
        assert reserve_attempt(session, EDITOR, "198.51.100.20") == 0
        forgive_attempt(session, EDITOR, "198.51.100.20")
    session.commit()
