"""places and life events: today's communes, the old place names that lead to them,
service points (where applications are received, with opening hours), and the
life-event codes of a service (contract, second edition)

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('commune',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commune')),
    sa.UniqueConstraint('slug', name=op.f('uq_commune_slug'))
    )
    op.create_table('old_place',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('old_province', sa.String(length=100), nullable=False),
    sa.Column('old_district', sa.String(length=100), nullable=False),
    sa.Column('old_commune', sa.String(length=100), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_old_place_commune_id_commune'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_old_place'))
    )
    with op.batch_alter_table('old_place', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_old_place_commune_id'), ['commune_id'], unique=False)

    op.create_table('service_point',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('phone', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('opening_hours', sa.JSON(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_service_point_commune_id_commune'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_point')),
    sa.UniqueConstraint('code', name=op.f('uq_service_point_code'))
    )
    with op.batch_alter_table('service_point', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_point_commune_id'), ['commune_id'], unique=False)

    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('life_events', sa.JSON(), nullable=False, server_default='[]'))


def downgrade():
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('life_events')
    with op.batch_alter_table('service_point', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_point_commune_id'))
    op.drop_table('service_point')
    with op.batch_alter_table('old_place', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_old_place_commune_id'))
    op.drop_table('old_place')
    op.drop_table('commune')
