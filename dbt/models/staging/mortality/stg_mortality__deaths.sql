with

source as (
    select * from {{ source('mortality', 'deaths') }}
),

withdrawn as (
    {{ withdrawn_no_further_use() }}
),

newest as (
    {{ newest_delivery('source', ['participant_pseudonym']) }}
)

select
    participant_pseudonym,
    dod as date_of_death,
    dor as date_of_registration,
    {%- for i in range(1, 16) %}
        nullif(cause_of_death_{{ i }}, '') as multiple_cause_{{ '%02d' % i }},
    {%- endfor %}
    cause_of_death as underlying_cause_code,
    delivery_date,
    ledger_file_id
from newest
where participant_pseudonym not in (
        select withdrawn.participant_pseudonym from withdrawn
    )
