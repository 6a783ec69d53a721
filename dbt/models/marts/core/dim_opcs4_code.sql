select
    opcs4_code,
    hes_code,
    title
from {{ ref('stg_code_systems__opcs4_codes') }}
