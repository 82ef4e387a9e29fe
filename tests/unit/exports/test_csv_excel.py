"""The CRM CSVs as Excel on Chinese Windows reads them: a UTF-8 byte-order mark means UTF-8; without
one, the ANSI code page (CP936/GBK). UTF-8 with BOM is the default; GB18030 is the option for tools
that want the national encoding."""

from __future__ import annotations

import csv
import io

import pytest

from siyu.exports.profiles import export_date

# The same hand-made published file as the export tests (customers, contacts, Chinese tags).
from tests.support.exports import published_db

BOM = b"\xef\xbb\xbf"
TAGS = [("c1", "高价值客户"), ("c2", "沉睡唤醒·七日")]


def excel_reads(data: bytes, ansi_code_page: str = "cp936") -> list[dict]:
    """What Excel shows: the BOM picks UTF-8, else the system's ANSI code page (GBK on zh-CN)."""
    text = (
        data[len(BOM) :].decode("utf-8") if data.startswith(BOM) else data.decode(ansi_code_page, "replace")
    )
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def published(tmp_path):
    db = tmp_path / "siyu.duckdb"
    published_db(db, [("c1", "e1", "s1"), ("c2", "e2", "s1")], TAGS)
    return db


def tags_seen(folder) -> dict[str, str]:
    return {r["customer_id"]: r["tags"] for r in excel_reads((folder / "customer_profiles.csv").read_bytes())}


def test_default_utf8_with_bom_opens_in_excel(published, tmp_path, monkeypatch):
    monkeypatch.delenv("SIYU_EXPORT_CSV_ENCODING", raising=False)
    manifest = export_date(published, tmp_path / "exports", "2026-11-24")
    folder = tmp_path / "exports" / "2026-11-24"
    assert (folder / "customer_profiles.csv").read_bytes().startswith(BOM)
    assert manifest["csv_encoding"] == "utf-8-sig"
    assert tags_seen(folder) == {"c1": '["高价值客户"]', "c2": '["沉睡唤醒·七日"]'}
    assert list(excel_reads((folder / "staff_audiences.csv").read_bytes())[0]) == [
        "staff_userid", "external_userid", "customer_id", "lifecycle_stage"]  # fmt: skip


def test_gb18030_option_opens_in_excel(published, tmp_path, monkeypatch):
    monkeypatch.setenv("SIYU_EXPORT_CSV_ENCODING", "GB18030")
    export_date(published, tmp_path / "exports", "2026-11-24")
    folder = tmp_path / "exports" / "2026-11-24"
    data = (folder / "customer_profiles.csv").read_bytes()
    assert not data.startswith(BOM)
    assert tags_seen(folder) == {"c1": '["高价值客户"]', "c2": '["沉睡唤醒·七日"]'}


def test_plain_utf8_is_what_excel_garbles(published, tmp_path, monkeypatch):
    """The reason for the BOM: the same file in plain UTF-8 reads as mojibake under CP936."""
    monkeypatch.setenv("SIYU_EXPORT_CSV_ENCODING", "utf-8")
    export_date(published, tmp_path / "exports", "2026-11-24")
    assert tags_seen(tmp_path / "exports" / "2026-11-24")["c1"] != '["高价值客户"]'


def test_unknown_encoding_is_refused(published, tmp_path, monkeypatch):
    monkeypatch.setenv("SIYU_EXPORT_CSV_ENCODING", "latin-1")
    with pytest.raises(ValueError, match="SIYU_EXPORT_CSV_ENCODING"):
        export_date(published, tmp_path / "exports", "2026-11-24")
    assert not (tmp_path / "exports" / "2026-11-24").exists()
