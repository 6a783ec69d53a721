-- The 13 Genomic Medicine Centres (codes ours, names and lead trusts the programme's).
select
    gmc_code,
    gmc_name,
    lead_trust
from {{ ref('gmc_codes') }}
