"""Two cost models on what the bench measured (bench.cost) and what template.yaml declares:
a flood at the default ceilings for a day, and a month of a 200-employee programme.

Every price is bench.prices' (list prices, no free tier). What is read from the template, not
restated: memory sizes, schedules, the throttle's defaults, the tables under point-in-time
recovery, the number of alarms, the log retention. What is assumed is a named constant
below, with why; docs/deploy.md ("Cost") and docs/security.md ("Floods and the bill") print
the lines these functions return.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bench import prices

HOURS_PER_MONTH = 730  # AWS's own month
MONTH_MINUTES = HOURS_PER_MONTH * 60
WEEKS_PER_MONTH = HOURS_PER_MONTH / (7 * 24)
GB = 1024 ** 3

# ------------------------------------------------------------------ assumptions, stated
EMPLOYEES = 200
HUMAN_CLICKS = 50_000  # a month, each awarded (docs/deploy.md's stated month)
# Link previews (Slack, LinkedIn, Mastodon servers fetch a shared link): bot clicks that earn
# nothing but are written and counted. One for five human clicks.
LINK_PREVIEWS = 10_000
# Employees' web pages: two visits a week of five pages each (the news, a share sheet, the
# board...). Assets are cached for a year (content-hashed names): left out.
WEB_PAGES = EMPLOYEES * 2 * 5 * round(WEEKS_PER_MONTH)
WEB_PAGE_SECONDS = 0.15  # warm; pages read a few items and render a template
WEB_PAGE_READ_UNITS = 5.0
# A run of a schedule with nothing to do: one AWS call and a log line (a drain of an empty
# queue, a check with no challenge waiting).
IDLE_RUN_SECONDS = 0.05
# A poll of the company's feeds that are mostly 304 Not Modified: "about a second" on one
# vCPU (docs/decisions.md, "poll_feeds: fetch slots..."), most of it waiting on the network;
# the CPU part (TLS, botocore, the feeds' state) takes longer on less memory, at the same
# GB-seconds.
POLL_WAIT_SECONDS = 0.8
POLL_CPU_SECONDS = 0.2
DIGEST_SECONDS_PER_EMAIL = 0.05
RESET_RUN_SECONDS = 5.0
OTHER_EMAILS = 30  # the month's winners to the admins, the shop's e-mails
ALERT_EMAILS = 10
# Cold starts: AWS does not document how long an idle execution environment lives
# (measurements since 2017 saw 45-60 minutes, less under load); its INIT is billed since
# 1 August 2025 ("AWS Lambda standardizes billing for INIT Phase", AWS Compute Blog). One cold
# start in every hour a function runs: pessimistic. Schedules and the public's clicks run it
# every hour; employees use the web app on working days, 10 hours a day.
WEB_HOURS = 22 * 10
PLATFORM_LOG_BYTES = 300  # START, END and REPORT lines of each invocation
OTHER_LOG_BYTES = 300  # one JSON line of each invocation that is not a click
CATALOG_BYTES = 20 * 1024 ** 2  # posts (sanitised HTML), share links, employees: a year's
STORAGE_MONTH = 12  # storage is priced as it stands after a year of the programme


@dataclass(frozen=True)
class Measured:
    """One kind of request through the real handlers, in-process moto, per request."""
    kind: str
    track_seconds: float
    track_write_units: float
    track_read_units: float
    award_seconds: float  # award_points' time per event (batches of 100)
    award_write_units: float
    award_read_units: float
    log_bytes: float  # both handlers' own log lines
    events_bytes: float  # what it adds to the Events table (kept RAW_EVENT_TTL_DAYS)
    scores_bytes: float  # what it adds to the Scores table (kept)


@dataclass(frozen=True)
class Line:
    item: str
    volume: str
    usd: float
    note: str = ""


# ------------------------------------------------------------------ what the template says


def _memory_gb(template: dict[str, Any], function: str) -> float:
    from infra.template import function_setting

    return float(function_setting(template, function, "MemorySize", 128)) / 1024


def runs_per_month(expression: str) -> float:
    """rate(N minutes|hours|days), or the two cron shapes the template uses: weekly (a day of
    the week) and monthly (a day of the month)."""
    rate = re.fullmatch(r"rate\((\d+) (minute|hour|day)s?\)", expression)
    if rate:
        minutes = int(rate.group(1)) * {"minute": 1, "hour": 60, "day": 1440}[rate.group(2)]
        return MONTH_MINUTES / minutes
    cron = re.fullmatch(r"cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)", expression)
    if cron:
        minute, hour, dom, month, dow, _year = cron.groups()
        fixed = all(re.fullmatch(r"\d+", f) for f in (minute, hour))
        if fixed and dom == "?" and re.fullmatch(r"[A-Z]{3}|\d", dow) and month == "*":
            return WEEKS_PER_MONTH
        if fixed and re.fullmatch(r"\d+", dom) and month == "*" and dow == "?":
            return 1.0
    raise ValueError(f"no monthly count for {expression}: teach bench/cost_model.py")


def schedules(template: dict[str, Any]) -> list[tuple[str, str, str, float]]:
    """[(function, event, input source, runs a month)] of every ScheduleV2 event."""
    import json

    from infra.template import function_events

    out = []
    for function, event, props in function_events(template, "ScheduleV2"):
        source = json.loads(props.get("Input") or "{}").get("source", "")
        out.append((function, event, source, runs_per_month(props["ScheduleExpression"])))
    return out


def default(template: dict[str, Any], parameter: str) -> Any:
    return template["Parameters"][parameter]["Default"]


def alarm_metrics(template: dict[str, Any], **parameters: str) -> int:
    """Alarm metrics the template creates with these parameters (the others at their
    defaults): one per alarm, or one per metric it reads."""
    from infra.template import evaluate_conditions, parameter_values, resources_of_type

    refs: dict[str, Any] = dict(parameter_values(template, parameters))
    refs.update(evaluate_conditions(template, refs))
    return sum(len([m for m in res["Properties"].get("Metrics", []) if "MetricStat" in m]) or 1
               for res in resources_of_type(template, "AWS::CloudWatch::Alarm").values()
               if "Condition" not in res or refs[f"Condition::{res['Condition']}"])


# ------------------------------------------------------------------ a request, priced


def request_usd(m: Measured, template: dict[str, Any]) -> dict[str, float]:
    """What one request of this kind costs, by item: the gateway, track_click, its share of an
    award_points batch, the writes and reads, its log lines, and its storage while kept."""
    from korpo.models.events import RAW_EVENT_TTL_DAYS

    track_gb = _memory_gb(template, "TrackClickFunction")
    award_gb = _memory_gb(template, "AwardPointsFunction")
    log_gb = (PLATFORM_LOG_BYTES * (1 + 1 / 100) + m.log_bytes) / GB
    return {
        "HTTP API": prices.HTTP_API_PER_MILLION_REQUESTS / 1e6,
        "Lambda requests": prices.LAMBDA_PER_MILLION_REQUESTS / 1e6 * (1 + 1 / 100),
        "Lambda duration": (m.track_seconds * track_gb + m.award_seconds * award_gb)
        * prices.LAMBDA_PER_GB_SECOND,
        "DynamoDB writes": (m.track_write_units + m.award_write_units)
        * prices.DYNAMODB_PER_MILLION_WRU / 1e6,
        "DynamoDB reads": (m.track_read_units + m.award_read_units)
        * prices.DYNAMODB_PER_MILLION_RRU / 1e6,
        "CloudWatch Logs": log_gb * prices.LOGS_PER_GB_INGESTED,
        # Events for their TTL; Scores (kept, under point-in-time recovery) for a year.
        "storage while kept": (m.events_bytes * RAW_EVENT_TTL_DAYS / (HOURS_PER_MONTH / 24)
                               * prices.DYNAMODB_PER_GB_MONTH
                               + m.scores_bytes * STORAGE_MONTH
                               * (prices.DYNAMODB_PER_GB_MONTH
                                  + prices.DYNAMODB_PITR_PER_GB_MONTH)) / GB,
    }


# ------------------------------------------------------------------ a flood at the defaults


def flood_per_day(kinds: list[Measured], template: dict[str, Any]) -> tuple[float, list[Line]]:
    """A day at the stage throttle's default rate, plus one burst, every request let through
    being the costliest kind of click measured. Requests the throttle refuses (429) are not
    priced: whether AWS bills them was not found (docs/security.md)."""
    rate, burst = default(template, "ApiRateLimit"), default(template, "ApiBurstLimit")
    requests = rate * 86_400 + burst
    priced = {m.kind: request_usd(m, template) for m in kinds}
    worst = max(priced, key=lambda kind: sum(priced[kind].values()))
    lines = [Line(item, f"{requests:,.0f} {worst} clicks", usd * requests)
             for item, usd in priced[worst].items()]
    others = ", ".join(f"{k} ${sum(v.values()) * 1e6:.2f}" for k, v in priced.items())
    lines.append(Line("per million requests", "", sum(priced[worst].values()) * 1e6,
                      f"each kind per million: {others}"))
    return sum(priced[worst].values()) * requests, lines


# ------------------------------------------------------------------ a month, 200 employees


def month(kinds: dict[str, Measured], init_seconds: dict[str, float],
          template: dict[str, Any]) -> tuple[float, list[Line]]:
    """A month of the stated programme, line by line."""
    from infra.template import resources_of_type

    lines: list[Line] = []
    human, bot = kinds["human"], kinds["bot"]
    for m, count, label in ((human, HUMAN_CLICKS, "human clicks, each awarded"),
                            (bot, LINK_PREVIEWS, "link previews (bot clicks)")):
        usd = request_usd(m, template)
        usd.pop("CloudWatch Logs"), usd.pop("storage while kept")  # counted below
        lines.append(Line(label, f"{count:,}", sum(usd.values()) * count,
                          "gateway, track_click, 1/100 of an award_points batch, writes, reads"))

    web_gb = _memory_gb(template, "WebFunction")
    web = WEB_PAGES * (prices.HTTP_API_PER_MILLION_REQUESTS / 1e6
                       + prices.LAMBDA_PER_MILLION_REQUESTS / 1e6
                       + WEB_PAGE_SECONDS * web_gb * prices.LAMBDA_PER_GB_SECOND
                       + WEB_PAGE_READ_UNITS * prices.DYNAMODB_PER_MILLION_RRU / 1e6)
    lines.append(Line("web pages", f"{WEB_PAGES:,}", web,
                      f"{WEB_PAGE_SECONDS * 1000:.0f} ms warm at {web_gb * 1024:.0f} MB, "
                      f"{WEB_PAGE_READ_UNITS:.0f} read units each"))

    invocations = {"TrackClickFunction": HUMAN_CLICKS + LINK_PREVIEWS,
                   "AwardPointsFunction": (HUMAN_CLICKS + LINK_PREVIEWS) / 100,
                   "WebFunction": WEB_PAGES}
    scheduled_runs = 0.0
    scheduled_usd = 0.0
    notes = []
    for function, _event, source, runs in schedules(template):
        gb = _memory_gb(template, function)
        seconds = {"ResetMonthlyFunction": RESET_RUN_SECONDS}.get(function, IDLE_RUN_SECONDS)
        if function == "SendDigestFunction" and source == "schedule":
            seconds = EMPLOYEES * DIGEST_SECONDS_PER_EMAIL
        gb_seconds = seconds * gb
        if function == "PollFeedsFunction":
            seconds = POLL_WAIT_SECONDS + POLL_CPU_SECONDS * max(
                1.0, prices.LAMBDA_GB_PER_VCPU / gb)
            gb_seconds = (POLL_WAIT_SECONDS * gb
                          + POLL_CPU_SECONDS * max(gb, prices.LAMBDA_GB_PER_VCPU))
        scheduled_runs += runs
        invocations[function] = invocations.get(function, 0) + runs
        usd = runs * (gb_seconds * prices.LAMBDA_PER_GB_SECOND
                      + prices.LAMBDA_PER_MILLION_REQUESTS / 1e6)
        scheduled_usd += usd
        notes.append(f"{function.removesuffix('Function')} {runs:,.0f}× {seconds:.2g} s "
                     f"at {gb * 1024:.0f} MB ${usd:.3f}")
    lines.append(Line("scheduled runs", f"{scheduled_runs:,.0f}", scheduled_usd,
                      "; ".join(notes)))

    cold_usd = 0.0
    cold_total = 0.0
    cold_notes = []
    for function, count in invocations.items():
        hours = WEB_HOURS if function == "WebFunction" else HOURS_PER_MONTH
        colds = min(count, hours)
        # Init is CPU work: below one vCPU's memory it takes longer at the same GB-seconds.
        gb_seconds = init_seconds[function] * max(_memory_gb(template, function),
                                                  prices.LAMBDA_GB_PER_VCPU)
        cold_usd += colds * gb_seconds * prices.LAMBDA_PER_GB_SECOND
        cold_total += colds
        cold_notes.append(f"{function.removesuffix('Function')} {colds:,.0f}× "
                          f"{init_seconds[function] * 1000:.0f} ms")
    lines.append(Line("cold starts (INIT, billed)", f"{cold_total:,.0f}", cold_usd,
                      "init measured here on one core; " + ", ".join(cold_notes)))

    lines.append(Line("EventBridge Scheduler", f"{scheduled_runs:,.0f} invocations",
                      scheduled_runs * prices.SCHEDULER_PER_MILLION / 1e6))
    digests = EMPLOYEES * WEEKS_PER_MONTH
    lines.append(Line("SES e-mails", f"{digests + OTHER_EMAILS:,.0f}",
                      (digests + OTHER_EMAILS) * prices.SES_PER_THOUSAND_EMAILS / 1000,
                      "every employee opted in to the weekly digest"))

    log_bytes = (sum(invocations.values()) * PLATFORM_LOG_BYTES
                 + HUMAN_CLICKS * human.log_bytes + LINK_PREVIEWS * bot.log_bytes
                 + (sum(invocations.values()) - HUMAN_CLICKS - LINK_PREVIEWS
                    - invocations["AwardPointsFunction"]) * OTHER_LOG_BYTES)
    retention = float(default(template, "LogRetentionDays"))
    logs = log_bytes / GB * (prices.LOGS_PER_GB_INGESTED
                             + prices.LOGS_PER_GB_MONTH * retention / (HOURS_PER_MONTH / 24))
    lines.append(Line("CloudWatch Logs", f"{log_bytes / 1024 ** 2:,.0f} MB",
                      logs, f"kept {retention:.0f} days"))

    from korpo.models.events import RAW_EVENT_TTL_DAYS

    months_kept = RAW_EVENT_TTL_DAYS / (HOURS_PER_MONTH / 24)
    events_bytes = months_kept * (HUMAN_CLICKS * human.events_bytes
                                  + LINK_PREVIEWS * bot.events_bytes)
    scores_bytes = STORAGE_MONTH * (HUMAN_CLICKS * human.scores_bytes
                                    + LINK_PREVIEWS * bot.scores_bytes)
    sizes = {"EventsTable": events_bytes, "ScoresTable": scores_bytes,
             "CatalogTable": CATALOG_BYTES}
    lines.append(Line("DynamoDB storage", f"{sum(sizes.values()) / 1024 ** 2:,.0f} MB",
                      sum(sizes.values()) / GB * prices.DYNAMODB_PER_GB_MONTH,
                      f"after {STORAGE_MONTH} months; Events kept {RAW_EVENT_TTL_DAYS} days"))
    pitr = [name for name, res in resources_of_type(template, "AWS::DynamoDB::Table").items()
            if (res["Properties"].get("PointInTimeRecoverySpecification") or {}).get(
                "PointInTimeRecoveryEnabled")]
    lines.append(Line("point-in-time recovery", ", ".join(pitr),
                      sum(sizes[t] for t in pitr) / GB * prices.DYNAMODB_PITR_PER_GB_MONTH))

    metrics = alarm_metrics(template, AlertEmail="ops@example.com")
    lines.append(Line("CloudWatch alarms", f"{metrics} alarm metrics",
                      metrics * prices.ALARM_PER_METRIC_MONTH,
                      "AlertEmail set, the other parameters at their defaults"))
    lines.append(Line("alert e-mails (SNS) and the budget", f"{ALERT_EMAILS} e-mails",
                      ALERT_EMAILS * prices.SNS_PER_EMAIL + prices.BUDGET_PER_MONTH))
    lines.append(Line("Cognito", f"{EMPLOYEES} monthly active users", 0.0,
                      "within the 10,000 a month its plans include"))
    return sum(line.usd for line in lines), lines
