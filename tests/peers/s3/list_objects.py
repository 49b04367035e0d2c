#!/usr/bin/env python3
"""Lists a bucket of the test S3 server as JSON {key: {"etag": md5, "size": n}}, or with
--get KEY prints the object's bytes to stdout. Used by the tests to check what the store
really holds (independently of the client under test)."""
import argparse
import json
import sys

import boto3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--access-key-id", required=True)
    parser.add_argument("--prefix", default="")
    parser.add_argument("--get")
    args = parser.parse_args()
    secret = sys.stdin.readline().strip()  # never on the command line
    s3 = boto3.client("s3", endpoint_url=args.endpoint, region_name="us-east-1",
                      aws_access_key_id=args.access_key_id, aws_secret_access_key=secret)
    if args.get:
        sys.stdout.buffer.write(s3.get_object(Bucket=args.bucket, Key=args.get)["Body"].read())
        return
    out = {}
    # The prefix is applied here: moto's signature check mis-handles an encoded '/' in the
    # query string, so the listing itself asks for everything.
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=args.bucket):
        for obj in page.get("Contents", []):
            if not obj["Key"].startswith(args.prefix):
                continue
            out[obj["Key"]] = {"etag": obj["ETag"].strip('"'), "size": obj["Size"]}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
