-- Participants a GMC may recontact (e.g. about a newly actionable finding): alive,
-- consented, and not withdrawn with no_further_contact. no_further_use participants never
-- reach dim_participant at all. Owned by issue 8 (governance); the GMC uses referral_id to
-- find the patient in its own records: no contact details are held in the warehouse.
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
