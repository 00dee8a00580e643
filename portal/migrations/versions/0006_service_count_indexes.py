"""service count indexes: (status, agency_id) and (status, field_id), so the counts of
published services by agency and by field read an index instead of the service rows

Revision ID: 0006
Revises: 0005
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.create_index('ix_service_status_agency', ['status', 'agency_id'], unique=False)
        batch_op.create_index('ix_service_status_field', ['status', 'field_id'], unique=False)


def downgrade():
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_index('ix_service_status_field')
        batch_op.drop_index('ix_service_status_agency')
