{#- The newest revision of each A&E attendance, every delivered column. -#}
with

attendances as (
    select * from {{ ref('stg_hes__ae_attendances') }}
)

select * from attendances
