with

source as (
    select * from {{ source('sequencing', 'manifest') }}
),

withdrawn as (
    {{ withdrawn_no_further_use() }}
),

newest as (
    {{ newest_delivery('source', ['platekey', 'file_name']) }}
)

select
    platekey,
    referral_id,
    family_id,
    sample_type,
    file_name,
    file_type,
    genome_build,
    delivery_date as sequencing_delivery_date,
    ledger_file_id
from newest
where referral_id not in (select withdrawn.referral_id from withdrawn)
