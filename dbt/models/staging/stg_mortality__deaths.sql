-- ONS deaths, one row per participant: the newest registration delivered.
with

newest as (
    {{ newest_delivery(source('raw', 'mortality_deaths'), ['participant_pseudonym']) }}
),

withdrawn as (
    {{ withdrawn_no_further_use() }}
)

select
    newest.participant_pseudonym,
    newest.dod as date_of_death,
    newest.dor as date_of_registration,
    newest.cause_of_death as underlying_cause_code,
    newest.delivery_date
from newest
where newest.participant_pseudonym not in (
    select withdrawn.participant_pseudonym from withdrawn
)
