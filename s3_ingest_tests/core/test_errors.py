"""explain(): failures to reach a source become messages a user can act on, without secrets."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
)

from s3_ingest.core.s3.errors import SourceError, explain, object_error_reason

SOURCE, BUCKET, ENDPOINT = "handbook", "acme-docs", "http://127.0.0.1:9000"
FAKE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"


def client_error(
    code: str | None,
    status: int,
    *,
    message: str = "",
    region: str | None = None,
    headers: dict[str, str] | None = None,
    operation: str = "ListObjectsV2",
) -> ClientError:
    error: dict[str, Any] = {"Message": message}
    if code is not None:
        error["Code"] = code
    if region:
        error["Region"] = region
    meta: dict[str, Any] = {"HTTPStatusCode": status, "HTTPHeaders": headers or {}}
    return ClientError({"Error": error, "ResponseMetadata": meta}, operation)


def message_of(
    exc: BaseException, endpoint: str | None = ENDPOINT, action: str = "list"
) -> SourceError:
    err = explain(exc, source=SOURCE, bucket=BUCKET, endpoint=endpoint, action=action)
    assert isinstance(err, SourceError)
    text = str(err)
    assert f"'{SOURCE}'" in text
    assert f"'{BUCKET}'" in text
    return err


@pytest.mark.parametrize(
    "code", ["InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken"]
)
def test_authentication_failure(code: str) -> None:
    err = message_of(client_error(code, 403))
    text = str(err)
    assert "authentication failed" in text
    assert "401" in text
    assert code in text
    assert "access key id and secret" in text
    assert (err.status, err.code) == (401, code)
    assert ENDPOINT in text


@pytest.mark.parametrize(("code", "status"), [("NoSuchBucket", 404), (None, 404), ("404", 404)])
def test_bucket_not_found(code: str | None, status: int) -> None:
    err = message_of(client_error(code, status))
    text = str(err)
    assert "bucket not found" in text
    assert "404" in text
    assert "bucket name" in text and "region" in text
    assert err.status == 404


@pytest.mark.parametrize(
    ("code", "status"), [("AccessDenied", 403), ("AllAccessDisabled", 403), (None, 403)]
)
def test_access_denied_while_listing(code: str | None, status: int) -> None:
    err = message_of(client_error(code, status))
    text = str(err)
    assert "access denied" in text
    assert "403" in text
    assert "s3:ListBucket" in text
    assert f"arn:aws:s3:::{BUCKET}" in text
    assert f"arn:aws:s3:::{BUCKET}/*" not in text
    assert err.status == 403


def test_access_denied_while_getting() -> None:
    text = str(message_of(client_error("AccessDenied", 403, operation="GetObject"), action="get"))
    assert "s3:GetObject" in text
    assert f"arn:aws:s3:::{BUCKET}/*" in text


def test_region_redirect_from_error_region() -> None:
    err = message_of(client_error("PermanentRedirect", 301, region="eu-west-3"))
    text = str(err)
    assert "another region" in text
    assert "eu-west-3" in text
    assert err.status == 301


def test_region_redirect_from_header() -> None:
    exc = client_error("301", 301, headers={"x-amz-bucket-region": "ap-southeast-2"})
    assert "ap-southeast-2" in str(message_of(exc))


def test_authorization_header_malformed_names_region() -> None:
    exc = client_error("AuthorizationHeaderMalformed", 400, region="us-west-2")
    text = str(message_of(exc))
    assert "another region" in text and "us-west-2" in text


def test_region_redirect_without_region_says_what_to_set() -> None:
    text = str(message_of(client_error("PermanentRedirect", 301)))
    assert "region" in text


@pytest.mark.parametrize(
    "exc",
    [
        EndpointConnectionError(endpoint_url=ENDPOINT + "/acme-docs"),
        ConnectTimeoutError(endpoint_url=ENDPOINT),
    ],
)
def test_unreachable_endpoint_names_it(exc: Exception) -> None:
    err = message_of(exc)
    text = str(err)
    assert f"could not connect to {ENDPOINT}" in text
    assert "endpoint URL" in text
    assert err.code == "EndpointConnectionError"


def test_unreachable_aws_endpoint() -> None:
    text = str(
        message_of(EndpointConnectionError(endpoint_url="https://s3.amazonaws.com"), endpoint=None)
    )
    assert "could not connect" in text
    assert "AWS S3 endpoint" in text


def test_read_timeout() -> None:
    err = message_of(ReadTimeoutError(endpoint_url=ENDPOINT))
    assert "read timeout" in str(err)


@pytest.mark.parametrize(
    "exc",
    [
        NoCredentialsError(),
        PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"),
    ],
)
def test_no_credentials(exc: Exception) -> None:
    err = message_of(exc)
    text = str(err)
    assert "no AWS credentials" in text
    assert "environment variables" in text
    assert err.code == "NoCredentials"


def test_profile_not_found() -> None:
    err = message_of(ProfileNotFound(profile="dev"))
    assert "profile" in str(err)
    assert err.code == "ProfileNotFound"


def test_other_client_error_names_code_and_status() -> None:
    err = message_of(client_error("SlowDown", 503))
    assert "SlowDown" in str(err) and "503" in str(err)
    assert (err.status, err.code) == (503, "SlowDown")


def test_other_exception() -> None:
    err = message_of(RuntimeError("boom"))
    assert "RuntimeError" in str(err)


@pytest.mark.parametrize(
    ("code", "status", "action"),
    [
        ("InvalidAccessKeyId", 403, "list"),
        ("SignatureDoesNotMatch", 403, "list"),
        ("NoSuchBucket", 404, "list"),
        ("AccessDenied", 403, "list"),
        ("AccessDenied", 403, "get"),
        ("PermanentRedirect", 301, "list"),
        ("SlowDown", 503, "list"),
        ("InternalError", 500, "get"),
        (None, 400, "list"),
    ],
)
def test_messages_never_carry_the_exception_message(
    code: str | None, status: int, action: str
) -> None:
    exc = client_error(
        code,
        status,
        message=f"The request signature we calculated does not match. StringToSign: {FAKE_SECRET}",
        headers={"x-amz-debug": FAKE_SECRET},
    )
    assert FAKE_SECRET in str(exc)  # the raw exception does carry it
    text = str(explain(exc, source=SOURCE, bucket=BUCKET, endpoint=ENDPOINT, action=action))
    assert FAKE_SECRET not in text
    assert "StringToSign" not in text
    assert FAKE_SECRET not in object_error_reason(exc)


def test_object_error_reason() -> None:
    assert "access denied (403)" in object_error_reason(client_error("AccessDenied", 403))
    assert "access denied" in object_error_reason(client_error(None, 403))
    assert object_error_reason(client_error("InternalError", 500)) == "InternalError (500)"
    assert object_error_reason(ValueError("x")) == "ValueError"
