import os
import signal
import threading
import time
import zlib
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor

import pytest

from s3_ingest.core.extraction import Extraction, ExtractionSandbox, extract
from s3_ingest.core.extraction.result import failed

from .test_docx import make_docx
from .test_pdf import make_pdf

# Runs inside the worker processes of the `hostile` sandboxes (imported there by name).
HOSTILE = f"{__name__}:hostile_extract"


def hostile_extract(data: bytes, key: str, content_type: str | None) -> Extraction:
    """`extract`, except for keys that name a misbehaviour."""
    if "spin" in key:
        time.sleep(60)
    if "hog" in key:  # grows towards 4 GB, 64 MB at a time
        hoard = [bytearray(64 << 20) for _ in range(64)]
        return Extraction("indexed", f"{len(hoard)} chunks", None, None)
    if "caught" in key:  # an extractor that caught the MemoryError itself, as pypdf's callers do
        return failed("pdf", MemoryError())
    if "crash" in key:
        os.kill(os.getpid(), signal.SIGKILL)
    return extract(data, key, content_type)


@pytest.fixture(scope="module")
def sandbox():
    with ExtractionSandbox(workers=2, timeout_s=30, memory_limit_mb=1024) as box:
        yield box


@pytest.fixture(scope="module")
def hostile():
    with ExtractionSandbox(workers=1, timeout_s=1, memory_limit_mb=256, _target=HOSTILE) as box:
        yield box


PDF = make_pdf([["Incident postmortem", "Cause: expired certificate."], ["Page two"]], "Outage report")


def assert_works(box: ExtractionSandbox) -> None:
    assert box.extract(PDF, "after.pdf") == extract(PDF, "after.pdf")


