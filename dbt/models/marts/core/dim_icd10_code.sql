with

icd10_codes as (
    select * from {{ ref('stg_code_systems__icd10_codes') }}
)

select
    icd10_code,
    hes_code,
    description,
    chapter,
    block,
    icd10_release
from icd10_codes
