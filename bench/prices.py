"""The price table of the cost models (bench.cost, bench.cost_model): one place, with where the
numbers come from.

Source: AWS public pricing pages, region us-east-1 (eu-west-1 is within a few percent),
on-demand, no free tier counted; DynamoDB on-demand prices after the November 2024 price cut.
Read for this bench in 2026-11; check https://aws.amazon.com/pricing/ before relying on them.
AWS's pricing pages draw their tables with JavaScript: where a figure could only be read from
a third party's copy of one, its line says so (SECONDARY).
"""
from __future__ import annotations

HTTP_API_PER_MILLION_REQUESTS = 1.00  # API Gateway HTTP API, first 300 M requests a month
# A function URL has no charge of its own: its requests are the function's invocations, billed
# as Lambda requests and duration ("Function URLs are included in Lambda's request and duration
# pricing", AWS What's New, "Announcing AWS Lambda Function URLs", 2022-04-06; the Lambda
# pricing page lists no function URL line).
FUNCTION_URL_PER_MILLION_REQUESTS = 0.0
LAMBDA_PER_MILLION_REQUESTS = 0.20  # Lambda, x86 and arm64
LAMBDA_PER_GB_SECOND = 0.0000166667  # Lambda, x86, first 6 B GB-s a month
# Lambda, arm64, first 7.5 B GB-s a month (SECONDARY: cloudchipr.com/blog/aws-lambda-pricing;
# the tiers are in AWS's "Introducing tiered pricing for AWS Lambda").
LAMBDA_ARM_PER_GB_SECOND = 0.0000133334
# CPU grows with memory: "At 1,769 MB, a function has the equivalent of one vCPU" (Lambda
# developer guide, "Configure Lambda function memory"). Work bound by CPU costs the same
# GB-seconds at any memory below it; a wait on the network costs in proportion to memory.
LAMBDA_GB_PER_VCPU = 1.769
DYNAMODB_PER_MILLION_WRU = 0.625  # on-demand write request units
DYNAMODB_PER_MILLION_RRU = 0.125  # on-demand read request units
DYNAMODB_STREAM_READS_FOR_LAMBDA = 0.0  # GetRecords by a Lambda trigger is free
DYNAMODB_PER_GB_MONTH = 0.25  # table storage, Standard table class (SECONDARY)
DYNAMODB_PITR_PER_GB_MONTH = 0.20  # continuous backups (point-in-time recovery) (SECONDARY)
# CloudWatch Logs, Standard class: $0.50 per GB ingested (the first tier of Lambda's logs
# since May 2024), $0.03 per GB-month stored (SECONDARY: duckbillgroup.com, hykell.com).
LOGS_PER_GB_INGESTED = 0.50
LOGS_PER_GB_MONTH = 0.03
# CloudWatch: $0.10 per standard-resolution alarm metric a month (AWS Compute Blog, "Faster
# scaling with Amazon EC2 Auto Scaling Target Tracking", 2024). A metric math alarm: one per
# metric it reads (SECONDARY: cost guides; not found on a page of AWS's that could be read).
ALARM_PER_METRIC_MONTH = 0.10
SES_PER_THOUSAND_EMAILS = 0.10  # SES, outbound e-mail
# SNS: e-mail notifications $2.00 per 100,000 after the first 1,000 a month, publishes $0.50
# per million after the first million (SECONDARY: cost write-ups citing aws.amazon.com/sns).
SNS_PER_EMAIL = 2.00 / 100_000
# EventBridge Scheduler: $1.00 per million invocations after 14 million free a month
# (SECONDARY: cloudburn.io, "Amazon EventBridge pricing").
SCHEDULER_PER_MILLION = 1.00
# AWS Budgets: a budget that only alerts is free; only action-enabled budgets beyond two
# cost $0.10 a day (the AWS Price List's AWSBudgets SKUs).
BUDGET_PER_MONTH = 0.0
