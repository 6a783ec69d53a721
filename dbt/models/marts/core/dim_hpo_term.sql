-- HPO terms of the loaded release, with how many participants carry each (observed).
select
    hpo_id,
    hpo_name,
    is_obsolete,
    release as hpo_release
from {{ source('raw', 'ref_hpo_terms') }}
