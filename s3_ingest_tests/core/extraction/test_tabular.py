import json

from s3_ingest.core.extraction import extract

VENDORS = {
    "title": "Approved vendors",
    "vendors": [
        {"name": "Maasvlakte Fuel", "terms": 30, "active": True, "notes": None},
        {"name": "Rheinland Trailer Rental", "tags": ["equipment", "reefer"]},
    ],
    "empty": {},
}


def test_json_flattens_keys_and_values():
    result = extract(json.dumps(VENDORS).encode(), "reports/vendors.json")
    assert result.status == "indexed"
    assert result.title == "Approved vendors"
    lines = result.text.split("\n")
    assert lines[0] == "title: Approved vendors"
    assert "vendors.name: Maasvlakte Fuel" in lines
    assert "vendors.terms: 30" in lines
    assert "vendors.active: true" in lines
    assert "vendors.notes" in lines
    assert "vendors.tags: reefer" in lines
    assert "empty" in lines
    # Document order is kept.
    assert lines.index("vendors.name: Maasvlakte Fuel") < lines.index("vendors.name: Rheinland Trailer Rental")


def test_json_title_from_name_and_scalars():
    assert extract(b'{"name": "Fleet list", "count": 3}', "a.json").title == "Fleet list"
    assert extract(b'{"title": 42}', "a.json").title is None
    result = extract(b'["invoice", "credit note"]', "list.json")
    assert result.text == "invoice\ncredit note"
    assert result.title is None


def test_invalid_json():
    result = extract(b'{"title": "broken", ', "bad.json")
    assert result.status == "metadata_only"
    assert result.reason.startswith("invalid JSON: ")
    assert "line 1" in result.reason


def test_absurdly_nested_json_is_rejected_not_raised():
    result = extract(b"[" * 100_000 + b"]" * 100_000, "deep.json")
    assert result.status == "metadata_only"
    assert result.reason.startswith("invalid JSON")


def test_json_lines():
    data = b'{"ticket": "SUP-1", "subject": "Invoice dispute"}\n\n{"ticket": "SUP-2", "subject": "Late pickup"}\n'
    result = extract(data, "tickets.jsonl")
    assert result.status == "indexed"
    assert result.text == "ticket: SUP-1\nsubject: Invoice dispute\n\nticket: SUP-2\nsubject: Late pickup"


def test_json_lines_by_content_type_and_invalid_line():
    assert extract(b'{"a": 1}\n{"a": 2}\n', "events", "application/x-ndjson").text == "a: 1\n\na: 2"
    result = extract(b'{"a": 1}\n{oops\n', "events.ndjson")
    assert result.status == "metadata_only"
    assert result.reason.startswith("invalid JSON Lines: line 2")


def test_csv_header_and_rows():
    data = b'invoice_id,customer,amount\nINV-1,"Castell & Fill, S.L.",6025.75\nINV-2,Van Dijk,4820.00\n'
    result = extract(data, "reports/invoices.csv")
    assert result.status == "indexed"
    assert result.text == (
        "invoice_id | customer | amount\nINV-1 | Castell & Fill, S.L. | 6025.75\nINV-2 | Van Dijk | 4820.00"
    )


def test_csv_delimiter_is_sniffed():
    data = "Rechnung;Kunde;Betrag\nR-1;Müller GmbH;12,50\nR-2;Brandt;7,10\n".encode("cp1252")
    result = extract(data, "de.csv")
    assert result.text.split("\n")[1] == "R-1 | Müller GmbH | 12,50"


def test_tsv():
    assert extract(b"a\tb\n1\t2\n", "x.tsv").text == "a | b\n1 | 2"


def test_csv_output_is_capped():
    data = b"id,text\n" + b"".join(b"%d,row number %d\n" % (i, i) for i in range(10_000))
    result = extract(data, "big.csv", max_text_chars=500)
    assert result.status == "indexed"
    assert len(result.text) == 500
    assert result.text.startswith("id | text\n0 | row number 0")


def test_csv_without_cells_has_no_text():
    assert extract(b",,,\n,,\n", "empty.csv").reason == "no text found"
