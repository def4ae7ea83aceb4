"""Attachments: checked by content (not by name), cleaned of metadata, stored with their rows, and
nothing left behind when anything is refused."""

import io
import os

import pytest
from PIL import Image
from sqlalchemy import func
from sqlmodel import select

from pos_dashboard.domain.attachments import MAX_BYTES, Attachment
from pos_dashboard.domain.models import Answer, Appeal
from pos_dashboard.services import appeals, attachments
from pos_dashboard.services.errors import ValidationFailed
from pos_dashboard.services.file_checks import check_file

from .attachment_files import EXE, HTML, jpeg, pdf, png
from .factories import ANSWER_TEXT, GOOD_TEXT, T0, build_region, hours, is_russian


@pytest.fixture(autouse=True)
def storage(tmp_path, monkeypatch):
    monkeypatch.setenv("POS_ATTACHMENTS_DIR", str(tmp_path / "att"))
    return tmp_path / "att"


def stored_files(storage) -> list[str]:
    return sorted(os.path.relpath(os.path.join(d, f), storage) for d, _, fs in os.walk(storage) for f in fs
                  if "staging" not in d)


def refused(name, data) -> str:
    with pytest.raises(ValidationFailed) as caught:
        check_file(name, data)
    assert name in caught.value.message and is_russian(caught.value.message)
    return caught.value.message


def test_type_is_decided_by_content_not_by_name():
    assert "не JPG/PNG/PDF" in refused("фото.jpg", EXE)
    assert "не JPG/PNG/PDF" in refused("program.exe.jpg", EXE)
    assert "не JPG/PNG/PDF" in refused("страница.jpg", HTML)
    assert "не JPG/PNG/PDF" in refused("doc.pdf", b"%PD" + b"x" * 100)
    assert check_file("scan.jpg", png()).content_type == "image/png"  # a PNG named .jpg is a PNG
    assert check_file("scan.jpg", png()).name == "scan.png"
    assert check_file("акт.pdf", pdf()).content_type == "application/pdf"


