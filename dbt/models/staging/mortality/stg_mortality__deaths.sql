-- ONS deaths, one row per participant: the newest registration delivered.
with

newest as (
    {{ newest_delivery(source('mortality', 'deaths'), ['participant_pseudonym']) }}
),

withdrawn as (
    {{ withdrawn_no_further_use() }}
)

select
    participant_pseudonym,
    dod as date_of_death,
    dor as date_of_registration,
    cause_of_death as underlying_cause_code,
    delivery_date
from newest
where participant_pseudonym not in (
        select withdrawn.participant_pseudonym from withdrawn
    )
