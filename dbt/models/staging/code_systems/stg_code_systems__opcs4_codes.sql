with

source as (
    select * from {{ source('code_systems', 'opcs4') }}
),

renamed as (
    select
        opcs4_code,
        hes_code,
        title,
        release as opcs4_release
    from source
)

select * from renamed
