{{
    config(
        materialized='incremental',
        unique_key='attendance_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['attendance_key'], 'unique': True},
            {'columns': ['participant_pseudonym']},
            {'columns': ['content_ledger_file_id']},
        ],
        post_hook=["{{ remove_withdrawn('participant_pseudonym') }}", "{{ advance_watermark() }}"],
    )
}}
-- depends_on: {{ ref('stg_ledger__files') }}
-- depends_on: {{ ref('stg_hes__ae_attendances') }}
{{ newest_revision('stg_hes__ae_attendances', 'attendance_key') }}
