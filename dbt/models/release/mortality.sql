with

deaths as (
    select * from {{ ref('fct_death') }}
),

participants as (
    select * from {{ ref('int_release__participants') }}
)

select
    participants.participant_id,
    deaths.date_of_death,
    deaths.date_of_registration,
    deaths.underlying_cause_code as icd10_underlying_cause,
    {%- for i in range(1, 16) %}
        deaths.multiple_cause_{{ '%02d' % i }} as icd10_multiple_cause_{{ '%02d' % i }},
    {%- endfor %}
    deaths.multiple_cause_all as icd10_multiple_cause_all
from deaths
inner join participants on deaths.referral_id = participants.referral_id
