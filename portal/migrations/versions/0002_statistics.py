"""statistics: revision.superseded_at and a covering index for as-of counts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 22:50:00

``superseded_at`` is the end of the interval during which a revision is its service's
state: the earliest ``effective_at`` among the revisions numbered after it. Existing
rows are filled from the history by the same rule the application keeps afterwards.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('superseded_at', sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE revision SET superseded_at = ("
        " SELECT min(later.effective_at) FROM revision AS later"
        " WHERE later.service_id = revision.service_id AND later.number > revision.number)"
    )
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.create_index('ix_revision_state', ['status', 'effective_at', 'superseded_at', 'level',
                                                   'agency_id', 'field_id', 'tier', 'audience'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.drop_index('ix_revision_state')
        batch_op.drop_column('superseded_at')
