with

participants as (
    select * from {{ ref('int_release__participants') }}
)

select
    participant_id,
    disease_group,
    specific_disease,
    disease_group as normalised_disease_group,
    null::text as normalised_disease_sub_group,
    specific_disease as normalised_specific_disease,
    null::text as disease_sub_group,
    null::integer as age_of_onset
from participants
where is_rare_disease and affection_status = 'Affected'
