select
    gmc_code,
    gmc_name,
    lead_trust
from {{ ref('gmc_codes') }}
