select
    hpo_id,
    hpo_name,
    is_obsolete,
    hpo_release
from {{ ref('stg_code_systems__hpo_terms') }}
