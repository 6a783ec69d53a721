-- Files delivered by the sequencing provider: newest delivery of each (platekey, file_name).
with

newest as (
    {{ newest_delivery(source('raw', 'sequencing_manifest'), ['platekey', 'file_name']) }}
),

withdrawn as (
    {{ withdrawn_no_further_use() }}
)

select
    newest.platekey,
    newest.referral_id,
    newest.family_id,
    newest.sample_type,
    newest.file_name,
    newest.file_type,
    newest.genome_build,
    newest.delivery_date as sequencing_delivery_date,
    newest.ledger_file_id
from newest
where newest.referral_id not in (select withdrawn.referral_id from withdrawn)
