"""Issue 12, case 9: no page holds a run past the extraction deadline, whatever it contains, in
any thread. Each hostile page is extracted in a separate Python process, so that a hang shows
as that process's timeout (60 s, against deadlines of 2 and 10 s) rather than a stuck suite;
the tests assert the verdict."""

from __future__ import annotations

import importlib
import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import thresher

# Pages that lexbor (resiliparse's parser) or the main-content pass take minutes on, or that are
# merely large; each as Python source building it.
HOSTILE = {
    # the page: one element with 200,000 distinct attributes (here 1.9 MB)
    "distinct-attributes": "'<html><body><div ' + ' '.join(f'a{i}=x' for i in range(200_000))"
    " + '>text</div></body></html>'",
    # the same attributes without spaces between them, and separated by slashes
    "attributes-run-together": "'<html><body><div ' + ''.join(f'a{i}=\"x\"' for i in range(150_000))"
    " + '>t</div></body></html>'",
    "attributes-by-slashes": "'<html><body><div ' + '/'.join(f'a{i}' for i in range(200_000))"
    " + '>t</div></body></html>'",
    # attributes gathered on <html> from many <html> tags
    "attributes-merged-on-html": "''.join(f'<html a{i}=x>' for i in range(150_000))",
    # many elements, each with many distinct attributes
    "attributes-on-many-elements": "('<div ' + ' '.join(f'a{i}=x' for i in range(5_000))"
    " + '>w</div>') * 150",
    # formatting elements that differ in one attribute each (the active formatting list grows)
    "distinct-formatting": "'<html><body>' + ''.join(f'<b c{i}>x' for i in range(150_000))",
    "select-options": "'<html><body><select>' + '<option>x' * 400_000",
    "links-around-bold": "'<html><body>' + '<a href=x><b>' * 300_000",
}
# Pages that must come back with a verdict (any), quickly or at the deadline.
LARGE = {
    "siblings": "'<html><body>' + '<div>word</div>' * 500_000 + '</body></html>'",
    "deep": "'<html><body>' + '<div>' * 100_000 + 't' + '</div>' * 100_000",
    "unclosed-comment": "'<html><body><p>Hello there.</p><!--' + 'a' * 5_000_000",
    "unclosed-tag": "'<html><body><p>Hello there.</p><div ' + 'a ' * 1_000_000",
}
VERDICTS = {None, "extract-timeout", "too-deeply-nested", "page-too-large"}


def verdict(page: str, call: str = "thresher.extract(page, timeout=2)", limit: float = 60) -> dict:
    """Build the page in a fresh interpreter and extract it there; the document's text size,
    rejection reason and seconds taken, or a failure naming the hang."""
    script = textwrap.dedent(
        f"""
        import json, time, thresher
        from concurrent.futures import ThreadPoolExecutor
        page = {page}
        started = time.monotonic()
        doc = {call}
        reason = doc.rejection.reason if doc.rejection else None
        print(json.dumps({{"reason": reason, "chars": len(doc.text),
                          "seconds": time.monotonic() - started}}))
        """
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=limit
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"still extracting after {limit:g} s")
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_page_the_parser_cannot_finish_is_rejected_at_the_deadline(name: str) -> None:
    result = verdict(HOSTILE[name])
    assert result["reason"] == "extract-timeout"


@pytest.mark.parametrize("name", sorted(LARGE))
def test_large_and_broken_pages_come_back_with_a_verdict(name: str) -> None:
    result = verdict(LARGE[name])
    assert result["reason"] in VERDICTS
    if name == "deep":
        assert result["reason"] == "too-deeply-nested"
    if name.startswith("unclosed"):
        assert result["reason"] is None and result["chars"] > 0


def test_a_5_mb_attribute_value_is_read() -> None:
    page = "'<html><body><img src=\"' + 'x' * 5_000_000 + '\"><p>' + 'A sentence of words. ' * 40"
    result = verdict(page)
    assert result["reason"] is None and result["chars"] > 500


def test_the_deadline_holds_in_a_thread_pool() -> None:
    call = "ThreadPoolExecutor(2).submit(thresher.extract, page, timeout=2).result()"
    result = verdict(HOSTILE["distinct-attributes"], call)
    assert result["reason"] == "extract-timeout"


def test_the_deadline_holds_in_many_threads_at_once() -> None:
    call = (
        "list(ThreadPoolExecutor(3).map(lambda p: thresher.extract(p, timeout=2), "
        "[page, page[:1000] + '</div><p>' + 'Words of a sentence here. ' * 30, page]))[1]"
    )
    result = verdict(HOSTILE["distinct-formatting"], call)
    assert result["reason"] is None and result["chars"] > 500


