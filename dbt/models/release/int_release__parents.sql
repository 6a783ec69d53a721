{{ config(materialized='ephemeral') }}
{#- Each rare-disease family's mother and father as the release knows them: their release
    ids and whether they are affected, for the pedigree and the *_affected columns. -#}
with

participants as (
    select * from {{ ref('int_release__participants') }}
)

select
    family_id,
    min(participant_id) filter (where relationship_to_proband = 'mother') as mother_id,
    min(participant_id) filter (where relationship_to_proband = 'father') as father_id,
    min(
        case when affection_status = 'Affected' then 'Yes' else 'No' end
    ) filter (where relationship_to_proband = 'mother') as mother_affected,
    min(
        case when affection_status = 'Affected' then 'Yes' else 'No' end
    ) filter (where relationship_to_proband = 'father') as father_affected
from participants
where is_rare_disease
group by family_id
