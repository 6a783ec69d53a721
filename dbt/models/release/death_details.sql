with

participants as (
    select * from {{ ref('int_release__participants') }}
)

select
    participant_id,
    date_of_death as death_date
from participants
where date_of_death is not null
