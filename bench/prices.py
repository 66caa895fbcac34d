"""The price table of the cost model (bench.cost): one place, with where the numbers come from.

Source: AWS public pricing pages, region us-east-1 (eu-west-1 is within a few percent),
on-demand, no free tier counted; DynamoDB on-demand prices after the November 2024 price cut.
Read for this bench in 2026-11; check https://aws.amazon.com/pricing/ before relying on them.
"""
from __future__ import annotations

HTTP_API_PER_MILLION_REQUESTS = 1.00  # API Gateway HTTP API, first 300 M requests a month
LAMBDA_PER_MILLION_REQUESTS = 0.20  # Lambda, x86
LAMBDA_PER_GB_SECOND = 0.0000166667  # Lambda, x86, first 6 B GB-s a month
DYNAMODB_PER_MILLION_WRU = 0.625  # on-demand write request units
DYNAMODB_PER_MILLION_RRU = 0.125  # on-demand read request units
DYNAMODB_STREAM_READS_FOR_LAMBDA = 0.0  # GetRecords by a Lambda trigger is free
