"""service views: a counter per service page, the portal's measure of "most used"

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('service_view',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.Column('last_viewed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_service_view_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('service_id', name=op.f('pk_service_view'))
    )
    with op.batch_alter_table('service_view', schema=None) as batch_op:
        batch_op.create_index('ix_service_view_views', ['views'], unique=False)


def downgrade():
    with op.batch_alter_table('service_view', schema=None) as batch_op:
        batch_op.drop_index('ix_service_view_views')
    op.drop_table('service_view')
