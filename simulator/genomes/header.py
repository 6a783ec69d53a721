"""The VCF header the sequencing provider writes (feeds.md: VCFv4.2, GRCh38 contigs, VEP
`CSQ` whose layout is declared in the header, `gnomADg_AF`, FORMAT GT:DP:GQ:AD).
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.genes import GRCH38_CONTIGS
from simulator.genomes import background as bg


def vcf_header(sample_names: Sequence[str], somatic: bool = False) -> str:
    """The VCF header text (meta lines and the #CHROM line)."""
    lines = [
        "##fileformat=VCFv4.2",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        '##FILTER=<ID=LowQual,Description="Low quality call (QUAL < 30)">',
        '##FILTER=<ID=StrandBias,Description="ALT reads come predominantly from one strand">',
    ]
    if somatic:
        lines.append(
            '##FILTER=<ID=LowDepth,Description="Tumour or normal depth below the calling '
            'threshold">'
        )
    lines += [
        '##INFO=<ID=DP,Number=1,Type=Integer,Description="Combined read depth across samples">',
        '##INFO=<ID=gnomADg_AF,Number=A,Type=Float,Description="Alternate allele frequency '
        'in gnomAD genomes v3.1.2 (absent: not seen in gnomAD)">',
    ]
    if somatic:
        lines.append(
            '##INFO=<ID=SOMATIC,Number=0,Type=Flag,Description="Somatic mutation: present in '
            'the tumour, absent from the matched normal">'
        )
    lines += [
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
        "Ensembl VEP. Format: " + "|".join(bg.CSQ_FIELDS) + '">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
        '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Conditional genotype quality">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the REF and '
        'ALT alleles">',
    ]
    lines += [
        f"##contig=<ID={c},length={bg.CONTIG_LENGTHS[c]},assembly=GRCh38>" for c in GRCH38_CONTIGS
    ]
    lines += [
        "##reference=GRCh38",
        "##source=genomics-warehouse simulator",
        '##VEP="v105" cache="homo_sapiens/105_GRCh38" ensembl=105',
        "\t".join(
            ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT"]
            + list(sample_names)
        ),
    ]
    return "\n".join(lines) + "\n"
