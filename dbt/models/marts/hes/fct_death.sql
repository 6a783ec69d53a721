with

deaths as (
    select * from {{ ref('stg_mortality__deaths') }}
),

participants as (
    select
        referral_id,
        participant_pseudonym
    from {{ ref('stg_referrals__participants') }}
),

icd10_codes as (
    select * from {{ ref('stg_code_systems__icd10_codes') }}
)

select
    participants.referral_id,
    deaths.date_of_death,
    deaths.date_of_registration,
    deaths.underlying_cause_code,
    {%- for i in range(1, 16) %}
        deaths.multiple_cause_{{ '%02d' % i }},
    {%- endfor %}
    nullif(concat_ws(
        '|',
        {%- for i in range(1, 16) %}
            deaths.multiple_cause_{{ '%02d' % i }}{{ ',' if not loop.last }}
        {%- endfor %}
    ), '') as multiple_cause_all,
    icd.description as underlying_cause_description,
    icd.chapter as underlying_cause_chapter
from deaths
inner join participants on deaths.participant_pseudonym = participants.participant_pseudonym
left join icd10_codes as icd
    on
        deaths.underlying_cause_code = icd.hes_code
        or deaths.underlying_cause_code = replace(icd.icd10_code, '.', '')
