with

families as (
    select * from {{ ref('dim_family') }}
),

family_ids as (
    select * from {{ source('release_admin', 'family_ids') }}
),

released as (
    select distinct family_id from {{ ref('int_release__participants') }}
    where is_rare_disease
)

select
    family_ids.rare_diseases_family_id,
    case families.family_structure
        when 'singleton' then 'Singleton'
        when 'duo' then 'Duo with Mother or Father'
        when 'trio' then 'Trio with Mother and Father'
        when 'trio_plus' then 'Families with more than three Participants'
        else 'Other'
    end as family_group_type,
    null::text as family_medical_review_qc_state_code
from families
inner join released on families.family_id = released.family_id
inner join family_ids on families.family_id = family_ids.family_id
