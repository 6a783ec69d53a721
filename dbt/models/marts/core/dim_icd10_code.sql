-- ICD-10 (WHO 2019) categories and subcategories, with the HES 4-character form.
select
    icd10_code,
    hes_code,
    description,
    chapter,
    block,
    icd10_release
from {{ ref('stg_code_systems__icd10_codes') }}
