with

source as (
    select * from {{ source('panelapp', 'panels') }}
),

ranked as (
    select
        panel_id,
        name as panel_name,
        version as panel_version,
        relevant_disorders,
        delivery_date,
        row_number() over (
            partition by panel_id, version order by delivery_date, ledger_file_id
        ) as delivery_rank
    from source
)

select
    panel_id,
    panel_name,
    panel_version,
    string_to_array(panel_version, '.')::int[] as panel_version_parts,
    relevant_disorders,
    delivery_date as first_delivered_date
from ranked
where delivery_rank = 1
