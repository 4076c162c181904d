"""Files in the widget: attached in the contact form (a file input, progress, chips) or pasted
into a reply, refused by their bytes with the server's words, kept by a queued ticket, and
shown in the conversation as previews whose signed URLs load."""

from __future__ import annotations

import base64
import json
import random
import struct
import zlib
from typing import Any

import pytest
import requests

from .conftest import Harness, outbox

pytestmark = pytest.mark.browser

SHADOW = "document.querySelector('support-widget').shadowRoot"
FAKE_PNG = b"<!doctype html><html><script>parent.__xss = 'upload'</script></html>"


def png(width: int = 24, height: int = 16, *, noise: int = 0) -> bytes:
    """A real PNG: a gradient, or `noise` rows of seeded random pixels (which do not compress,
    so that an upload takes long enough to be watched)."""
    rng = random.Random(7)
    rows = b"".join(
        b"\x00"
        + (
            bytes(rng.getrandbits(8) for _ in range(width * 3))
            if y < noise
            else bytes(c for x in range(width) for c in (x * 10 % 256, y * 14 % 256, 180))
        )
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


# What a browser does when an image is pasted: a paste event whose clipboard holds a file.
PASTE = """([root, data]) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const clip = new DataTransfer();
    clip.items.add(new File([bytes], "image.png", { type: "image/png" }));
    const box = document.querySelector(root).shadowRoot.querySelector(".reply textarea");
    const event = new ClipboardEvent("paste", { clipboardData: clip, bubbles: true,
        cancelable: true });
    window.__pasted = box.dispatchEvent(event);
}"""


def contact(page: Any) -> None:
    page.locator("support-widget .launcher").click()
    page.locator("support-widget .card").click()
    page.locator("support-widget form .attach").wait_for()


def attach(page: Any, name: str, data: bytes, mime: str = "image/png") -> None:
    page.locator("support-widget form input[type=file]").set_input_files(
        [{"name": name, "mimeType": mime, "buffer": data}]
    )


def ticket_of(harness: Harness, token: str) -> dict[str, Any]:
    [listed] = harness.tickets_of(token)
    found: dict[str, Any] = harness.agent("GET", f"/tickets/{listed['id']}")
    return found


def uploaded(page: Any) -> None:
    """Every chip is done: uploaded (its size shown) or refused."""
    page.wait_for_function(
        f"() => [...{SHADOW}.querySelectorAll('.chip progress')].every((p) => p.hidden)"
    )


def test_a_png_attached_in_the_form_files_with_the_ticket_and_shows_as_a_preview(
    harness: Harness,
) -> None:
    token = harness.token(harness.user())
    page = harness.new_page(harness.page_url(token=token))
    contact(page)
    button = page.locator("support-widget .attach button", has_text="Attach files")
    assert button.get_attribute("type") == "button"
    assert page.locator("support-widget .attach input[type=file]").get_attribute("multiple") == ""
    page.locator("support-widget [name=body]").fill("The chart is cut off, see the picture.")
    # a slow link: the upload's progress shows, and a send meanwhile waits for it
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 60_000},
    )
    big = png(200, 200, noise=200)
    assert len(big) > 100_000
    attach(page, "chart.png", big)
    chip = page.locator("support-widget .chip", has_text="chart.png")
    chip.wait_for()
    page.wait_for_function(
        f"() => {{ const p = {SHADOW}.querySelector('.chip progress');"
        " return p && !p.hidden && p.value > 0 && p.value < 100; }"
    )
    assert chip.locator(".sub").inner_text().endswith("%")
    page.locator("support-widget button[type=submit]").click()
    assert "Uploading your files" in page.locator("support-widget button[type=submit]").inner_text()
    assert harness.tickets_of(token) == []  # not sent without its file
    page.locator("support-widget .done h3", has_text="Message sent").wait_for(timeout=20_000)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    ticket = ticket_of(harness, token)
    [file] = ticket["attachments"]
    assert (file["filename"], file["content_type"], file["size"]) == (
        "chart.png",
        "image/png",
        len(big),
    )
    assert requests.get(file["url"], timeout=10).content == big
    # the conversation shows it as a preview, linking to the file, and its signed URL loads
    page.locator("support-widget .done .primary").click()
    page.locator("support-widget .list .item").first.click()
    image = page.locator("support-widget .thread li").first.locator("img.preview")
    image.wait_for()
    assert image.get_attribute("alt") == "chart.png"
    assert image.get_attribute("loading") == "lazy"
    assert image.locator("xpath=..").get_attribute("href") == file["url"]
    page.wait_for_function(
        f"() => {SHADOW}.querySelector('.thread img.preview')?.naturalWidth === 200"
    )
    assert page.errors == []


