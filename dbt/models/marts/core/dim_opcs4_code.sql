-- OPCS-4 procedure codes (curated real list), with the HES 4-character form.
select
    opcs4_code,
    hes_code,
    title
from {{ source('raw', 'ref_opcs4') }}
