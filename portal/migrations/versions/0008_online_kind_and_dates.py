"""online kind and dates: service.online_kind, partial_reason, decision_number,
decision_date, effective_from, abolished_on; revision.online_kind, applies_from,
applies_until; statistics_month.online_kind

Revision ID: 0008
Revises: 0006

Decree 42/2022/NĐ-CP and 224/2026/NĐ-CP classify an online service as toàn trình
(``full``), một phần (``partial``) or not online (``none``). Existing services and
revisions get the kind their Decree 43 level meant (4 -> full, 3 -> partial, 1-2 ->
none: catalogue.vocabulary.default_online_kind). The revision state gains the kind and
the service's window of application, so that as-of counts can count them; the monthly
counts are rebuilt with the kind (the history has no windows yet, so the intervals are
those of migration 0004).
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None

_KIND_OF_LEVEL = "CASE WHEN level >= 4 THEN 'full' WHEN level = 3 THEN 'partial' ELSE 'none' END"


def _vn_month(column, dialect):
    if dialect == 'postgresql':
        return f"to_char({column} + interval '7 hours', 'YYYY-MM')"
    return f"strftime('%Y-%m', {column}, '+7 hours')"


def upgrade():
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('online_kind', sa.String(length=16), nullable=False,
                                      server_default='none'))
        batch_op.add_column(sa.Column('partial_reason', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('decision_number', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('decision_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('effective_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('abolished_on', sa.Date(), nullable=True))
    op.execute(f"UPDATE service SET online_kind = {_KIND_OF_LEVEL}")
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.create_index('ix_service_status_online_kind', [
            'status', 'level', 'online_kind', 'effective_from', 'abolished_on'], unique=False)

    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.drop_index('ix_revision_state')
        batch_op.add_column(sa.Column('online_kind', sa.String(length=16), nullable=False,
                                      server_default='none'))
        batch_op.add_column(sa.Column('applies_from', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('applies_until', sa.DateTime(), nullable=True))
    op.execute(f"UPDATE revision SET online_kind = {_KIND_OF_LEVEL}")
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.create_index('ix_revision_state', [
            'status', 'level', 'online_kind', 'agency_id', 'field_id', 'tier', 'audience',
            'effective_at', 'superseded_at', 'applies_from', 'applies_until'], unique=False)

    op.drop_index('ix_statistics_month_month_level', table_name='statistics_month')
    with op.batch_alter_table('statistics_month', schema=None) as batch_op:
        batch_op.add_column(sa.Column('online_kind', sa.String(length=16), nullable=False,
                                      server_default='none'))
    op.execute("DELETE FROM statistics_month")
    dialect = op.get_bind().dialect.name
    op.execute(
        "INSERT INTO statistics_month (month, level, online_kind, delta)"
        " SELECT month, level, online_kind, sum(n) FROM ("
        f"  SELECT {_vn_month('effective_at', dialect)} AS month, level, online_kind, 1 AS n"
        "   FROM revision"
        "   WHERE status = 'published' AND (superseded_at IS NULL OR superseded_at > effective_at)"
        "  UNION ALL"
        f"  SELECT {_vn_month('superseded_at', dialect)} AS month, level, online_kind, -1 AS n"
        "   FROM revision"
        "   WHERE status = 'published' AND superseded_at > effective_at"
        " ) AS changes GROUP BY month, level, online_kind HAVING sum(n) <> 0"
    )
    op.create_index('ix_statistics_month_month_level', 'statistics_month',
                    ['month', 'level', 'online_kind'])


def downgrade():
    op.drop_index('ix_statistics_month_month_level', table_name='statistics_month')
    with op.batch_alter_table('statistics_month', schema=None) as batch_op:
        batch_op.drop_column('online_kind')
    op.create_index('ix_statistics_month_month_level', 'statistics_month', ['month', 'level'])
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.drop_index('ix_revision_state')
        batch_op.drop_column('applies_until')
        batch_op.drop_column('applies_from')
        batch_op.drop_column('online_kind')
        batch_op.create_index('ix_revision_state', [
            'status', 'level', 'agency_id', 'field_id', 'tier', 'audience', 'effective_at',
            'superseded_at'], unique=False)
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_index('ix_service_status_online_kind')
        batch_op.drop_column('abolished_on')
        batch_op.drop_column('effective_from')
        batch_op.drop_column('decision_date')
        batch_op.drop_column('decision_number')
        batch_op.drop_column('partial_reason')
        batch_op.drop_column('online_kind')
