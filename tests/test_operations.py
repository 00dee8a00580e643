"""Domain operations: revisions, workflow, optimistic locking, change log."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from catalogue.models import ChangeLog, Revision, Service
from catalogue.operations import (
    Actor,
    ConflictError,
    TransitionError,
    change_status,
    content_of,
    restore_revision,
    update_service,
)
from portal.extensions import db

EDITOR = Actor("bien-tap@sotuphap.daklak.gov.vn", None)


def edit(service, **changes):
    data = content_of(service) | changes
    return update_service(db.session, service, data, EDITOR, expected_version=service.version)


def test_creation_is_a_draft_with_a_first_revision(make_service):
    service = make_service()
    assert service.status == "draft" and service.published_at is None
    (rev,) = service.revisions
    assert (rev.number, rev.action, rev.actor) == (1, "create", "test")
    assert rev.changes["name"] == [None, "Đăng ký khai sinh"]


def test_update_records_who_changed_what_from_what_to_what(make_service):
    service = make_service()
    rev = edit(service, fees="50.000 đồng", processing_days=3)
    db.session.commit()
    assert rev.actor == EDITOR.label
    assert rev.changes == {"processing_days": [1, 3], "fees": ["Miễn lệ phí", "50.000 đồng"]}
    assert rev.snapshot["fees"] == "50.000 đồng"
    assert [r.number for r in service.revisions] == [1, 2]


def test_saving_unchanged_content_records_nothing(make_service):
    service = make_service()
    assert edit(service) is None
    assert len(service.revisions) == 1


def test_every_status_change_is_a_revision(make_service):
    service = make_service()
    change_status(db.session, service, "published", EDITOR)
    change_status(db.session, service, "archived", EDITOR)
    change_status(db.session, service, "published", EDITOR)
    db.session.commit()
    actions = [(r.action, r.status) for r in service.revisions]
    assert actions == [("create", "draft"), ("publish", "published"), ("archive", "archived"),
                       ("restore", "published")]
    assert service.revisions[2].changes == {"status": ["published", "archived"]}


def test_publishing_twice_is_refused(make_service):
    service = make_service(status="published")
    with pytest.raises(TransitionError):
        change_status(db.session, service, "published", EDITOR)


def test_outdated_copy_is_refused_and_shows_what_changed(make_service):
    service = make_service()
    stale_version = service.version
    edit(service, fees="20.000 đồng")
    db.session.commit()
    data = content_of(service) | {"name": "Đăng ký khai sinh (sửa)"}
    with pytest.raises(ConflictError) as exc:
        update_service(db.session, service, data, EDITOR, expected_version=stale_version)
    assert [r.changes for r in exc.value.newer] == [{"fees": ["Miễn lệ phí", "20.000 đồng"]}]
    db.session.rollback()
    assert db.session.get(Service, service.id).name == "Đăng ký khai sinh"


def test_concurrent_update_of_the_same_row_fails_instead_of_overwriting(app, make_service):
    service = make_service()
    other = db.session.get(Service, service.id)
    # A second session reads the same version and commits first.
    with db.engine.connect() as conn:
        conn.execute(Service.__table__.update().where(Service.id == service.id)
                     .values(fees="từ phiên khác", version=service.version + 1))
        conn.commit()
    other.fees = "ghi đè"
    with pytest.raises(StaleDataError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Service, service.id).fees == "từ phiên khác"


def test_restoring_an_old_revision_is_a_new_revision(make_service):
    service = make_service()
    first = service.revisions[0]
    edit(service, name="Tên sai")
    db.session.commit()
    rev = restore_revision(db.session, service, first, EDITOR, expected_version=service.version)
    db.session.commit()
    assert service.name == "Đăng ký khai sinh"
    assert rev.action == "revert" and rev.changes["name"] == ["Tên sai", "Đăng ký khai sinh"]
    assert len(service.revisions) == 3


def test_each_change_writes_a_change_log_row_in_the_same_transaction(make_service):
    service = make_service()
    before = db.session.scalar(select(func.count()).select_from(ChangeLog))
    edit(service, fees="1")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ChangeLog)) == before
    assert db.session.scalar(select(func.count()).select_from(Revision)) == 1


def test_codes_are_unique(make_service):
    make_service()
    with pytest.raises(Exception):  # noqa: B017  (IntegrityError from either database)
        make_service(name="Trùng mã")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Service)) == 1

