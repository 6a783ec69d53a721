with

gmc_codes as (
    select * from {{ ref('gmc_codes') }}
)

select
    gmc_code,
    gmc_name,
    lead_trust
from gmc_codes
