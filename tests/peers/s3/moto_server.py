#!/usr/bin/env python3
"""An S3-compatible server on loopback that checks AWS SigV4 signatures (moto's server mode
with IAM authentication on), for the batch upload tests.

It starts on a free port, creates an IAM user with an access key allowed s3:* and the
buckets asked for, then prints ONE JSON line on stdout:

    {"endpoint": "http://127.0.0.1:PORT", "access_key_id": "...", "secret": "...",
     "buckets": [...]}

and serves until its stdin closes (the test process exiting closes it) or it is killed.
Every request after the set-up must be signed with that key: a wrong secret is answered with
SignatureDoesNotMatch, as a real store would.
"""
import argparse
import json
import os
import socket
import sys

# The set-up below makes exactly this many unsigned IAM calls; from then on every request
# is authenticated. Must be set before moto reads its settings.
SETUP_ACTIONS = 3
os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = str(SETUP_ACTIONS)
os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": "*"}],
})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bucket", action="append", default=[], help="bucket to create")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    args = parser.parse_args()

    port = args.port or free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    plain = Config(retries={"max_attempts": 1})
    setup = dict(endpoint_url=endpoint, region_name="us-east-1", config=plain,
                 aws_access_key_id="setup", aws_secret_access_key="setup")

    iam = boto3.client("iam", **setup)
    iam.create_user(UserName="archival-test")
    iam.put_user_policy(UserName="archival-test", PolicyName="s3-all", PolicyDocument=POLICY)
    key = iam.create_access_key(UserName="archival-test")["AccessKey"]

    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", config=plain,
                      aws_access_key_id=key["AccessKeyId"],
                      aws_secret_access_key=key["SecretAccessKey"])
    for bucket in args.bucket:
        s3.create_bucket(Bucket=bucket)

    print(json.dumps({"endpoint": endpoint, "access_key_id": key["AccessKeyId"],
                      "secret": key["SecretAccessKey"], "buckets": args.bucket}), flush=True)
    try:
        sys.stdin.read()  # until the parent goes away
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
