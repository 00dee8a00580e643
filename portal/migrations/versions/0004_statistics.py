"""statistics: revision.superseded_at, monthly counts, a covering index for as-of counts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 22:50:00

``superseded_at`` is the end of the interval during which a revision is its service's
state: the earliest ``effective_at`` among the revisions numbered after it.
``statistics_month`` holds the net change of published services per month (Vietnam time)
and level. Both are filled here from the existing history by the same rules the
application keeps on every write afterwards (catalogue.statistics).
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def _vn_month(column, dialect):
    if dialect == 'postgresql':
        return f"to_char({column} + interval '7 hours', 'YYYY-MM')"
    return f"strftime('%Y-%m', {column}, '+7 hours')"


def upgrade():
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('superseded_at', sa.DateTime(), nullable=True))
    op.create_table('statistics_month',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statistics_month'))
    )
    op.create_index('ix_statistics_month_month_level', 'statistics_month', ['month', 'level'])
    op.execute(
        "UPDATE revision SET superseded_at = ("
        " SELECT min(later.effective_at) FROM revision AS later"
        " WHERE later.service_id = revision.service_id AND later.number > revision.number)"
    )
    dialect = op.get_bind().dialect.name
    op.execute(
        "INSERT INTO statistics_month (month, level, delta)"
        " SELECT month, level, sum(n) FROM ("
        f"  SELECT {_vn_month('effective_at', dialect)} AS month, level, 1 AS n FROM revision"
        "   WHERE status = 'published' AND (superseded_at IS NULL OR superseded_at > effective_at)"
        "  UNION ALL"
        f"  SELECT {_vn_month('superseded_at', dialect)} AS month, level, -1 AS n FROM revision"
        "   WHERE status = 'published' AND superseded_at > effective_at"
        " ) AS changes GROUP BY month, level"
    )
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.create_index('ix_revision_state', ['status', 'level', 'agency_id', 'field_id', 'tier',
                                                   'audience', 'effective_at', 'superseded_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.drop_index('ix_revision_state')
        batch_op.drop_column('superseded_at')
    op.drop_index('ix_statistics_month_month_level', table_name='statistics_month')
    op.drop_table('statistics_month')
