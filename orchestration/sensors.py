"""Sensors of the nightly DAG."""

from __future__ import annotations

from airflow.sdk.bases.sensor import BaseSensorOperator


class DeliveriesSensor(BaseSensorOperator):
    """Waits until the night's deliveries are complete (every due folder has `_SUCCESS`).

    A plain sensor class rather than `@task.sensor`: it reads only folder names and markers
    when poked (never at parse time), and logs what it is waiting for on every poke.
    """

    def poke(self, context) -> bool:
        from orchestration.nights import check_deliveries, landing_root, night_of

        r = check_deliveries(landing_root(), night_of(context["dag_run"]))
        self.log.info(
            "night %s: %d complete delivery folders, %d still being written%s",
            r.night,
            r.complete,
            len(r.incomplete),
            f" (e.g. {', '.join(r.incomplete[:3])})" if r.incomplete else "",
        )
        for w in r.warnings[:5]:
            self.log.warning("%s", w)
        return r.ready
