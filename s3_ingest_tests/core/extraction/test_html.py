from s3_ingest.core.extraction import extract

PAGE = b"""<!DOCTYPE html>
<html>
<head>
  <title>  Security
     Guidelines </title>
  <meta name="description" content="meta-description-token">
  <style>.secret-style-token { color: red }</style>
  <script>var scriptToken = "secret-script-token";</script>
</head>
<body>
  <!-- secret-comment-token -->
  <h1>Information Security</h1>
  <p>Report   phishing
     within <b>one</b> hour.</p>
  <p>re<i>ten</i>tion&nbsp;policy</p>
  <ul><li>first item</li><li>second item</li></ul>
  <noscript>secret-noscript-token</noscript>
  <template><p>secret-template-token</p></template>
  <div hidden>secret-hidden-token</div>
  <span style="display: none">secret-invisible-token</span>
  <script type="text/javascript">document.write("secret-body-script-token")</script>
  Trailing&amp;text<br>after break
</body>
</html>"""


def test_visible_text_only():
    result = extract(PAGE, "handbook/security.html")
    assert result.status == "indexed"
    assert "secret" not in result.text
    assert "meta-description-token" not in result.text
    assert "Report phishing within one hour." in result.text
    assert "retention policy" in result.text
    assert "first item\nsecond item" in result.text
    assert "Trailing&text\nafter break" in result.text


def test_whitespace_is_normalised():
    text = extract(PAGE, "a.html").text
    assert "  " not in text
    assert "\n\n" not in text
    assert text == text.strip()


def test_title_from_title_tag_then_h1():
    assert extract(PAGE, "a.htm").title == "Security Guidelines"
    no_title = b"<html><body><h1>Quarterly <em>Report</em></h1><p>x</p></body></html>"
    assert extract(no_title, "b.html").title == "Quarterly Report"
    assert extract(b"<p>just text</p>", "c.html").title is None


def test_meta_charset_is_honoured():
    page = '<html><head><meta charset="windows-1251"></head><body><p>Политика хранения</p></body></html>'
    assert extract(page.encode("cp1251"), "ru.html").text == "Политика хранения"


def test_page_without_visible_text():
    page = b"<html><head><title>Empty</title><script>x()</script></head><body> </body></html>"
    result = extract(page, "empty.html")
    assert result.status == "metadata_only"
    assert result.reason == "no text found"


def test_deeply_nested_markup_does_not_blow_up():
    result = extract(b"<div>" * 20_000 + b"deep text" + b"</div>" * 20_000, "nested.html")
    assert result.status == "indexed"
    assert result.text == "deep text"


def test_content_type_selects_html():
    result = extract(b"<p>Hello <script>bad()</script>world</p>", "page", "text/html; charset=utf-8")
    assert result.text == "Hello world"
