"""Genomics suite: is each genome fit to be interpreted? (after `gwh variants load`)

Per-sample bcftools-stats figures against germline expectations (domain.md: Ti/Tv ~2.0-2.1
for genomes, het/hom-alt ~1.5-2), the provider's QC JSON against coverage and contamination
thresholds, and reported vs inferred sex. Individual outliers are warnings (a sample for a
scientist to review: a genuine sex-chromosome aneuploidy looks like a swap); a genome whose
coverage or contamination makes calls unreliable, or a sequencing batch whose mean Ti/Tv
has drifted, is critical: its tiers must not reach a report that night.

Thresholds follow a 30x PCR-free WGS pipeline: germline mean coverage >= 30x expected
(warning below), < 15x unusable (critical); contamination > 3 % warrants review, > 10 %
invalidates germline calls. Tumour genomes aim at ~75x; < 40x is unusable.
"""

from __future__ import annotations

from quality.expectations.spec import AssetSuite, rows

TITV_SAMPLE = (1.7, 2.4)
TITV_BATCH = (1.8, 2.3)
HET_HOM_ALT = (1.2, 2.6)
COVERAGE_GERMLINE_WARNING, COVERAGE_GERMLINE_CRITICAL = 30.0, 15.0
COVERAGE_TUMOUR_WARNING, COVERAGE_TUMOUR_CRITICAL = 60.0, 40.0
PCT_15X_WARNING, PCT_15X_CRITICAL = 95.0, 50.0
CONTAMINATION_WARNING, CONTAMINATION_CRITICAL = 0.03, 0.10

#: Newest QC per platekey with the manifest's sample type and the referral's reported sex.
QC_LATEST = """with qc as (
  select distinct on (platekey) platekey, delivery_date, mean_coverage, pct_bases_ge_15x,
         contamination_fraction, reported_sex, inferred_sex, insert_size_median,
         reads_mapped_pct
  from raw.sequencing_qc
  order by platekey, delivery_date desc, ledger_file_id desc),
man as (
  select distinct on (platekey) platekey, referral_id, sample_type
  from raw.sequencing_manifest where file_type = 'qc'
  order by platekey, delivery_date desc, ledger_file_id desc)
select qc.*, man.referral_id, man.sample_type
from qc join man using (platekey)"""

#: Newest per-sample stats of germline samples (tumour/somatic VCFs are not germline-like).
STATS_GERMLINE = """select distinct on (s.platekey) s.platekey, s.delivery_date, s.referral_id,
       s.transitions, s.transversions, s.het, s.non_ref_hom, s.mean_depth, s.inferred_sex,
       s.transitions::float8 / nullif(s.transversions, 0) as ti_tv,
       s.het::float8 / nullif(s.non_ref_hom, 0) as het_hom_alt
from raw.variant_sample_stats s
where exists (select 1 from raw.variant_summaries v
              where v.ledger_file_id = s.ledger_file_id and v.sample_type = 'germline')
order by s.platekey, s.delivery_date desc, s.ledger_file_id desc"""


