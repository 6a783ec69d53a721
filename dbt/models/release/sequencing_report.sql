with

samples as (
    select * from {{ ref('int_release__samples') }}
)

select
    participant_id,
    platekey as plate_key,
    null::text as lab_sample_id,
    'GRCh38'::text as genome_build,
    sequencing_delivery_date as delivery_date,
    'genomes/' || sequencing_delivery_date::text || '/' || released_file_name as path
from samples
