"""The dead-letter queues hold nothing: every click was drained into Events, every stream
record was awarded."""
from __future__ import annotations

from typing import Any

from infra.smoke.report import OK, Result, failed

NAME = "dead-letter queues"
COUNTS = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
          "ApproximateNumberOfMessagesDelayed")
# What to do about what a queue holds (README, "make smoke: when a check fails").
HOW_TO = {
    "ClickFallbackDeadLetterQueue": "clicks the drain could not write after 10 tries: read "
    "them (aws sqs receive-message --queue-url {url} --visibility-timeout 0), fix the cause, "
    "then move them back to the click fallback queue (aws sqs start-message-move-task "
    "--source-arn <its ARN>); the 5-minute drain writes them, once",
    "AwardFailureQueue": "stream records award_points gave up on: read them as above, then "
    "paste each message into AwardPointsFunction's console Test tab "
    "(events/award_points/replay_failure.json, replay_poison.json): replays are exactly once",
}


def check_queues(sqs: Any, queues: dict[str, str]) -> Result:
    """`queues`: logical id -> URL of each dead-letter queue."""
    held, details = {}, []
    for logical, url in queues.items():
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(COUNTS))
        held[logical] = sum(int(attributes["Attributes"].get(n, 0)) for n in COUNTS)
        if held[logical]:
            details.append(f"{logical} holds {held[logical]}: "
                           + HOW_TO.get(logical, "read them").format(url=url))
    summary = ", ".join(f"{logical} {count}" for logical, count in held.items())
    return failed(NAME, summary, *details) if details else Result(NAME, OK, summary)
