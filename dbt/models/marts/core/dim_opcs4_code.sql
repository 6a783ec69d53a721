with

opcs4_codes as (
    select * from {{ ref('stg_code_systems__opcs4_codes') }}
)

select
    opcs4_code,
    hes_code,
    title
from opcs4_codes
