with

source as (
    select * from {{ source('code_systems', 'hpo_terms') }}
),

renamed as (
    select
        hpo_id,
        hpo_name,
        is_obsolete,
        release as hpo_release
    from source
)

select * from renamed
