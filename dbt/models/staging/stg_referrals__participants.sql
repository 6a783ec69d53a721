-- One row per referred participant: the newest delivery of each referral_id, consented,
-- not withdrawn with no_further_use.
with

newest as (
    {{ newest_delivery(source('raw', 'referrals_participants'), ['referral_id']) }}
),

withdrawn as (
    {{ withdrawn_no_further_use() }}
)

select
    newest.referral_id,
    newest.participant_pseudonym,
    newest.gmc_code,
    newest.family_id,
    newest.relationship_to_proband,
    newest.affection_status,
    newest.sex,
    newest.year_of_birth,
    newest.age_at_referral,
    newest.programme,
    newest.disease_group,
    newest.specific_disease,
    newest.referral_date,
    newest.delivery_date,
    newest.ledger_file_id
from newest
where
    newest.consent_status = 'consented'
    and newest.referral_id not in (select withdrawn.referral_id from withdrawn)
    and newest.participant_pseudonym not in (
        select withdrawn.participant_pseudonym from withdrawn
    )
