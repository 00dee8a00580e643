"""editions, review and upkeep: draft editions of published services, the per-agency
review setting, reviewed_at, link check results, citizens' feedback, downtime notices

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requires_review', sa.Boolean(), server_default='0', nullable=False))
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(), nullable=True))

    op.create_table('edition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=True),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=False),
    sa.Column('authors', sa.JSON(), nullable=False),
    sa.Column('author', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by', sa.String(length=254), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_edition_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_edition')),
    sa.UniqueConstraint('service_id', 'is_open', name=op.f('uq_edition_service_id'))
    )
    with op.batch_alter_table('edition', schema=None) as batch_op:
        batch_op.create_index('ix_edition_service_id', ['service_id'], unique=False)

    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('useful', sa.Boolean(), nullable=False),
    sa.Column('missing', sa.Text(), nullable=False),
    sa.Column('sender', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_feedback_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback'))
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_service_created', ['service_id', 'created_at'], unique=False)
        batch_op.create_index('ix_feedback_sender_created', ['sender', 'created_at'], unique=False)

    op.create_table('link_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('problem', sa.String(length=300), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_link_check_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_check'))
    )
    with op.batch_alter_table('link_check', schema=None) as batch_op:
        batch_op.create_index('ix_link_check_service_id', ['service_id'], unique=False)

    op.create_table('site_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('shows_from', sa.DateTime(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('author', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_notice'))
    )


def downgrade():
    op.drop_table('site_notice')
    with op.batch_alter_table('link_check', schema=None) as batch_op:
        batch_op.drop_index('ix_link_check_service_id')
    op.drop_table('link_check')
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_sender_created')
        batch_op.drop_index('ix_feedback_service_created')
    op.drop_table('feedback')
    with op.batch_alter_table('edition', schema=None) as batch_op:
        batch_op.drop_index('ix_edition_service_id')
    op.drop_table('edition')
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('reviewed_at')
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_column('requires_review')