def build() -> list[AssetSuite]:
    import great_expectations.expectations as gxe

    stats = AssetSuite("genomics.germline_sample_stats", query=STATS_GERMLINE)
    stats.add("ti_tv.germline_range", "plausibility", "warning",
              gxe.ExpectColumnValuesToBeBetween, column="ti_tv", min_value=TITV_SAMPLE[0],
              max_value=TITV_SAMPLE[1])  # fmt: skip
    stats.add("het_hom_alt.germline_range", "plausibility", "warning",
              gxe.ExpectColumnValuesToBeBetween, column="het_hom_alt",
              min_value=HET_HOM_ALT[0], max_value=HET_HOM_ALT[1])  # fmt: skip
    stats.add(
        "ti_tv.computable",
        "completeness",
        "critical",
        gxe.ExpectColumnValuesToNotBeNull,
        column="ti_tv",
    )
    stats.add("ti_tv.batch_mean", "plausibility", "critical", gxe.UnexpectedRowsExpectation,
              **rows(f"select delivery_date, avg(ti_tv) as mean_ti_tv from {{batch}} "
                     f"group by delivery_date having avg(ti_tv) not between {TITV_BATCH[0]} "
                     f"and {TITV_BATCH[1]}"))  # fmt: skip

    qc = AssetSuite("genomics.sample_qc", query=QC_LATEST)
    germ = "sample_type = 'germline'"
    tum = "sample_type = 'tumour'"
    checks = [
        ("mean_coverage.germline_usable", "critical",
         f"{germ} and mean_coverage < {COVERAGE_GERMLINE_CRITICAL}"),
        ("mean_coverage.germline_target", "warning",
         f"{germ} and mean_coverage < {COVERAGE_GERMLINE_WARNING}"),
        ("mean_coverage.tumour_usable", "critical",
         f"{tum} and mean_coverage < {COVERAGE_TUMOUR_CRITICAL}"),
        ("mean_coverage.tumour_target", "warning",
         f"{tum} and mean_coverage < {COVERAGE_TUMOUR_WARNING}"),
        ("pct_bases_ge_15x.usable", "critical",
         f"{germ} and pct_bases_ge_15x < {PCT_15X_CRITICAL}"),
        ("pct_bases_ge_15x.target", "warning",
         f"{germ} and pct_bases_ge_15x < {PCT_15X_WARNING}"),
        ("contamination.usable", "critical",
         f"contamination_fraction > {CONTAMINATION_CRITICAL}"),
        ("contamination.target", "warning", f"contamination_fraction > {CONTAMINATION_WARNING}"),
    ]  # fmt: skip
    for cid, sev, where in checks:
        qc.add(cid, "plausibility", sev, gxe.UnexpectedRowsExpectation,
               **rows(f"select platekey from {{batch}} where {where}"))  # fmt: skip
    qc.add("reads_mapped_pct.target", "plausibility", "warning",
           gxe.ExpectColumnValuesToBeBetween, column="reads_mapped_pct", min_value=90,
           max_value=100)  # fmt: skip
    qc.add("insert_size.plausible", "plausibility", "warning", gxe.ExpectColumnValuesToBeBetween,
           column="insert_size_median", min_value=200, max_value=800)  # fmt: skip
    qc.add(
        "sex.reported_matches_inferred",
        "plausibility",
        "warning",
        gxe.UnexpectedRowsExpectation,
        **rows(
            "select platekey, reported_sex, inferred_sex from {batch} "
            f"where {germ} and reported_sex in ('male', 'female') "
            "and inferred_sex in ('male', 'female') and reported_sex <> inferred_sex"
        ),
    )
    qc.add("sex.reported_matches_referral", "conformance", "critical",
           gxe.UnexpectedRowsExpectation,
           **rows("select b.platekey from {batch} b join (select distinct on (referral_id) "
                  "referral_id, sex from raw.referrals_participants order by referral_id, "
                  "delivery_date desc, ledger_file_id desc) p using (referral_id) "
                  "where b.reported_sex <> p.sex"))  # fmt: skip

    genomes = AssetSuite(
        "genomics.genome_files",
        query="""select distinct on (m.file_name) m.file_name, m.platekey, m.sample_type,
       m.delivery_date, exists (select 1 from raw.variant_summaries v
                                where v.file_name = m.file_name) as loaded
from raw.sequencing_manifest m where m.file_type = 'vcf'
order by m.file_name, m.delivery_date desc""",
    )
    genomes.add(
        "every_vcf_loaded",
        "completeness",
        "warning",
        gxe.UnexpectedRowsExpectation,
        **rows("select file_name from {batch} where not loaded"),
    )
    genomes.add("qc_for_every_sample", "completeness", "warning",
                gxe.UnexpectedRowsExpectation,
                **rows("select distinct b.platekey from {batch} b where b.platekey <> '' and "
                       "not exists (select 1 from raw.sequencing_qc q "
                       "where q.platekey = b.platekey)"))  # fmt: skip

    tiers = AssetSuite("genomics.variant_tiers", table="raw.variant_tiers")
    tiers.add(
        "tier.in_code_list",
        "conformance",
        "critical",
        gxe.ExpectColumnValuesToBeInSet,
        column="tier",
        value_set=[1, 2, 3],
    )
    tiers.add(
        "impact.in_code_list",
        "conformance",
        "critical",
        gxe.ExpectColumnValuesToBeInSet,
        column="impact",
        value_set=["HIGH", "MODERATE"],
    )
    tiers.add(
        "panel_for_tier_1_2",
        "completeness",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows(
            "select family_id, gene_symbol from {batch} where tier in (1, 2) and panel_id is null"
        ),
    )
    tiers.add(
        "gnomad_af.rare",
        "plausibility",
        "critical",
        gxe.ExpectColumnValuesToBeBetween,
        column="gnomad_af",
        min_value=0,
        max_value=0.01,
    )
    return [stats, qc, genomes, tiers]
