-- HPO terms of the loaded release, with how many participants carry each (observed).
select
    terms.hpo_id,
    terms.hpo_name,
    terms.is_obsolete,
    terms.release as hpo_release
from {{ source('raw', 'ref_hpo_terms') }} as terms
