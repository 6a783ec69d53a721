"""File formats, one module per format: `bgzf` (blocked gzip), `tabix` (.tbi/.csi indexes)
and `vcf` (VCF/BCF reading through one public `VcfReader`, writing through `VcfWriter`).

Pure I/O over bytes and files: no database, no feeds. Summarisation, tiering, withdrawal and
the simulator all read and write genomes through this layer, so BGZF and index handling
exist once.
"""
