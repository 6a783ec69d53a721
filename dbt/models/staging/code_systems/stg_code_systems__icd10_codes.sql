with

source as (
    select * from {{ source('code_systems', 'icd10') }}
),

renamed as (
    select
        icd10_code,
        hes_code,
        description,
        chapter,
        block,
        release as icd10_release
    from source
)

select * from renamed
