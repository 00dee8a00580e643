"""working-day calendar and index indicators: the days the government moved
(calendar_day); revision.missing_parts (the mandatory parts each revision's state lacks,
indicator 1.3), revision.decision_date and revision.partial_reason (indicators 1.1, 1.2,
3.1 as of any date), filled from the stored snapshots

Revision ID: 0011
Revises: 0010
"""
import datetime
import json

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
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
        batch_op.add_column(sa.Column('decision_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('partial_reason', sa.String(length=16), nullable=True))

    # The rule lives in the domain (one place); this fills the new column once.
    from catalogue.completeness import missing_mask

    bind = op.get_bind()
    revision_table = sa.table('revision', sa.column('id', sa.Integer), sa.column('snapshot', sa.JSON),
                              sa.column('missing_parts', sa.Integer), sa.column('decision_date', sa.Date),
                              sa.column('partial_reason', sa.String))
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
            snapshot = snapshot or {}
            decision = snapshot.get('decision')
            decided = decision.get('date') if isinstance(decision, dict) else None
            try:
                decided = datetime.date.fromisoformat(decided[:10]) if decided else None
            except (TypeError, ValueError):
                decided = None
            reason = snapshot.get('partial_reason')
            updates.append({'rid': rid, 'mask': missing_mask(snapshot), 'decided': decided,
                            'reason': reason if reason in ('presence', 'verification', 'technical') else None})
        bind.execute(
            revision_table.update().where(revision_table.c.id == sa.bindparam('rid'))
            .values(missing_parts=sa.bindparam('mask'), decision_date=sa.bindparam('decided'),
                    partial_reason=sa.bindparam('reason')), updates)
        last = rows[-1][0]


def downgrade():
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.drop_column('partial_reason')
        batch_op.drop_column('decision_date')
        batch_op.drop_column('missing_parts')
    op.drop_table('calendar_day')
