"""A moto server, in its own process, that really authenticates and authorizes S3 requests.

Moto's authentication switch (`INITIAL_NO_AUTH_ACTION_COUNT`) is a process-wide setting, so
turning it on in the in-process server (`local_s3`) would break every other test in the same
process. This one runs as a subprocess on its own free port instead.

Setup happens while auth is still off (moto's default): a bucket with one object, and two IAM
users with access keys - "admin" (s3:*) and "reader_no_list" (s3:GetObject on the bucket's
objects only, no s3:ListBucket). Then `POST /moto-api/reset-auth` with body `0` makes every
further request, from the first, go through signature checks and IAM policies
(moto/moto_api/_internal/responses.py `reset_auth_response`: the raw body is parsed with
`float(request.data.decode())` and the request counter is reset to 0, so it must be sent with
a non-form content type).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

REGION = "us-east-1"
OBJECT_KEY = "notes/welcome.md"
OBJECT_BODY = b"# Welcome\nThe auth-enabled endpoint serves kestrel notes."


@dataclass(frozen=True)
class KeyPair:
    access_key_id: str
    secret_access_key: str = field(repr=False)


@dataclass
class AuthS3:
    endpoint_url: str
    bucket: str
    users: dict[str, KeyPair]
    process: subprocess.Popen[bytes] = field(repr=False)

    @property
    def admin(self) -> KeyPair:
        return self.users["admin"]

    @property
    def reader_no_list(self) -> KeyPair:
        return self.users["reader_no_list"]

    def client(self, keys: KeyPair, service: str = "s3") -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=keys.access_key_id,
            aws_secret_access_key=keys.secret_access_key,
            config=Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"}),
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(endpoint: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"moto server at {endpoint} did not answer within {timeout}s")


def _unsigned_setup_client(endpoint: str, service: str) -> Any:
    # Auth is still off: moto accepts any keys for setup.
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="setup",
        aws_secret_access_key="setup",
        config=Config(s3={"addressing_style": "path"}),
    )


def _enable_auth(endpoint: str) -> None:
    # Not a form content type (urllib's default): werkzeug would consume a form body, and
    # moto's `float(request.data.decode())` would then see "" and answer 500.
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=b"0",
        method="POST",
        headers={"Content-Type": "application/octet-stream"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.loads(response.read())
    if body.get("status") != "ok":
        raise RuntimeError(f"moto refused to enable auth: {body}")


def _setup(endpoint: str, bucket: str) -> dict[str, KeyPair]:
    s3 = _unsigned_setup_client(endpoint, "s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key=OBJECT_KEY, Body=OBJECT_BODY)

    iam = _unsigned_setup_client(endpoint, "iam")
    policies = {
        "admin": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        "reader_no_list": {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
        },
    }
    users: dict[str, KeyPair] = {}
    for name, statement in policies.items():
        iam.create_user(UserName=name)
        iam.put_user_policy(
            UserName=name,
            PolicyName=f"{name}-policy",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
        )
        key = iam.create_access_key(UserName=name)["AccessKey"]
        users[name] = KeyPair(key["AccessKeyId"], key["SecretAccessKey"])
    return users


def start_auth_s3() -> AuthS3:
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(endpoint, process)
        bucket = f"auth-{uuid.uuid4().hex[:10]}"
        users = _setup(endpoint, bucket)
        _enable_auth(endpoint)
    except BaseException:
        stop_process(process)
        raise
    return AuthS3(endpoint_url=endpoint, bucket=bucket, users=users, process=process)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
