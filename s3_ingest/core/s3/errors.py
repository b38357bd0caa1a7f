"""Turn S3 and connection failures into messages a user can act on.

Each message names the source and bucket and says what to check. Messages are built from error
codes, never from request details, so no credential or signature can leak through them.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
    SSLError,
)

AUTH_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
              "TokenRefreshRequired", "InvalidClientTokenId", "UnrecognizedClientException"}
REDIRECT_CODES = {"PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException"}


class SourceError(RuntimeError):
    """A source cannot be read at all (as opposed to one object failing)."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


def error_code(exc: BaseException) -> str | None:
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code")
    return None


def http_status(exc: BaseException) -> int | None:
    if isinstance(exc, ClientError):
        return exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return None


def _region_hint(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    region = error.get("Region") or headers.get("x-amz-bucket-region")
    return f"set region: {region}" if region else "set the source's region to the bucket's region"


def explain(exc: BaseException, *, source: str, bucket: str, endpoint: str | None,
            action: str = "list") -> SourceError:
    """A SourceError for a failure while reaching a whole source."""
    where = f"source {source!r} (bucket {bucket!r}"
    where += f" at {endpoint})" if endpoint else ")"
    code, status = error_code(exc), http_status(exc)
    if code in AUTH_CODES:
        return SourceError(
            f"{where}: authentication failed ({code}, 401): check the access key id and secret "
            "(and session token) the source's credentials point to, and that they are not expired",
            status=401, code=code)
    if code in ("NoSuchBucket",) or (status == 404 and action == "list"):
        return SourceError(
            f"{where}: bucket not found ({code or 'NotFound'}, 404): check the bucket name, "
            "and the endpoint and region it lives in", status=404, code=code)
    if code in ("AccessDenied", "AllAccessDisabled") or status == 403:
        need = "s3:ListBucket" if action == "list" else "s3:GetObject"
        arn = f"arn:aws:s3:::{bucket}" if action == "list" else f"arn:aws:s3:::{bucket}/*"
        return SourceError(
            f"{where}: access denied ({code or 'Forbidden'}, 403): the credentials lack "
            f"{need} on {arn} (or a bucket policy, SCP or KMS key denies it)",
            status=403, code=code)
    if code in REDIRECT_CODES or status == 301:
        return SourceError(
            f"{where}: the bucket is in another region ({code}): {_region_hint(exc)}",
            status=status, code=code)
    if isinstance(exc, SSLError):
        # Most often an https client talking to a plain-http endpoint (MinIO, a local server).
        return SourceError(
            f"{where}: the TLS handshake with {endpoint or 'the AWS S3 endpoint'} failed "
            "(SSLError): if the endpoint serves plain http, set use_ssl: false or give the "
            "endpoint as http://host:port; otherwise check its certificate",
            code="SSLError")
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError)):
        target = endpoint or "the AWS S3 endpoint"
        return SourceError(
            f"{where}: could not connect to {target}: check the endpoint URL, that the service "
            "is running, and network access to it", code="EndpointConnectionError")
    if isinstance(exc, ReadTimeoutError):
        return SourceError(f"{where}: the endpoint stopped answering (read timeout) after retries",
                           code="ReadTimeout")
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return SourceError(
            f"{where}: no AWS credentials found: set the environment variables named in the "
            "source's credentials, or configure a profile or IAM role (or anonymous: true for "
            "a public bucket)", code="NoCredentials")
    if isinstance(exc, ProfileNotFound):
        return SourceError(f"{where}: the AWS profile in the source's credentials does not exist",
                           code="ProfileNotFound")
    if isinstance(exc, ClientError):
        return SourceError(f"{where}: S3 answered {code} ({status}) after retries",
                           status=status, code=code)
    if isinstance(exc, BotoCoreError):
        # The class name only: some botocore messages carry request or credential details.
        return SourceError(f"{where}: {type(exc).__name__} after retries", code=type(exc).__name__)
    return SourceError(f"{where}: {type(exc).__name__}", code=type(exc).__name__)


def explain_for(exc: BaseException, source: Any, action: str = "list") -> SourceError:
    """explain() for a Source (anything with name, bucket and endpoint_url)."""
    return explain(exc, source=source.name, bucket=source.bucket,
                   endpoint=source.endpoint_url, action=action)


def object_error_reason(exc: BaseException) -> str:
    """A short reason for one object's failure, for the run's failure list."""
    code, status = error_code(exc), http_status(exc)
    if code == "AccessDenied" or status == 403:
        return "access denied (403): s3:GetObject or the object's KMS key is not allowed"
    if code:
        return f"{code} ({status})"
    return type(exc).__name__

