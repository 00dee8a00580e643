"""Domain operations: revisions, workflow, optimistic locking, change log."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from catalogue.editing import AgencyNotAllowed, CodeTaken, ReferenceGone, revert_service, save_service
from catalogue.models import ChangeLog, Revision, Service
from catalogue.operations import (
    Actor,
    ConflictError,
    TransitionError,
    change_status,
    content_of,
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
    service = make_service(partial_reason="presence")
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


def test_reverting_to_an_old_revision_is_a_new_revision(make_service, accounts):
    service = make_service()
    first = service.revisions[0]
    edit(service, name="Tên sai")
    db.session.commit()
    rev = revert_service(db.session, accounts["justice"], service, first, expected_version=service.version)
    db.session.commit()
    assert service.name == "Đăng ký khai sinh"
    assert rev.action == "revert" and rev.changes["name"] == ["Tên sai", "Đăng ký khai sinh"]
    assert len(service.revisions) == 3


def test_each_change_writes_a_change_log_row_in_the_same_transaction(make_service):
    service = make_service()
    before = db.session.scalar(select(func.count()).select_from(ChangeLog))
    service_id = service.id
    edit(service, fees="1")
    db.session.flush()
    assert db.session.scalar(select(func.count()).select_from(ChangeLog)) == before + 1
    db.session.rollback()
    # Rolled back together: the content, its revision and its change-log row.
    assert db.session.get(Service, service_id).fees == "Miễn lệ phí"
    assert db.session.scalars(select(Revision.action)).all() == ["create"]
    assert db.session.scalar(select(func.count()).select_from(ChangeLog)) == before


def test_codes_are_unique(make_service):
    make_service()
    with pytest.raises(IntegrityError):  # the database's own constraint, on either engine
        make_service(name="Trùng mã")
    db.session.rollback()
    assert db.session.scalars(select(Service.name)).all() == ["Đăng ký khai sinh"]


def test_save_refuses_a_taken_code_and_writes_nothing(make_service, accounts):
    service = make_service()
    other = make_service(code="1.000894", name="Đăng ký kết hôn")
    clean = content_of(other) | {"code": service.code, "name": "Đổi tên"}
    with pytest.raises(CodeTaken) as refused:
        save_service(db.session, accounts["admin"], clean, service=other, expected_version=other.version)
    assert refused.value.field == "code" and "“1.001193” đã được dùng" in refused.value.message
    db.session.rollback()
    assert db.session.get(Service, other.id).name == "Đăng ký kết hôn"


def test_editor_cannot_revert_a_service_into_another_agency(make_service, accounts, catalogue_refs):
    """A revision from when the service belonged elsewhere: reverting to it would move the
    service to an agency the editor may not assign, so it is refused like the edit form."""
    service = make_service(agency="so-ke-hoach-va-dau-tu")
    first = service.revisions[0]
    edit(service, agency="so-tu-phap")
    db.session.commit()
    with pytest.raises(AgencyNotAllowed):
        revert_service(db.session, accounts["justice"], service, first, expected_version=service.version)
    db.session.rollback()
    assert db.session.get(Service, service.id).agency.code == "so-tu-phap"


def test_revert_to_a_revision_whose_agency_is_gone_is_refused(make_service, accounts):
    service = make_service()
    first = service.revisions[0]
    first.snapshot = {**first.snapshot, "agency": "co-quan-da-giai-the"}
    db.session.commit()
    with pytest.raises(ReferenceGone):
        revert_service(db.session, accounts["admin"], service, first, expected_version=service.version)