def test_a_screenshot_pasted_into_a_reply_is_sent_with_it(harness: Harness) -> None:
    token = harness.token(harness.user())
    filed = requests.post(
        f"{harness.support.url}/api/v1/tickets",
        json={"subject": "Export button", "body": "It does nothing."},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    harness.agent(
        "POST", f"/tickets/{filed['id']}/messages", json={"body": "Could you send a screenshot?"}
    )
    page = harness.new_page(harness.page_url(token=token))
    page.evaluate("SupportWidget('open', 'tickets')")
    page.locator("support-widget .list .item", has_text="Export button").click()
    box = page.locator("support-widget .reply textarea")
    box.wait_for()
    box.fill("Here it is.")
    page.locator("support-widget .reply .attach").wait_for()
    page.evaluate(PASTE, ["support-widget", base64.b64encode(png()).decode()])
    assert page.evaluate("window.__pasted") is False  # the image was taken, not pasted as text
    assert box.input_value() == "Here it is."
    chip = page.locator("support-widget .reply .chip")
    chip.wait_for()
    name = chip.locator(".t").inner_text()
    assert name.startswith("screenshot-") and name.endswith(".png")
    uploaded(page)
    page.locator("support-widget .reply button[type=submit]").click()
    mine = page.locator("support-widget .thread li.mine", has_text="Here it is.")
    mine.locator("img.preview").wait_for()
    assert page.locator("support-widget .reply .chip").count() == 0  # the box is empty again
    [reply] = [m for m in harness.agent("GET", f"/tickets/{filed['id']}")["messages"]][-1:]
    assert reply["body"] == "Here it is."
    [file] = reply["attachments"]
    assert (file["filename"], file["content_type"]) == (name, "image/png")
    page.wait_for_function(
        f"() => {SHADOW}.querySelector('.thread li.mine img.preview')?.naturalWidth === 24"
    )
    # a reply may be only a screenshot
    page.evaluate(PASTE, ["support-widget", base64.b64encode(png(30, 10)).decode()])
    uploaded(page)
    page.locator("support-widget .reply [type=submit]").click()
    page.wait_for_function(
        f"() => [...{SHADOW}.querySelectorAll('.thread li.mine img.preview')]"
        ".some((img) => img.naturalWidth === 30)"
    )
    [only] = harness.agent("GET", f"/tickets/{filed['id']}")["messages"][-1:]
    assert only["body"] == "" and len(only["attachments"]) == 1


def test_a_fake_png_is_refused_with_the_servers_words_and_the_ticket_files_without_it(
    harness: Harness,
) -> None:
    token = harness.token(harness.user())
    refused = requests.post(
        f"{harness.support.url}/api/v1/uploads",
        files={"file": ("invoice.png", FAKE_PNG, "image/png")},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert refused.status_code == 415
    page = harness.new_page(harness.page_url(token=token))
    contact(page)
    page.locator("support-widget [name=body]").fill("Here is the invoice.")
    attach(page, "invoice.png", FAKE_PNG)
    attach(page, "ok.png", png())
    bad = page.locator("support-widget .chip.bad")
    bad.wait_for()
    assert "invoice.png" in bad.inner_text()
    assert bad.locator(".err").inner_text() == refused.json()["error"]["message"]
    assert bad.locator("img").count() == 0  # not an image, whatever its name says
    uploaded(page)
    assert page.locator("support-widget [name=body]").input_value() == "Here is the invoice."
    # the good file can be taken away again
    page.locator("support-widget button[aria-label='Remove ok.png']").click()
    assert page.locator("support-widget .chip").count() == 1
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done h3", has_text="Message sent").wait_for()
    ticket = ticket_of(harness, token)
    assert ticket["body"] == "Here is the invoice."
    assert ticket["attachments"] == []
    assert page.evaluate("window.__xss") is None


def test_a_ticket_queued_offline_keeps_its_files(harness: Harness) -> None:
    token = harness.token(harness.user())
    page = harness.new_page(harness.page_url(token=token))
    contact(page)
    page.locator("support-widget [name=body]").fill("Offline with a picture.")
    attach(page, "offline.png", png())
    uploaded(page)
    page.context.set_offline(True)
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done.queued").wait_for()
    [entry] = outbox(page, harness.support.app_id)
    [upload_id] = json.loads(entry["body"])["attachments"]
    assert upload_id.startswith("upl_")
    page.context.set_offline(False)
    page.wait_for_function(
        f"() => !JSON.parse(localStorage.getItem('support-widget:{harness.support.app_id}:outbox')"
        " || '[]').length"
    )
    [file] = ticket_of(harness, token)["attachments"]
    assert file["filename"] == "offline.png"


def test_files_need_nothing_more_than_the_documented_content_security_policy(
    harness: Harness,
) -> None:
    """The README's strict policy for host pages covers the chips' thumbnails (data: URLs),
    the uploads (connect-src) and the previews (the server's signed URLs)."""
    server = harness.support.url
    csp = (
        f"default-src 'none'; script-src {server}; style-src {server}; connect-src {server}; "
        f"img-src {server} data:"
    )
    token = harness.token(harness.user())
    page = harness.new_page()
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI), true);"
    )
    page.goto(harness.page_url(headers={"Content-Security-Policy": csp}, token=token))
    page.wait_for_function("() => performance.getEntriesByName('support-widget:ready').length")
    contact(page)
    page.locator("support-widget [name=body]").fill("Under a strict policy.")
    attach(page, "strict.png", png())
    page.wait_for_function(f"() => {SHADOW}.querySelector('.chip .thumb img')?.naturalWidth === 24")
    uploaded(page)
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done .primary").click()
    page.locator("support-widget .list .item").first.click()
    page.wait_for_function(
        f"() => {SHADOW}.querySelector('.thread img.preview')?.naturalWidth === 24"
    )
    assert page.evaluate("window.__violations") == []
    assert page.errors == []


