{#- The newest revision of each outpatient appointment, every delivered column. -#}
with

appointments as (
    select * from {{ ref('stg_hes__op_appointments') }}
)

select * from appointments
