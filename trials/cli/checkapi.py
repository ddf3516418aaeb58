"""``trials check-api``: can the registry be harvested from here? And what ``./run`` does when it cannot.

The check asks ``/version``, then per configured region one page of its first query (exactly as the
harvest asks, every study through our decoder) and one count-only request of its place-name query.
Each failure is explained by :func:`trials.source.diagnose.diagnose`. A failure of ``/version`` that
is about the connection (DNS, proxy, TLS, refused, a CDN block, ...) skips the regions: they would
fail the same way.

:func:`decide_for_run` is ``./run``'s choice after a failed check: open the dashboard on the data of the
last good harvest with a banner that says what failed, or stop and say how to work offline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from trials.errors import TrialsError
from trials.source.api import CtgovClient, StudyQuery, make_client
from trials.source.diagnose import OFFLINE_HINT, Diagnosis, diagnose, probe_count, probe_page, probe_version
from trials.source.http import USER_AGENT
from trials.source.queries import region_queries
from trials.source.retry import RetryPolicy

if TYPE_CHECKING:
    from trials.rules.regions import Region

#: One attempt per probe: the check diagnoses, it does not ride out faults.
ONE_ATTEMPT = RetryPolicy(attempts=1, total_timeout_s=120.0)
#: Connection-level failures of /version make every further request pointless.
FATAL = frozenset({"dns", "proxy", "tls", "refused", "network", "timeout", "blocked", "not_found", "shape", "html",
                   "redirect_loop"})  # fmt: skip


@dataclass(frozen=True)
class Step:
    what: str
    detail: str = ""
    diagnosis: Diagnosis | None = None
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return self.diagnosis is None and not self.skipped


@dataclass
class CheckReport:
    base_url: str
    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps)

    @property
    def first_failure(self) -> Diagnosis | None:
        return next((s.diagnosis for s in self.steps if s.diagnosis is not None), None)

    def lines(self) -> list[str]:
        out = [f"checking {self.base_url} (User-Agent: {USER_AGENT})"]
        for s in self.steps:
            if s.skipped:
                out.append(f"skip  {s.what}: {s.detail}")
            elif s.diagnosis is None:
                out.append(f"ok    {s.what}: {s.detail}")
            else:
                out.append(f"FAIL  {s.what}: {s.diagnosis.problem}")
                out.append(f"      what to try: {s.diagnosis.advice}")
        if self.ok:
            out.append("The registry answers as our harvester expects: `trials harvest` can run from here.")
        else:
            failed = sum(1 for s in self.steps if s.diagnosis is not None)
            out.append(f"{failed} of {len(self.steps)} checks failed: the registry cannot be harvested from here now.")
        return out


def _probe(report: CheckReport, what: str, url: str, call: Callable[[], str]) -> Step:
    try:
        step = Step(what, call())
    except (TrialsError, Exception) as exc:  # every failure becomes a diagnosis, never a traceback
        step = Step(what, diagnosis=diagnose(exc, url))
    report.steps.append(step)
    return step


def _region_steps(report: CheckReport, client: CtgovClient, region: Region) -> None:
    queries = region_queries(region)
    if not queries:
        report.steps.append(Step(f"{region.name}", "no queries (no circles and no places)", skipped=True))
        return
    page_q = queries[0]
    count_q: StudyQuery = next((q for q in queries if "filter.advanced" in q.params), queries[-1])
    url = f"{client.base_url}/studies"

    def page() -> str:
        n, total, rejected = probe_page(client, page_q)
        note = f" ({rejected} would be quarantined)" if rejected else ""
        return f"{n - rejected} of {n} studies decoded{note}; {total:,} match {page_q.label}"

    _probe(report, f"{region.name}: one page", url, page)
    _probe(
        report, f"{region.name}: one count", url, lambda: f"{probe_count(client, count_q):,} studies ({count_q.label})"
    )


def run_check(base_url: str, regions: Sequence[Region], *, timeout_s: float = 20.0, rate: float = 1.0) -> CheckReport:
    """Ask ``/version``, then one page and one count per region; never raises for a registry failure."""
    report = CheckReport(base_url.rstrip("/"))
    with make_client(base_url, rate=rate, timeout_s=timeout_s, retry=ONE_ATTEMPT) as client:
        version = _probe(report, "GET /version", f"{report.base_url}/version", lambda: probe_version(client))
        if version.diagnosis is not None and version.diagnosis.kind in FATAL:
            for region in regions:
                report.steps.append(Step(region.name, "not tried: the API cannot be reached", skipped=True))
            return report
        for region in regions:
            _region_steps(report, client, region)
    return report


@dataclass(frozen=True)
class RunDecision:
    """What ``./run`` does after the check: ``harvest``, ``dashboard`` (existing data + banner) or ``stop``."""

    action: str
    #: the banner's "what failed" text (``$TRIALS_REGISTRY_NOTICE``) when opening the dashboard without a harvest
    notice: str = ""
    #: what to tell the person at the terminal
    message: str = ""


def decide_for_run(report: CheckReport, last_good: dt.datetime | None, studies: int) -> RunDecision:
    """The registry works: harvest. It does not: the dashboard on the data we have, or how to run offline."""
    if report.ok:
        return RunDecision("harvest")
    failure = report.first_failure
    problem = failure.problem if failure else "the registry did not answer as expected."
    if studies > 0:
        when = f"{last_good:%Y-%m-%d %H:%M} UTC" if last_good else "an earlier harvest"
        return RunDecision(
            "dashboard",
            notice=problem,
            message=f"The registry cannot be reached ({problem}) Opening the dashboard on the {studies:,} studies "
            f"stored by {when}; it shows a banner until a harvest succeeds.",
        )
    return RunDecision(
        "stop",
        message=f"The registry cannot be reached and the database holds no data yet. {problem} "
        + (failure.advice if failure else OFFLINE_HINT)
        + ("" if failure and OFFLINE_HINT in failure.advice else " " + OFFLINE_HINT),
    )
