with

participants as (
    select * from {{ ref('int_release__participants') }}
),

parents as (
    select * from {{ ref('int_release__parents') }}
)

select
    participants.rare_diseases_family_id,
    participants.participant_id,
    participants.relationship_to_proband_label as relationship_to_proband,
    participants.phenotypic_sex,
    participants.affection_status,
    participants.is_proband as proband,
    case
        when participants.relationship_to_proband in ('proband', 'sibling')
            then parents.mother_id
    end as mother_id,
    case
        when participants.relationship_to_proband in ('proband', 'sibling')
            then parents.father_id
    end as father_id,
    case when participants.date_of_death is null then 'Alive' else 'Deceased' end
        as life_status,
    participants.date_of_death
from participants
left join parents on participants.family_id = parents.family_id
where participants.is_rare_disease
