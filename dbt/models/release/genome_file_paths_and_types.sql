with

samples as (
    select * from {{ ref('int_release__samples') }}
)

select
    participant_id,
    platekey,
    'GRCh38'::text as genome_build,
    case
        when sample_type = 'tumour' then 'cancer tumour'
        when is_rare_disease then 'rare disease germline'
        else 'cancer germline'
    end as type,
    'genomes/' || sequencing_delivery_date::text || '/' || released_file_name as file_path,
    released_file_name as filename,
    'Variations'::text as file_type,
    case when sample_type = 'tumour' then 'Somatic VCF' else 'Standard VCF' end
        as file_sub_type,
    to_char(sequencing_delivery_date, 'YYYY-MM-DD') as delivery_version
from samples
