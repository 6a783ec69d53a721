select
    icd10_code,
    hes_code,
    description,
    chapter,
    block,
    icd10_release
from {{ ref('stg_code_systems__icd10_codes') }}
