with

hpo_terms as (
    select * from {{ ref('stg_code_systems__hpo_terms') }}
)

select
    hpo_id,
    hpo_name,
    is_obsolete,
    hpo_release
from hpo_terms
