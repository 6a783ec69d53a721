with

tumours as (
    select * from {{ ref('stg_referrals__tumours') }}
),

participants as (
    select * from {{ ref('int_release__participants') }}
),

samples as (
    select * from {{ ref('int_release__samples') }}
)

select
    participants.participant_id,
    tumours.tumour_sample_platekey,
    tumours.germline_sample_platekey,
    upper(replace(participants.disease_group, ' ', '_')) as disease_type,
    upper(replace(participants.specific_disease, ' ', '_')) as disease_sub_type,
    null::text as tumour_type,
    null::text as study_abbreviation,
    tumour.sequencing_delivery_date as tumour_delivery_date,
    germline.sequencing_delivery_date as germline_delivery_date,
    'genomes/' || tumour.sequencing_delivery_date::text || '/' || tumour.released_file_name
        as somatic_small_variants_vcf_path,
    tumour.transitions + tumour.transversions as somatic_snv_count,
    tumour.indel_count as somatic_indel_count,
    tumour.ts_tv as somatic_ts_tv,
    tumour.file_records as somatic_variant_records
from tumours
inner join participants on tumours.referral_id = participants.referral_id
left join samples as tumour on tumours.tumour_sample_platekey = tumour.platekey
left join samples as germline on tumours.germline_sample_platekey = germline.platekey
