with

participants as (
    select * from {{ ref('dim_participant') }}
)

select
    referral_id,
    gmc_code,
    family_id,
    is_proband,
    programme,
    consent_state,
    consent_state_since
from participants
where
    not is_no_further_contact
    and consent_state = 'consented'
    and date_of_death is null