def wait_until_dead(pid: int) -> None:
    """Until the process is a zombie or gone (it stays our unreaped child after SIGKILL)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    return
        except FileNotFoundError:
            return
        time.sleep(0.02)
    raise AssertionError(f"process {pid} did not die")


def wait_for_workers(box: ExtractionSandbox, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(box.worker_pids()) < count:
        assert time.monotonic() < deadline, f"{count} workers never started"
        time.sleep(0.02)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_pdf_and_docx_extract_as_in_process(sandbox):
    docx = make_docx(title="Travel policy")
    assert sandbox.extract(PDF, "reports/outage.pdf") == extract(PDF, "reports/outage.pdf")
    assert sandbox.extract(docx, "policy.docx") == extract(docx, "policy.docx")
    result = sandbox.extract(PDF, "no-extension", "application/pdf")
    assert result.status == "indexed" and "Cause: expired certificate." in result.text
    assert result.title == "Outage report"


def test_bad_content_is_still_a_reason(sandbox):
    truncated = PDF[:60]
    assert sandbox.extract(truncated, "broken.pdf") == extract(truncated, "broken.pdf")
    assert sandbox.extract(b"not a zip", "x.docx").reason.startswith("docx extraction failed: ")


def test_other_kinds_stay_in_process():
    box = ExtractionSandbox(workers=1)
    try:
        assert box.extract(b"# Notes\nhello", "notes.md") == extract(b"# Notes\nhello", "notes.md")
        assert box.extract(b"\x00\x01", "blob.bin").status == "metadata_only"
        assert box.worker_pids() == []  # no worker was ever started
    finally:
        box.close()


def test_spinning_parser_is_stopped_and_replaced(hostile):
    hostile.extract(PDF, "warm.pdf")  # the clock starts once a worker is up, not before
    [spinner] = hostile.worker_pids()
    result = hostile.extract(PDF, "spin.pdf")
    assert result == Extraction("metadata_only", None, None, "pdf extraction took longer than 1 s; skipped")
    assert hostile.worker_pids() != [spinner]
    assert_works(hostile)


def test_memory_bomb_hits_the_limit_not_the_machine(hostile):
    result = hostile.extract(PDF, "hog.pdf")
    assert result.status == "metadata_only"
    assert result.reason == "pdf extraction failed: over the memory limit (256 MB)"
    assert_works(hostile)


def test_memory_error_caught_by_the_extractor_is_reported_the_same(hostile):
    result = hostile.extract(b"%PDF", "caught.docx")
    assert result.reason == "docx extraction failed: over the memory limit (256 MB)"
    assert_works(hostile)


def test_parser_killed_mid_job_is_a_crash_reason(hostile):
    result = hostile.extract(PDF, "crash.pdf")
    assert result.status == "metadata_only"
    assert result.reason == "pdf extraction failed: the parser process crashed (killed by SIGKILL)"
    assert_works(hostile)


def zero_bomb(total: int = 1 << 30, chunk: int = 1 << 24) -> bytes:
    """A zlib stream of `total` zero bytes, about 1,000 times smaller, built in well under a second.

    After a full flush the compressor has no history, so every further chunk compresses to the
    same bytes: compress two chunks, repeat the second, and patch in the real Adler-32.
    """
    compressor = zlib.compressobj(9)
    zeros = bytes(chunk)
    head = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.flush()[:-4]
    adler = 1
    for _ in range(total // chunk):
        adler = zlib.adler32(zeros, adler)
    return head + block * (total // chunk - 1) + tail + adler.to_bytes(4, "big")


def bomb_pdf() -> bytes:
    stream = zero_bomb()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_decompression_bomb_pdf(hostile):
    data = bomb_pdf()
    assert len(data) < 2 << 20
    before = rss_mb()
    # pypdf's own output limit or the sandbox's (time, memory): either way, a reason.
    result = hostile.extract(data, "bomb.pdf")
    assert result.status in ("metadata_only", "indexed")
    if result.status == "metadata_only":
        assert result.reason.startswith("pdf extraction ")
    assert rss_mb() - before < 100  # the gigabyte was never inflated in this process
    assert_works(hostile)


def test_worker_killed_while_idle_is_replaced(sandbox):
    sandbox.extract(PDF, "warm.pdf")
    pids = sandbox.worker_pids()
    assert pids
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    for pid in pids:
        wait_until_dead(pid)
    assert_works(sandbox)
    assert not set(sandbox.worker_pids()) & set(pids)


def test_worker_killed_racing_the_next_job_is_retried(sandbox):
    sandbox.extract(PDF, "warm.pdf")
    for pid in sandbox.worker_pids():
        os.kill(pid, signal.SIGKILL)  # no waiting: the job may reach a dying worker
    result = sandbox.extract(PDF, "after.pdf")
    # The worker either was seen dead before the send (retried) or died with the job in hand.
    assert result == extract(PDF, "after.pdf") or "crashed" in result.reason
    assert_works(sandbox)


def test_many_threads_share_two_workers(sandbox):
    def job(thread: int) -> list[tuple[str, Extraction]]:
        results = []
        for n in range(3):
            text = f"Thread {thread} document {n}"
            results.append((text, sandbox.extract(make_pdf([[text]]), f"t{thread}/d{n}.pdf")))
        return results

    with ThreadPoolExecutor(8) as pool:
        outcomes = [item for batch in pool.map(job, range(8)) for item in batch]
    assert len(outcomes) == 24
    for text, result in outcomes:
        assert result.status == "indexed", result.reason
        assert result.text.strip() == text
    assert len(sandbox.worker_pids()) <= 2


def test_memory_limit_below_the_interpreter_is_a_clear_error():
    with ExtractionSandbox(workers=1, memory_limit_mb=16) as box:
        with pytest.raises(RuntimeError, match="memory_limit_mb=16"):
            box.extract(PDF, "a.pdf")


def test_close_kills_every_worker_and_is_idempotent():
    box = ExtractionSandbox(workers=2, timeout_s=30, _target=HOSTILE)
    in_flight: list[BaseException | Extraction] = []
    spinner = threading.Thread(target=lambda: in_flight.append(_outcome(box, "spin.pdf")))
    spinner.start()
    wait_for_workers(box, 1)  # the spinner holds the first worker...
    assert_works(box)  # ...so this starts the second
    pids = box.worker_pids()
    assert len(pids) == 2

    box.close()
    spinner.join(10)
    assert not spinner.is_alive()
    [outcome] = in_flight
    assert isinstance(outcome, RuntimeError)  # closed under it, not a verdict on the content
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # killed and reaped
    assert box.worker_pids() == []
    box.close()
    assert box.closed
    with pytest.raises(RuntimeError, match="closed"):
        box.extract(PDF, "late.pdf")


def _outcome(box: ExtractionSandbox, key: str) -> BaseException | Extraction:
    try:
        return box.extract(PDF, key)
    except BaseException as exc:
        return exc


def test_workers_start_without_any_credential_in_their_environment(monkeypatch):
    """A worker only parses bytes: no AWS key, token, index URL or other secret goes with it."""
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "worker-env-secret-1")
    monkeypatch.setenv("S3_INGEST_INDEX_URL", "postgresql://u:worker-env-secret-2@h/db")
    monkeypatch.setenv("MY_SOURCE_TOKEN", "worker-env-secret-3")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    sandbox = ExtractionSandbox(workers=1, timeout_s=30)
    try:
        assert sandbox.extract(make_docx(), "a.docx", None).status == "indexed"
        [pid] = sandbox.worker_pids()
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    finally:
        sandbox.close()
    names = {entry.split(b"=", 1)[0].decode() for entry in environ if entry}
    assert b"worker-env-secret" not in b"\0".join(environ)
    assert not names & {"AWS_SECRET_ACCESS_KEY", "S3_INGEST_INDEX_URL", "MY_SOURCE_TOKEN"}
    assert {"PATH", "LC_ALL", "OPENBLAS_NUM_THREADS"} <= names


def test_concurrent_extractions_share_one_worker_while_it_keeps_up(monkeypatch):
    """A second worker (another interpreter's memory) starts only when the first has stayed
    busy for a while; the close test above shows it does start then."""
    from s3_ingest.core.extraction import sandbox as sandbox_module

    monkeypatch.setattr(sandbox_module, "_GROW_AFTER_S", 120.0)
    with ExtractionSandbox(workers=3, timeout_s=30) as box, ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda i: box.extract(PDF, f"{i}.pdf"), range(8)))
        assert all(r == extract(PDF, "a.pdf") for r in results)
        assert len(box.worker_pids()) == 1