def test_an_ordinary_page_after_a_killed_one_is_extracted() -> None:
    call = (
        "[thresher.extract(page, timeout=2), "
        "thresher.extract('<p>' + 'Words of a sentence here. ' * 30)][1]"
    )
    result = verdict(HOSTILE["select-options"], call)
    assert result["reason"] is None and result["chars"] > 500


def test_the_html_reader_is_bounded_by_the_default_deadline(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    call = (
        "next(__import__('thresher.readers.html', fromlist=['x']).read_html_file("
        f"__import__('pathlib').Path({str(path)!r}), 'page.html'))"
    )
    setup = f"open({str(path)!r}, 'w').write({HOSTILE['distinct-attributes']})"
    result = verdict(f"({setup}, None)[1]", call)
    assert result["reason"] == "extract-timeout"


def test_every_page_path_goes_through_the_one_guarded_function() -> None:
    guarded = importlib.import_module("thresher.extract").extract
    assert thresher.extract is guarded
    for module in ("thresher.readers.html", "thresher.readers.warc", "thresher.extract.step"):
        assert importlib.import_module(module).extract is guarded


def test_a_helper_that_dies_rejects_its_page_and_the_next_page_is_read() -> None:
    # the helper killed from outside while it parses: that page is `extract-failed`, naming
    # the signal; the next page gets a new helper
    script = textwrap.dedent(
        f"""
        import json, os, threading, thresher
        from thresher.extract import isolate
        page = {HOSTILE["distinct-attributes"]}
        ordinary = "<p>" + "Words of a sentence here. " * 30
        thresher.extract(ordinary)  # the helper is started
        (helper,) = list(isolate._all)
        threading.Timer(1.0, os.kill, (helper.process.pid, 9)).start()
        killed = thresher.extract(page, timeout=30)
        after = thresher.extract(ordinary)
        print(json.dumps([killed.rejection.reason, killed.rejection.detail, after.rejection,
                          len(after.text)]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    reason, detail, after, chars = json.loads(done.stdout.strip().splitlines()[-1])
    assert reason == "extract-failed" and "SIGKILL" in detail
    assert after is None and chars > 500


def test_where_no_helper_can_start_pages_are_extracted_here_with_a_warning() -> None:
    script = textwrap.dedent(
        """
        import json, sys, warnings, thresher
        sys.executable = "/bin/false"  # no helper interpreter
        ordinary = "<p>" + "Words of a sentence here. " * 30
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            docs = [thresher.extract(ordinary) for _ in range(3)]
        print(json.dumps([[d.rejection is None and len(d.text) for d in docs],
                          [str(w.message) for w in caught]]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    sizes, messages = json.loads(done.stdout.strip().splitlines()[-1])
    assert sizes == [779, 779, 779]
    assert len(messages) == 1 and "no extraction helper process could be started" in messages[0]


CALLER = textwrap.dedent(
    f"""
    import os, thresher
    page = {HOSTILE["distinct-attributes"]}
    thresher.extract("<p>warm</p>")  # the helper is started
    print("parsing", flush=True)
    try:
        thresher.extract(page, timeout=100)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    """
)


def _helper_of(pid: int) -> int:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    assert len(children) == 1
    return int(children[0])


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_reaches_the_caller_and_ends_the_helper() -> None:
    caller = subprocess.Popen(
        [sys.executable, "-c", CALLER], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert caller.stdout is not None
    assert caller.stdout.readline().strip() == "parsing"
    time.sleep(1)  # inside the parser, where a signal handler would wait for minutes
    helper = _helper_of(caller.pid)
    os.killpg(caller.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
    out, _ = caller.communicate(timeout=30)
    assert out.strip() == "interrupted" and caller.returncode == 0
    assert _gone(helper)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_helper_does_not_outlive_a_killed_caller() -> None:
    caller = subprocess.Popen([sys.executable, "-c", CALLER], stdout=subprocess.PIPE, text=True)
    assert caller.stdout is not None
    assert caller.stdout.readline().strip() == "parsing"
    time.sleep(1)
    helper = _helper_of(caller.pid)
    caller.kill()
    caller.wait(timeout=30)
    for _ in range(100):  # the kernel sends the parent-death signal at once; reaping may lag
        if _gone(helper):
            break
        time.sleep(0.1)
    assert _gone(helper)


# What crosses between the caller and its helper (extract/isolate.py): every answer is the
# in-process one, field for field, whatever the page and its metadata hold.

ODD = '"q" \\ \x01\x1f\x7f \u00e9 \u200f\u202e \u2028\u2029 \ufeff \U0001f600 </title> &amp; \t'


def _both(page: str | bytes, **options: object) -> tuple[thresher.Document, thresher.Document]:
    here = thresher.extract(page, isolate=False, **options)  # type: ignore[arg-type]
    there = thresher.extract(page, **options)  # type: ignore[arg-type]
    return here, there


def _helper_pid() -> int:
    from thresher.extract import isolate

    helper = isolate._local.helper
    assert helper.alive()
    return int(helper.process.pid)


def test_metadata_with_unusual_characters_comes_back_exactly() -> None:
    body = "<p>" + "Words of a sentence here. " * 30
    head = (
        f"<title>{ODD}</title><meta name=author content='{ODD}'>"
        f"<meta property=og:title content='{ODD}'><link rel=canonical href='https://x.test/{ODD}'>"
    )
    for page in (f"<html><head>{head}</head><body>{body}", f"<head>{head}</head>{body}".encode()):
        here, there = _both(page, url=f"https://example.test/{ODD}")
        assert there.rejection is None and here.rejection is None
        assert there.metadata == here.metadata and there.text == here.text
        assert "\U0001f600" in str(there.metadata)


def test_a_page_larger_than_the_shared_memory_crosses_in_the_pipe() -> None:
    from thresher.extract import isolate

    small = "<p>" + "Words of a sentence here. " * 30
    thresher.extract(small)
    pid = _helper_pid()
    # a page over the shared memory, and an answer over it too (its text is 10 MB)
    big = "<html><body><pre>" + "word " * 2_000_000 + "</pre>"
    assert len(big) > isolate.SHARED_BYTES
    here, there = _both(big, max_bytes=32 << 20)
    assert there.rejection is None and len(there.text) > isolate.SHARED_BYTES
    assert there.text == here.text and there.metadata == here.metadata
    assert _helper_pid() == pid  # the same helper, and the next page in shared memory again
    here, there = _both(small)
    assert there.text == here.text and there.metadata == here.metadata
    assert _helper_pid() == pid


def test_many_pages_in_a_row_in_one_helper() -> None:
    thresher.extract("<p>warm</p>")
    pid = _helper_pid()
    sentence = "Words of a sentence here. "
    for number in range(120):
        page = (
            f"<html><head><title>Page {number} {ODD[: number % len(ODD)]}</title></head><body>"
            f"<p>{sentence * (1 + number * 37 % 400)}</p>{'<div>menu</div>' * (number * 911 % 3000)}"
        )
        here, there = _both(page.encode() if number % 2 else page, url=f"https://x.test/{number}")
        assert (there.text, there.metadata, there.rejection) == (
            here.text,
            here.metadata,
            here.rejection,
        ), number
    assert _helper_pid() == pid


def test_request_fields_cross_exactly() -> None:
    from thresher.extract import isolate

    values = (
        b"\x00\xff<p>",
        "text \udcff \U0001f600",
        None,
        float("inf"),
        0.9,
        3,
        {"a": [1]},
        {1, 2},
    )
    message = b"".join(isolate._fields(values, "surrogatepass", requests=True))
    back = isolate._request_of(message, len(message))
    assert back[:3] == values[:3] and back[3] == float("inf") and back[4:] == values[4:]
    nan = b"".join(isolate._fields((float("nan"),), "surrogatepass", requests=True))
    assert math.isnan(isolate._request_of(nan, len(nan))[0])


def test_an_answer_is_read_as_data_only() -> None:
    from thresher.extract import isolate

    answer = ("text \U0001f600", {"title": ODD}, None, 1.5, b"raw")
    message = b"".join(isolate._fields(answer, "replace"))
    assert isolate._answer_of(message) == answer
    # a lone surrogate (a page given as text) comes back as `?`, as JSON would have it
    assert isolate._answer_of(b"".join(isolate._fields(("a\udcffb",), "replace"))) == ("a?b",)
    pickled = b"".join(isolate._fields(({1, 2},), "x", requests=True))
    assert pickled[0:1] == b"P"
    broken = [
        pickled,  # a pickle is never read from the helper
        message[:-1],  # a field past the end
        message[:5],  # a field header cut short
        isolate._FIELD.pack(ord("T"), 2) + b"\xff\xfe",  # not UTF-8
        isolate._FIELD.pack(ord("J"), 1) + b"{",  # not JSON
        isolate._FIELD.pack(ord("F"), 1) + b"x",  # not a float
        isolate._FIELD.pack(ord("Z"), 0),  # no such kind
    ]
    for data in broken:
        with pytest.raises(isolate.HelperDied):
            isolate._answer_of(data)
