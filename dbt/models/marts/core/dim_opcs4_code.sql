-- OPCS-4 procedure codes (curated real list), with the HES 4-character form.
select
    opcs4_code,
    hes_code,
    title
from {{ ref('stg_code_systems__opcs4_codes') }}