def test_truncated_and_oversized_files_are_refused():
    whole = jpeg(1200, 900)
    assert "повреждено или оборвано" in refused("обрыв.jpg", whole[: len(whole) // 2])
    assert "повреждено или оборвано" in refused("обрыв.png", png()[:-30])
    assert "больше 10 МБ" in refused("большой.pdf", b"%PDF-1.4\n" + b"0" * (MAX_BYTES - 9) + b"x")
    assert "пустой" in refused("пусто.jpg", b"")
    at_limit = b"%PDF-1.4\n" + b"0" * (MAX_BYTES - 9 - 6) + b"%%EOF\n"
    assert len(at_limit) == MAX_BYTES and check_file("ровно.pdf", at_limit).size == MAX_BYTES


def test_exif_and_gps_are_stripped_and_orientation_applied():
    original = jpeg(400, 200, exif_gps=True, orientation=6)  # 6: rotate 90° clockwise to view
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test file does carry GPS
    cleaned = check_file("двор.jpg", original)
    image = Image.open(io.BytesIO(cleaned.data))
    assert len(image.getexif()) == 0 and b"Exif" not in cleaned.data[:200] and b"PhoneMaker" not in cleaned.data
    assert image.size == (200, 400)  # turned upright, then no orientation tag is needed
    thumb = Image.open(io.BytesIO(cleaned.thumb))
    assert max(thumb.size) == 320 and thumb.format == "JPEG" and len(thumb.getexif()) == 0


def test_file_names_lose_folders_and_control_characters():
    assert check_file("..\\..\\windows/sys\x00tem/evil\n.png", png()).name == "evil.png"


def _counts(session) -> tuple[int, int]:
    return (session.exec(select(func.count()).select_from(Appeal)).one(),
            session.exec(select(func.count()).select_from(Attachment)).one())


def test_an_appeal_is_stored_with_its_files_and_their_thumbnails(session, storage):
    r = build_region(session)
    files = [check_file("яма.jpg", jpeg(exif_gps=True)), check_file("схема.png", png()), check_file("акт.pdf", pdf())]
    appeal = appeals.submit_appeal(session, actor=r.citizen, category_id=r.c_yard, territory_id=r.t_city,
                                   text=GOOD_TEXT, now=T0, files=files)
    rows = session.exec(select(Attachment).where(Attachment.appeal_id == appeal.id).order_by(Attachment.id)).all()
    assert [(a.original_name, a.content_type, a.answer_id, a.uploaded_by) for a in rows] == [
        ("яма.jpg", "image/jpeg", None, r.citizen.user_id), ("схема.png", "image/png", None, r.citizen.user_id),
        ("акт.pdf", "application/pdf", None, r.citizen.user_id)]
    assert [bool(a.thumbnail_key) for a in rows] == [True, True, False]
    for row, prepared in zip(rows, files):
        assert attachments.path_of(row.storage_key).read_bytes() == prepared.data
        assert row.size == prepared.size and len(row.sha256) == 64
    assert len(stored_files(storage)) == 5
    assert not [n for n in stored_files(storage) if ".tmp-" in n]


def test_six_files_are_refused_and_nothing_is_written(session, storage):
    r = build_region(session)
    before = _counts(session)
    files = [check_file(f"фото{i}.jpg", jpeg()) for i in range(6)]
    with pytest.raises(ValidationFailed, match="не больше 5 файлов"):
        appeals.submit_appeal(session, actor=r.citizen, category_id=r.c_yard, territory_id=r.t_city,
                              text=GOOD_TEXT, now=T0, files=files)
    assert _counts(session) == before and stored_files(storage) == []


def test_a_refusal_after_the_files_were_placed_removes_them(session, storage):
    r = build_region(session)
    before = _counts(session)
    with pytest.raises(ValidationFailed):  # the text is refused after nothing; the category after placing
        appeals.submit_appeal(session, actor=r.citizen, category_id=r.c_yard, territory_id=r.t_city,
                              text="коротко", now=T0, files=[check_file("a.jpg", jpeg())])
    assert _counts(session) == before and stored_files(storage) == []


def test_a_failed_commit_leaves_no_file(session, storage, monkeypatch):
    r = build_region(session)
    before = _counts(session)
    real_commit = type(session).commit

    def failing_commit(self):
        if self.info.get(attachments._WRITTEN):
            self.flush()
            raise RuntimeError("disk full")
        return real_commit(self)

    monkeypatch.setattr(type(session), "commit", failing_commit)
    with pytest.raises(RuntimeError):
        appeals.submit_appeal(session, actor=r.citizen, category_id=r.c_yard, territory_id=r.t_city,
                              text=GOOD_TEXT, now=T0, files=[check_file("a.jpg", jpeg()), check_file("b.pdf", pdf())])
    assert stored_files(storage) != []  # placed before the commit …
    session.rollback()
    monkeypatch.undo()
    assert _counts(session) == before and stored_files(storage) == []  # … and gone with the rollback


def test_staged_files_enter_storage_when_the_form_is_sent(session, storage):
    r = build_region(session)
    staged = attachments.stage(check_file("двор.jpg", jpeg()))
    assert attachments.Staged.of_row(staged.as_row()) == staged
    appeal = appeals.submit_appeal(session, actor=r.citizen, category_id=r.c_yard, territory_id=r.t_city,
                                   text=GOOD_TEXT, now=T0, files=[staged])
    row = session.exec(select(Attachment).where(Attachment.appeal_id == appeal.id)).one()
    assert attachments.path_of(row.storage_key).read_bytes() == (storage / "staging" / f"{staged.key}.data").read_bytes()
    attachments.discard(staged)
    assert attachments.path_of(row.storage_key).exists() and attachments.path_of(row.thumbnail_key).exists()
    with pytest.raises(ValueError):
        attachments.discard(attachments.Staged("../../etc/passwd", "x", "image/png", 1, "", False))


def test_an_answer_carries_photos_of_the_fix(session, storage):
    r = build_region(session)
    appeal = appeals.submit_appeal(session, actor=r.citizen, category_id=r.c_yard, territory_id=r.t_city,
                                   text=GOOD_TEXT, now=T0)
    appeals.perform(session, actor=r.coordinator, appeal_id=appeal.id, action="approve_moderation", now=T0 + hours(1))
    staff = r.staff[r.o_uk]
    appeals.perform(session, actor=staff, appeal_id=appeal.id, action="give_answer", now=T0 + hours(5),
                    text=ANSWER_TEXT, files=[check_file("после.jpg", jpeg()), check_file("акт.pdf", pdf())])
    answer = session.exec(select(Answer).where(Answer.appeal_id == appeal.id)).one()
    rows = session.exec(select(Attachment).where(Attachment.answer_id == answer.id)).all()
    assert sorted(a.original_name for a in rows) == ["акт.pdf", "после.jpg"]
    assert {a.appeal_id for a in rows} == {appeal.id} and {a.uploaded_by for a in rows} == {staff.user_id}


def test_files_a_killed_process_left_without_rows_are_swept_after_the_grace_time(session, storage):
    from pos_dashboard.services import attachment_journal
    from pos_dashboard.services.attachment_sweep import GRACE_S, sweep_orphans

    r = build_region(session)
    session.commit()
    appeal = appeals.submit_appeal(session, actor=r.citizen, category_id=r.c_yard, territory_id=r.t_city,
                                   text=GOOD_TEXT, now=T0, files=[check_file("яма.jpg", jpeg()), check_file("акт.pdf", pdf())])
    session.commit()
    kept = stored_files(storage)
    assert len(kept) == 3  # photo, its thumbnail, the PDF; committed: no journal left
    assert not list(attachment_journal.database_folder(session).glob("*.keys"))

    # A process killed after placing its files and before its commit: its rows never reach the
    # database and no hook runs (the session forgets its files, as a dead process does).
    attachments.attach(session, actor=r.citizen, appeal_id=appeal.id, files=[check_file("ещё.jpg", jpeg())])
    journal = next(attachment_journal.database_folder(session).glob("*.keys"))
    killed_keys = attachment_journal.keys_of(journal)
    session.info.clear()
    session.rollback()
    orphans = [attachments.path_of(key) for key in killed_keys]
    assert len(orphans) == 2 and all(path.is_file() for path in orphans)  # photo and thumbnail
    (orphans[0].parent / ".tmp-cut").write_bytes(b"half")  # a write cut short beside them
    # Another database's files in the same folder are not in this database's journals.
    foreign = attachments.path_of("cd" * 16 + ".pdf")
    foreign.parent.mkdir(parents=True, exist_ok=True)
    foreign.write_bytes(pdf())
    now = os.path.getmtime(journal)

    young = sweep_orphans(session, now=now + GRACE_S - 5)  # its transaction might still be in flight
    assert young.removed == 0 and all(path.is_file() for path in orphans)
    swept = sweep_orphans(session, now=now + GRACE_S + 5)
    assert swept.journals == 1 and swept.removed == 3
    assert stored_files(storage) == sorted(kept + [os.path.relpath(foreign, storage)])
    assert not journal.exists()
    assert sweep_orphans(session, now=now + 2 * GRACE_S).removed == 0
