with

samples as (
    select * from {{ ref('int_release__samples') }}
)

select
    participant_id,
    platekey as plate_key
from samples
