"""Chunks follow a document's structure and stay near the target size, with a small overlap."""

from s3_ingest.core.retrieval.chunking import TARGET_WORDS, chunk_document, embedding_text


def words(n, start=0):
    return " ".join(f"w{i}" for i in range(start, start + n))


def test_markdown_headings_give_each_chunk_its_heading_path():
    text = ("# Handbook\nIntro text here.\n## Leave\nHoliday rules.\n### Carry-over\nFive days.\n"
            "## Travel\nBook trains.\n```\n# not a heading inside code\n```\n")
    chunks = chunk_document("h.md", text)
    assert [(c.heading, c.text.split("\n")[0]) for c in chunks] == [
        ("Handbook", "Intro text here."),
        ("Handbook > Leave", "Holiday rules."),
        ("Handbook > Leave > Carry-over", "Five days."),
        ("Handbook > Travel", "Book trains."),
    ]
    assert "# not a heading inside code" in chunks[-1].text
    assert [c.position for c in chunks] == [0, 1, 2, 3]
    assert all(c.key == "h.md" for c in chunks)


def test_pdf_pages_are_numbered_and_never_share_a_chunk():
    text = "Page one text about trucks.\fPage two text about ships.\f\fPage four."
    chunks = chunk_document("r.pdf", text, "application/pdf")
    assert [(c.page, c.text) for c in chunks] == [
        (1, "Page one text about trucks."), (2, "Page two text about ships."), (4, "Page four.")]


def test_prose_headings_without_markup_are_recognised():
    # What a DOCX or HTML heading becomes once extraction has dropped its markup.
    text = ("Remote Work Guidelines\n\nOffice staff may work remotely three days a week.\n\n"
            "Equipment\n  Kestrel provides a laptop and a headset, and a monitor on request.\n")
    chunks = chunk_document("remote.docx", text)
    assert [c.heading for c in chunks] == ["Remote Work Guidelines", "Equipment"]
    assert "laptop" in chunks[1].text and "Equipment" not in chunks[1].text


def test_csv_rows_are_whole_and_keep_the_header_as_heading():
    header = "invoice_id | customer | amount"
    rows = [f"INV-{i} | customer {i} {words(20)} | {i}" for i in range(40)]
    chunks = chunk_document("inv.csv", "\n".join([header, *rows]))
    assert len(chunks) > 1
    assert all(c.heading == header for c in chunks)
    assert [line for c in chunks for line in c.text.split("\n")] == rows  # whole, in order, once
    assert all(len(c.text.split()) <= TARGET_WORDS[1] for c in chunks)
    assert embedding_text(chunks[0]).startswith(header + "\n")


def test_json_records_are_never_split():
    records = [f"id: {i}\nbody: {words(50, i)}" for i in range(20)]
    chunks = chunk_document("tickets.jsonl", "\n\n".join(records))
    assert len(chunks) > 1
    assert [r for c in chunks for r in c.text.split("\n\n")] == records


def test_long_prose_is_cut_near_the_target_with_overlap():
    sentences = [f"Sentence {i} says {words(12, i * 12)}." for i in range(120)]
    chunks = chunk_document("long.txt", " ".join(sentences))
    sizes = [len(c.text.split()) for c in chunks]
    assert len(chunks) >= 5
    assert all(size <= TARGET_WORDS[1] for size in sizes)
    assert all(size >= TARGET_WORDS[0] for size in sizes[:-1])
    for before, after in zip(chunks, chunks[1:]):
        assert set(before.text.split()[-20:]) & set(after.text.split()[:40])  # they overlap


def test_empty_text_has_no_chunks():
    assert chunk_document("x.txt", None) == chunk_document("x.txt", "  \n ") == []


def test_an_extracted_pdf_keeps_its_page_numbers():
    from s3_ingest.core.extraction import extract
    from s3_ingest_tests.core.extraction.test_pdf import make_pdf

    data = make_pdf([["Trucks are serviced yearly."], [], ["Ships dock at Rotterdam."]])
    chunks = chunk_document("r.pdf", extract(data, "r.pdf").text, "application/pdf")
    assert [(c.page, c.text) for c in chunks] == [
        (1, "Trucks are serviced yearly."), (3, "Ships dock at Rotterdam.")]