def test_attaching_and_removing_by_keyboard_and_other_files_as_links(harness: Harness) -> None:
    token = harness.token(harness.user())
    page = harness.new_page(harness.page_url(token=token))
    # a listener from the start: Playwright intercepts the file chooser only once one is there
    page.on("filechooser", lambda chooser: None)
    contact(page)
    page.locator("support-widget [name=body]").focus()
    page.keyboard.press("Tab")
    assert page.evaluate(f"{SHADOW}.activeElement.textContent") == "Attach files"
    with page.expect_file_chooser() as chosen:
        page.keyboard.press("Enter")
    assert chosen.value.is_multiple()
    chosen.value.set_files(
        [
            {"name": "one.png", "mimeType": "image/png", "buffer": png()},
            {"name": "two.txt", "mimeType": "text/plain", "buffer": b"a log line\n"},
        ]
    )
    uploaded(page)
    assert page.locator("support-widget .chip .t").all_inner_texts() == ["one.png", "two.txt"]
    page.keyboard.press("Tab")
    assert page.evaluate(f"{SHADOW}.activeElement.getAttribute('aria-label')") == "Remove one.png"
    page.keyboard.press("Enter")
    assert page.locator("support-widget .chip .t").all_inner_texts() == ["two.txt"]
    assert page.evaluate(f"{SHADOW}.activeElement.name") == "body"  # back to the message
    page.keyboard.type("The log is attached.")
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done .primary").click()
    page.locator("support-widget .list .item").first.click()
    link = page.locator("support-widget .thread .files a", has_text="two.txt")
    link.wait_for()
    [file] = ticket_of(harness, token)["attachments"]
    assert link.get_attribute("href") == file["url"]
    assert link.locator("small").inner_text() == "0.1 kB"  # 11 bytes: never "0 kB"
    assert page.locator("support-widget .thread img").count() == 0


def test_a_queued_ticket_whose_files_expired_is_still_filed_and_says_so(
    harness: Harness,
) -> None:
    """A report that waited offline longer than its uploads live is not lost: it files
    without them, and the conversation says files were lost (here the upload is taken by
    another ticket of the same user while the browser is offline: the same 422)."""
    token = harness.token(harness.user())
    page = harness.new_page(harness.page_url(token=token))
    contact(page)
    page.locator("support-widget [name=body]").fill("Waited too long.")
    attach(page, "late.png", png())
    uploaded(page)
    page.context.set_offline(True)
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done.queued").wait_for()
    [entry] = outbox(page, harness.support.app_id)
    [upload_id] = json.loads(entry["body"])["attachments"]
    taken = requests.post(
        f"{harness.support.url}/api/v1/tickets",
        json={"body": "took the upload", "attachments": [upload_id]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert taken.status_code == 201, taken.text
    page.context.set_offline(False)
    page.wait_for_function(
        f"() => !JSON.parse(localStorage.getItem('support-widget:{harness.support.app_id}:outbox')"
        " || '[]').length"
    )
    filed = [t for t in harness.tickets_of(token) if t["body"].startswith("Waited too long.")]
    assert len(filed) == 1, filed
    assert filed[0]["body"].endswith("[1 attached file expired before this was sent]")


def test_the_eleventh_file_is_refused_in_the_form_saying_why(harness: Harness) -> None:
    token = harness.token(harness.user())
    page = harness.new_page(harness.page_url(token=token))
    contact(page)
    page.locator("support-widget form input[type=file]").set_input_files(
        [{"name": f"log-{n}.txt", "mimeType": "text/plain", "buffer": b"line\n"} for n in range(11)]
    )
    uploaded(page)
    refused = page.locator("support-widget .chip.bad")
    assert refused.count() == 1
    assert refused.inner_text().count("At most 10 files per message.") == 1
    assert "log-10.txt" in refused.inner_text()
    page.locator("support-widget [name=body]").fill("Eleven logs.")
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done").wait_for()
    assert len(ticket_of(harness, token)["attachments"]) == 10
