from thresher import Document, Edit, Rejection, ledger_diff


def test_document_round_trips_through_dict() -> None:
    doc = Document(
        id="a:1",
        text="kept line",
        metadata={"url": "https://example.org/x", "http_status": 404},
        ledger=[Edit("boilerplate", "boilerplate", 1, 2, 10, 30, "Share\nComments")],
        rejection=Rejection("min-words", "too-short", "2 words"),
    )
    data = doc.to_dict()
    assert data["status"] == "rejected"
    assert data["reason"] == "too-short"
    assert data["ledger"][0]["removed"] == "Share\nComments"
    assert Document.from_dict(data) == doc


def test_ledger_diff_shows_each_edit_with_its_reason() -> None:
    doc = Document(id="x", text="Hello world")
    doc.ledger.append(Edit("normalize", "unicode", 0, 0, 0, 12, "HÃ©llo world", "Héllo world"))
    doc.ledger.append(Edit("boilerplate", "boilerplate", 3, 3, 40, 48, "Comments"))
    diff = ledger_diff(doc).split("\n")
    assert diff == [
        "@@ normalize [unicode] lines 0-0 chars 0-12 @@",
        "-HÃ©llo world",
        "+Héllo world",
        "@@ boilerplate [boilerplate] lines 3-3 chars 40-48 @@",
        "-Comments",
    ]
