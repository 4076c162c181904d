"""Docs as code the way Hugo, Jekyll, MkDocs and Docusaurus writers lay out a folder: the file
name gives the slug, a suffix the locale, the folder the category; front matter overrides.

Run as writers run it: ``support-sdk articles push/pull`` against a real server, and
``support-server import/export`` on a real data directory (both read the same files).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from support_sdk.testing import SupportServer

from ..conftest import HELP_CENTER
from ..servers import cli, init_data_dir
from .test_docs_sync import sdk


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def conventional_folder(root: Path) -> Path:
    """A folder with no slug, locale or category in any front matter."""
    write(
        root / "billing" / "late-fees.md",
        "---\ntitle: Late fees\nstatus: published\n---\nA fee is added to overdue invoices.\n",
    )
    write(
        root / "billing" / "late-fees.fr.md",
        "---\ntitle: Pénalités de retard\nstatus: published\n---\nDes frais s'ajoutent.\n",
    )
    write(
        root / "getting-started" / "first-invoice.md",
        "---\ntitle: Your first invoice\nstatus: published\n---\nClick New invoice.\n",
    )
    write(root / "vat" / "_index.md", "---\ntitle: VAT & Sales Tax\n---\nIgnored intro.\n")
    write(root / "vat" / "vat-rates.pt-BR.md", "---\ntitle: Alíquotas\n---\nTexto.\n")
    write(root / "welcome.md", "---\ntitle: Welcome\nstatus: published\n---\nHello.\n")
    write(root / "README.md", "# Not an article\n")
    return root


EXPECTED = {
    ("late-fees", "en"): ("Late fees", "Billing"),
    ("late-fees", "fr"): ("Pénalités de retard", "Billing"),
    ("first-invoice", "en"): ("Your first invoice", "Getting started"),
    ("vat-rates", "pt-br"): ("Alíquotas", "VAT & Sales Tax"),
    ("welcome", "en"): ("Welcome", ""),
}


def on_server(server: SupportServer) -> dict[tuple[str, str], tuple[str, str]]:
    with server.staff_client() as writer:
        return {(a.slug, a.locale): (a.title, a.category) for a in writer.articles.iter_all()}


@pytest.fixture
def server(tmp_path: Path) -> Any:
    started = SupportServer.start_new(tmp_path / "data")
    yield started
    started.stop()


def test_push_takes_slug_locale_and_category_from_the_files_place(
    server: SupportServer, tmp_path: Path
) -> None:
    folder = conventional_folder(tmp_path / "docs")
    pushed = sdk(server, "articles", "push", str(folder))
    assert pushed.returncode == 0, pushed.stderr
    assert "5 to create" in pushed.stdout
    assert on_server(server) == EXPECTED
    again = sdk(server, "articles", "push", str(folder))
    assert "0 to create, 0 to update, 0 to archive, 5 unchanged" in again.stdout


def test_import_reads_the_same_convention(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    creds = init_data_dir(data_dir)
    folder = conventional_folder(tmp_path / "docs")
    assert "5 to create" in cli("import", str(folder), "--data-dir", str(data_dir)).stdout
    with SupportServer(data_dir, creds) as server:
        assert on_server(server) == EXPECTED


def test_front_matter_still_overrides_the_files_place(
    server: SupportServer, tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    write(
        folder / "misc" / "refund.de.md",
        "---\ntitle: Request a refund\nslug: request-a-refund\nlocale: fr\n"
        "category: Billing\n---\nBody.\n",
    )
    write(folder / "misc" / "blank.md", '---\ntitle: No category\ncategory: ""\n---\nBody.\n')
    assert sdk(server, "articles", "push", str(folder)).returncode == 0
    assert on_server(server) == {
        ("request-a-refund", "fr"): ("Request a refund", "Billing"),
        ("blank", "en"): ("No category", ""),
    }


def test_the_sample_with_explicit_values_and_without_gives_the_same_articles(
    tmp_path: Path,
) -> None:
    """examples/help_center spells slug, locale and category out in places; stripping them
    all (the convention) must not change a single article."""
    stripped = tmp_path / "stripped"
    shutil.copytree(HELP_CENTER, stripped)
    for path in stripped.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"(?m)^(slug|locale|category): .*\n", "", text), encoding="utf-8")
    explicit = tmp_path / "explicit"
    shutil.copytree(HELP_CENTER, explicit)
    for path in explicit.rglob("*.md"):
        if path.name == "README.md":
            continue
        text = path.read_text(encoding="utf-8")
        slug, _, rest = path.name[:-3].partition(".")
        head = f"---\nslug: {slug}\nlocale: {rest or 'en'}\n"
        if "\ncategory:" not in text.split("\n---", 1)[0]:
            head += f"category: {path.parent.name.replace('-', ' ').capitalize()}\n"
        body = re.sub(r"(?m)^(slug|locale): .*\n", "", text)
        path.write_text(head + body.removeprefix("---\n"), encoding="utf-8")
    data_dir = tmp_path / "data"
    init_data_dir(data_dir)
    assert "56 to create" in cli("import", str(explicit), "--data-dir", str(data_dir)).stdout
    same = cli("import", str(stripped), "--data-dir", str(data_dir))
    assert "0 to create, 0 to update, 56 unchanged" in same.stdout
    sample = cli("import", str(HELP_CENTER), "--data-dir", str(data_dir))
    assert "0 to create, 0 to update, 56 unchanged" in sample.stdout


def test_pull_and_export_write_the_convention(server: SupportServer, tmp_path: Path) -> None:
    folder = conventional_folder(tmp_path / "docs")
    write(
        folder / "billing" / "odd.md",
        "---\ntitle: Odd one\ncategory: Other Things\ntags: [x]\n---\nBody.\n",
    )
    assert sdk(server, "articles", "push", str(folder)).returncode == 0
    pulled = tmp_path / "pulled"
    assert "Wrote 6 articles" in sdk(server, "articles", "pull", str(pulled)).stdout
    files = sorted(str(p.relative_to(pulled)) for p in pulled.rglob("*.md"))
    assert files == [
        "billing/late-fees.fr.md",
        "billing/late-fees.md",
        "getting-started/first-invoice.md",
        "other-things/_index.md",
        "other-things/odd.md",
        "vat-sales-tax/_index.md",
        "vat-sales-tax/vat-rates.pt-br.md",
        "welcome.md",
    ]
    for path in pulled.rglob("*.md"):
        front = path.read_text(encoding="utf-8").split("\n---", 1)[0]
        assert not re.search(r"(?m)^(slug|locale|category):", front), (path, front)
    assert (pulled / "vat-sales-tax" / "_index.md").read_text() == (
        "---\ntitle: VAT & Sales Tax\n---\n"
    )
    assert (pulled / "other-things" / "_index.md").exists()  # "Other things" ≠ "Other Things"
    back = sdk(server, "articles", "push", str(pulled))
    assert "0 to create, 0 to update, 0 to archive, 6 unchanged" in back.stdout, back.stdout

    data_dir = tmp_path / "data2"
    init_data_dir(data_dir)
    cli("import", str(folder), "--data-dir", str(data_dir))
    exported = tmp_path / "exported"
    assert "Wrote 6 articles" in cli("export", str(exported), "--data-dir", str(data_dir)).stdout
    assert sorted(str(p.relative_to(exported)) for p in exported.rglob("*.md")) == files
    again = cli("import", str(exported), "--data-dir", str(data_dir))
    assert "0 to create, 0 to update, 6 unchanged" in again.stdout


def test_bad_names_and_index_files_are_path_line_problems(
    server: SupportServer, tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    write(folder / "billing" / "Late Fees.md", "---\ntitle: Late fees\n---\nBody.\n")
    write(folder / "team" / "_index.md", "---\nname: Team\n---\n")
    write(folder / "team" / "invite.md", "---\ntitle: Invite\n---\nBody.\n")
    write(folder / "team" / "roles.md", "---\ntitle: Roles\n---\nBody.\n")
    write(folder / "team" / "invite.fr.md", "---\ntitle: Inviter\nlocale: fr\n---\nBody.\n")
    write(folder / "team" / "again.md", "---\ntitle: Again\nslug: invite\n---\nBody.\n")
    result = sdk(server, "articles", "push", str(folder))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    name = folder / "billing" / "Late Fees.md"
    assert f"{name}:1: the file name 'Late Fees.md' is not a slug" in result.stderr
    index = folder / "team" / "_index.md"
    assert sum(line.startswith(f"{index}:2: _index.md only takes title:") for line in lines) == 1
    assert sum(line.startswith(f"{index}:") and "title" in line for line in lines) == 2
    assert f"{folder / 'team' / 'invite.md'}:1: slug 'invite' (en) is also in" in result.stderr
    assert "nothing was sent" in result.stderr
    assert on_server(server) == {}
    imported = cli("import", str(folder), "--data-dir", str(server.data_dir), check=False)
    assert imported.returncode == 1
    assert f"{name}:1: the file name 'Late Fees.md' is not a slug" in imported.stderr
