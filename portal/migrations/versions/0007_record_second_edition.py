"""record, second edition: document_notes and channels on each service

Revision ID: 0007
Revises: 0006

Both are JSON lists and start empty. The richer items of ``documents`` (copy_type, group,
condition) and ``forms`` (kind) need no schema change: the columns stay JSON, and a
first-edition item reads with its defaults (group "submit", kind from the link), so no
row is rewritten by the upgrade.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_notes', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('channels', sa.JSON(), server_default='[]', nullable=False))


def downgrade():
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('channels')
        batch_op.drop_column('document_notes')
