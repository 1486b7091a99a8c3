"""Background work of the insights app, run by the huey worker (inline in tests)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task()
def execute_analysis(run_id: int) -> int:
    """Run a queued analysis; returns the number of texts analysed (0 when the run is gone or not queued)."""
    from parlons.insights.models import AnalysisRun, RunStatus
    from parlons.insights.services import analysis_execute

    run = AnalysisRun.objects.select_related("organisation", "process").filter(pk=run_id).first()
    if run is None or run.status != RunStatus.QUEUED:
        return 0
    return analysis_execute(run=run).texts
