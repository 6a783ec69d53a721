-- ICD-10 (WHO 2019) categories and subcategories, with the HES 4-character form.
select
    icd10_code,
    hes_code,
    description,
    chapter,
    block,
    release as icd10_release
from {{ source('raw', 'ref_icd10') }}
