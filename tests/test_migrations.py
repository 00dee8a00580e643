"""The migrations build exactly the schema the models describe (no forgotten migration)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from catalogue.models import Base
from portal.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
