"""Allele and genotype classification, replicating htslib 1.16 exactly.

Why replicate instead of approximating: `gwh summarise` must report the same numbers as
`bcftools stats -s -`, which classifies each ALT allele with htslib's
`bcf_set_variant_type` and each genotype with `bcf_gt_type`. Their quirks (case-sensitive
single-base comparison, suffix trimming that turns `A>CA` into an indel, BND detection only
after a shared prefix, `*` as "overlap" that no counter sees) decide edge cases, so the
rules are transcribed here rather than re-derived.
"""

from __future__ import annotations

# htslib variant type bits (vcf.h)
VCF_REF = 0
VCF_SNP = 1
VCF_MNP = 2
VCF_INDEL = 4
VCF_OTHER = 8
VCF_BND = 16
VCF_OVERLAP = 32

# bcf_gt_type results (vcfutils.h)
GT_HOM_RR = 0
GT_HOM_AA = 1
GT_HET_RA = 2
GT_HET_AA = 3
GT_HAPL_R = 4
GT_HAPL_A = 5
GT_UNKN = 6

_ACGT = {"A": 0, "C": 1, "G": 2, "T": 3, "a": 0, "c": 1, "g": 2, "t": 3}


def acgt2int(c: str) -> int:
    """htslib `bcf_acgt2int` on the first character of an allele: A0 C1 G2 T3, else -1."""
    return _ACGT.get(c[:1], -1)


def variant_type(ref: str, alt: str) -> tuple[int, int]:
    """(type bits, length n) of one ALT allele against REF, as htslib's bcf_set_variant_type.

    n is negative for deletions, which is how bcftools tells insertions from deletions.
    """
    if alt == "*":
        return VCF_OVERLAP, 0
    if len(ref) == 1 and len(alt) == 1:
        if alt == "." or ref == alt:
            return VCF_REF, 0
        if alt == "X":
            return VCF_REF, 0
        return VCF_SNP, 1
    if alt[:1] == "<":
        if alt[1:3] in ("X>", "*>"):
            return VCF_REF, 0
        if alt[1:] == "NON_REF>":
            return VCF_REF, 0
        return VCF_OTHER, 0
    if alt[:1] in ("[", "]"):
        return VCF_BND, 0  # htslib 1.16: a breakend whose ALT opens with a bracket
    ru, au = ref.upper(), alt.upper()
    lr, la = len(ru), len(au)
    r = a = 0
    while r < lr and a < la and ru[r] == au[a]:
        r += 1
        a += 1
    if a < la and r == lr:
        if au[a] in "[]":
            return VCF_BND, 0
        return VCF_INDEL, la - lr
    if r < lr and a == la:
        return VCF_INDEL, la - lr
    if r == lr and a == la:
        return VCF_REF, 0
    re_, ae = lr - 1, la - 1
    while re_ > r and ae > a and ru[re_] == au[ae]:
        re_ -= 1
        ae -= 1
    if ae == a:
        if re_ == r:
            return VCF_SNP, 1
        n = -(re_ - r)
        return (VCF_INDEL if ru[re_] == au[ae] else VCF_OTHER), n
    if re_ == r:
        n = ae - a
        return (VCF_INDEL if ru[re_] == au[ae] else VCF_OTHER), n
    vtype = VCF_MNP if re_ - r == ae - a else VCF_OTHER
    n = -(re_ - r + 1) if re_ - r > ae - a else ae - a + 1
    return vtype, n


def gt_type(gt: str) -> tuple[int, int, int]:
    """(type, ial, jal) of a VCF GT string, as htslib's bcf_gt_type.

    ial/jal are allele indices (0 = REF); any missing allele makes the call unknown.
    """
    if not gt:
        return GT_UNKN, 0, 0
    parts = gt.replace("|", "/").split("/")
    nals = has_ref = has_alt = ial = jal = 0
    for p in parts:
        if p == "." or p == "":
            return GT_UNKN, 0, 0
        try:
            tmp = int(p) + 1
        except ValueError:
            return GT_UNKN, 0, 0
        if tmp > 1:
            if not ial:
                ial = tmp
                has_alt = 1
            elif tmp != ial:
                if tmp < ial:
                    jal = ial
                    ial = tmp
                else:
                    jal = tmp
                has_alt = 2
        else:
            has_ref = 1
        nals += 1
    ial = ial - 1 if ial > 0 else ial
    jal = jal - 1 if jal > 0 else jal
    if not nals:
        return GT_UNKN, ial, jal
    if nals == 1:
        return (GT_HAPL_R if has_ref else GT_HAPL_A), ial, jal
    if not has_ref:
        return (GT_HOM_AA if has_alt == 1 else GT_HET_AA), ial, jal
    if not has_alt:
        return GT_HOM_RR, ial, jal
    return GT_HET_RA, ial, jal
