with

manifest as (
    select * from {{ ref('stg_sequencing__manifest') }}
),

participants as (
    select * from {{ ref('dim_participant') }}
),

genomes as (
    select
        platekey,
        referral_id,
        min(sample_type) as sample_type,
        min(sequencing_delivery_date) as first_delivered_date
    from manifest
    group by platekey, referral_id
),

joined as (
    select
        participant.gmc_code,
        participant.programme,
        participant.disease_group,
        genomes.sample_type,
        date_trunc('month', genomes.first_delivered_date)::date as delivery_month
    from genomes
    inner join participants as participant
        on genomes.referral_id = participant.referral_id
),

counted as (
    select
        {{ cube_label('gmc_code') }},
        {{ cube_label('programme') }},
        {{ cube_label('disease_group') }},
        {{ cube_label('sample_type') }},
        delivery_month,
        grouping(delivery_month) = 1 as is_all_months,
        count(*) as genomes
    from joined
    group by cube (gmc_code, programme, disease_group, sample_type, delivery_month)
)

select
    gmc_code,
    programme,
    disease_group,
    sample_type,
    delivery_month,
    is_all_months,
    {{ disclosure_control('genomes') }} as genomes
from counted
