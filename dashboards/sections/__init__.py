"""The dashboard's sections, one module each, in the order the page shows them.

Each section answers one question at a glance and owns its charts, tables and headline
figures; the app only lists them (`SECTIONS`) and calls `Section.render_safely` per request:
- recruitment: participants recruited per GMC, year and programme; genomes delivered; how
  long the pathway takes (referral → genome → report → result, percentiles in days);
- diagnosis: diagnostic yield by disease group and GMC; the tiers of reported variants;
  variants that became actionable when a PanelApp update turned their gene green;
- outcomes: hospital admissions and bed days per person-year in the two years before and
  after the result, solved vs unsolved;
- quality: last night's data-quality checks, and rows quarantined per feed;
- pipeline: the last successful night, and how fresh each feed is.

To add a section, write a module with a `render(conn, filters)` and a `SECTION`, and list it
here; its ids (`section-<key>`, `<key>-body`) follow from its key.
"""

from __future__ import annotations

from dashboards.sections import diagnosis, outcomes, pipeline, quality, recruitment
from dashboards.sections.base import Section

SECTIONS: tuple[Section, ...] = (
    recruitment.SECTION,
    diagnosis.SECTION,
    outcomes.SECTION,
    quality.SECTION,
    pipeline.SECTION,
)

__all__ = ["SECTIONS", "Section"]
