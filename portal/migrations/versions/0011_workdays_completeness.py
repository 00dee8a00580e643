"""working-day calendar and completeness: the days the government moved (calendar_day),
and revision.missing_parts, the mandatory parts each revision's state lacks (indicator 1.3
as of any date), filled from the stored snapshots

Revision ID: 0011
Revises: 0006
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'calendar_day',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('decision', sa.String(length=300), nullable=False),
        sa.Column('note', sa.String(length=300), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_day')),
        sa.UniqueConstraint('day', name=op.f('uq_calendar_day_day')),
    )
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('missing_parts', sa.Integer(), nullable=True))

    # The rule lives in the domain (one place); this fills the new column once.
    from catalogue.completeness import missing_mask

    bind = op.get_bind()
    revision_table = sa.table('revision', sa.column('id', sa.Integer), sa.column('snapshot', sa.JSON),
                              sa.column('missing_parts', sa.Integer))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(revision_table.c.id, revision_table.c.snapshot)
            .where(revision_table.c.id > last).order_by(revision_table.c.id).limit(2000)
        ).all()
        if not rows:
            break
        updates = []
        for rid, snapshot in rows:
            if isinstance(snapshot, str):
                snapshot = json.loads(snapshot)
            updates.append({'rid': rid, 'mask': missing_mask(snapshot or {})})
        bind.execute(
            revision_table.update().where(revision_table.c.id == sa.bindparam('rid'))
            .values(missing_parts=sa.bindparam('mask')), updates)
        last = rows[-1][0]


def downgrade():
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.drop_column('missing_parts')
    op.drop_table('calendar_day')
