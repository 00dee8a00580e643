"""session epoch: a counter in every session id, bumped when an account is disabled

Revision ID: 0005
Revises: 0004

Existing accounts start at 0, which stamps sessions as before: nobody is signed out by
the upgrade itself.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
