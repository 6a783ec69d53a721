"""Data quality: the Great Expectations suites (`expectations/`, one module per checkpoint
stage: raw, genomics, marts) and the runner that validates them against the warehouse,
records every result in `dq.validation_results` and stops a night on a critical failure
(`runner`).
"""
