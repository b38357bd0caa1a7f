"""make_client: addressing, anonymous access, retries; and no secret in ClientSettings' repr."""

from __future__ import annotations

from typing import Any

import pytest
from botocore import UNSIGNED
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from botocore.retries import standard

from s3_ingest.core.s3.client import ClientSettings, make_client

SECRET = "sekrit-123"
TOKEN = "tok-sekrit-456"


def presigned(client: Any, bucket: str = "my-bucket", key: str = "dir/a b.md") -> str:
    return client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key})


def test_path_style_with_custom_endpoint() -> None:
    client = make_client(
        ClientSettings(
            endpoint_url="http://127.0.0.1:9000",
            region_name="us-east-1",
            path_style=True,
            access_key_id="AKIDEXAMPLE",
            secret_access_key=SECRET,
        )
    )
    assert client.meta.config.s3["addressing_style"] == "path"
    assert client.meta.endpoint_url == "http://127.0.0.1:9000"
    url = presigned(client)
    assert url.startswith("http://127.0.0.1:9000/my-bucket/dir/a%20b.md?")
    assert SECRET not in url


def test_path_style_on_aws() -> None:
    client = make_client(
        ClientSettings(
            region_name="eu-west-1", path_style=True, access_key_id="AKID", secret_access_key=SECRET
        )
    )
    url = presigned(client)
    assert url.startswith("https://s3.eu-west-1.amazonaws.com/my-bucket/dir/a%20b.md?")


def test_virtual_hosted_by_default_on_aws() -> None:
    client = make_client(
        ClientSettings(region_name="eu-west-1", access_key_id="AKID", secret_access_key=SECRET)
    )
    assert client.meta.config.s3["addressing_style"] == "auto"
    url = presigned(client)
    assert url.startswith("https://my-bucket.s3.")
    assert "/my-bucket/" not in url


def test_region() -> None:
    client = make_client(ClientSettings(region_name="ap-south-1", anonymous=True))
    assert client.meta.region_name == "ap-south-1"


def test_anonymous_is_unsigned(monkeypatch: pytest.MonkeyPatch) -> None:
    # Even with credentials in the environment, an anonymous client signs nothing.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    client = make_client(
        ClientSettings(
            endpoint_url="http://127.0.0.1:9000",
            region_name="us-east-1",
            path_style=True,
            anonymous=True,
            access_key_id="AKIDIGNORED",
            secret_access_key=SECRET,
        )
    )
    assert client.meta.config.signature_version is UNSIGNED
    url = presigned(client)
    assert url == "http://127.0.0.1:9000/my-bucket/dir/a%20b.md"
    assert "Signature" not in url and "AKID" not in url


def test_keys_are_used() -> None:
    client = make_client(
        ClientSettings(
            region_name="us-east-1",
            access_key_id="AKIDEXAMPLE",
            secret_access_key=SECRET,
            session_token=TOKEN,
        )
    )
    creds = client._request_signer._credentials.get_frozen_credentials()
    assert (creds.access_key, creds.secret_key, creds.token) == ("AKIDEXAMPLE", SECRET, TOKEN)
    assert "AKIDEXAMPLE" in presigned(client)


class _EmptyRaw:
    def stream(self, **kwargs: Any) -> Any:
        return iter([b""])


def sends_until_giving_up(client: Any) -> int:
    """How many HTTP requests one call makes when every answer is a retryable 503."""
    sent: list[int] = []

    def answer_503(request: Any, **kwargs: Any) -> AWSResponse:
        sent.append(1)
        return AWSResponse(request.url, 503, {}, _EmptyRaw())

    client.meta.events.register("before-send.s3.ListObjectsV2", answer_503)
    with pytest.raises(ClientError):
        client.list_objects_v2(Bucket="retry-bucket")
    return len(sent)


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)


@pytest.mark.parametrize("attempts", [1, 2, 4])
def test_max_attempts_counts_every_attempt(no_backoff: None, attempts: int) -> None:
    # "attempts" include the first one, as AWS_MAX_ATTEMPTS / the config file's max_attempts
    # do: max_attempts=1 means no retry at all.
    client = make_client(
        ClientSettings(region_name="us-east-1", anonymous=True, max_attempts=attempts)
    )
    assert client.meta.config.retries["mode"] == "standard"
    assert sends_until_giving_up(client) == attempts


def test_retry_mode_is_passed_through() -> None:
    client = make_client(
        ClientSettings(region_name="us-east-1", anonymous=True, retry_mode="adaptive")
    )
    assert client.meta.config.retries["mode"] == "adaptive"


def test_default_retries_and_timeouts() -> None:
    client = make_client(ClientSettings(region_name="us-east-1", anonymous=True))
    assert client.meta.config.retries["mode"] == "standard"
    assert client.meta.config.connect_timeout == 10.0
    assert client.meta.config.read_timeout == 60.0
    assert client.meta.config.max_pool_connections == 64


def test_repr_hides_secrets() -> None:
    settings = ClientSettings(
        endpoint_url="http://minio:9000",
        access_key_id="AKIDEXAMPLE",
        secret_access_key=SECRET,
        session_token=TOKEN,
    )
    for text in (repr(settings), str(settings), f"{settings}", repr([settings])):
        assert SECRET not in text
        assert TOKEN not in text
        assert "http://minio:9000" in text
        assert "access keys" in text


@pytest.mark.parametrize(
    ("settings", "kind"),
    [
        (ClientSettings(anonymous=True, access_key_id="a", secret_access_key=SECRET), "anonymous"),
        (ClientSettings(access_key_id="a", secret_access_key=SECRET), "access keys"),
        (ClientSettings(profile_name="dev"), "profile dev"),
        (ClientSettings(), "default chain"),
    ],
)
def test_credentials_kind(settings: ClientSettings, kind: str) -> None:
    assert settings.credentials_kind == kind
    assert kind in repr(settings)


def test_s3_timestamps_parse_as_botocores_own_parser_does():
    """The client's direct parser (botocore's default is dateutil's, a third of a listing's
    CPU) gives the same instants for both of S3's spellings, and falls back for any other."""
    from botocore.utils import parse_timestamp

    from s3_ingest.core.s3.client import fast_timestamp

    for text in ("2026-01-02T03:04:05.000Z", "2026-01-02T03:04:05.123456Z",
                 "Fri, 02 Jan 2026 03:04:05 GMT", "Fri, 02 Jan 2026 03:04:05 UTC",
                 "2026-01-02T03:04:05+01:00", "1767323045"):
        assert fast_timestamp(text) == parse_timestamp(text), text
    assert fast_timestamp("Fri, 02 Jan 2026 03:04:05 GMT").tzinfo is not None


def test_a_listing_through_the_client_carries_aware_timestamps(local_s3, s3_client, bucket):
    s3_client.put_object(Bucket=bucket, Key="a.md", Body=b"x")
    client = make_client(ClientSettings(endpoint_url=local_s3.endpoint_url,
                                        region_name="us-east-1", path_style=True,
                                        access_key_id="k", secret_access_key="s"))
    [entry] = client.list_objects_v2(Bucket=bucket)["Contents"]
    head = client.head_object(Bucket=bucket, Key="a.md")
    assert entry["LastModified"] == s3_client.head_object(Bucket=bucket, Key="a.md")["LastModified"]
    assert head["LastModified"] == entry["LastModified"].replace(microsecond=0)
