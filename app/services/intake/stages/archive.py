"""Stage «Проверка архива»: the archive holds exactly the pair of XML files (the safe extraction of
:func:`app.formats.archive.open_pair`), and the sender in the file name is the МО that uploaded
it or one of its subdivisions (the user's own, for a login limited to one)."""

from __future__ import annotations

from flask import current_app

from app.extensions import db
from app.formats.archive import ArchiveError, open_pair
from app.models.organisation import Organisation, Subdivision
from app.models.user import OmsUser
from app.models.vocabulary import FileStatus
from app.services.intake.context import LoadContext, LoadFailed


def open_archive(load: LoadContext) -> None:
    cfg = current_app.config
    try:
        load.pair = open_pair(
            load.archive_path,
            load.workdir,
            max_total_bytes=cfg["ARCHIVE_MAX_UNPACKED_BYTES"],
            max_ratio=cfg["ARCHIVE_MAX_RATIO"],
        )
    except ArchiveError as exc:
        raise LoadFailed(FileStatus.ERR_UPLOAD, exc.note, cleanup=False) from exc
    except OSError as exc:
        raise LoadFailed(
            FileStatus.ERR_UPLOAD, f"Архив не удалось прочитать: {getattr(exc, 'strerror', None) or exc}", cleanup=False
        ) from exc


def check_sender(load: LoadContext) -> None:
    pair = load.pair
    org = db.session.get(Organisation, load.organisation_id)
    user = db.session.get(OmsUser, load.uploaded_by_id) if load.uploaded_by_id else None
    h = pair.h_file
    if h.sender_kind != "M":
        raise LoadFailed(
            FileStatus.ERR_UPLOAD,
            f"Отправитель в имени файла {pair.h_stem} должен быть "
            f"медицинской организацией (M), указан «{h.sender_kind}»",
            cleanup=False,
        )
    subs = {s.code: s for s in db.session.query(Subdivision).filter_by(organisation_id=org.id)}
    limited = user.subdivision if user is not None and user.subdivision_id else None
    if limited is not None:
        if h.sender_code != limited.code:
            raise LoadFailed(
                FileStatus.ERR_UPLOAD,
                f"Код отправителя {h.sender_code} в имени файла "
                f"{pair.h_stem} не совпадает с подразделением пользователя {limited.code}",
                cleanup=False,
            )
        subdivision_id = limited.id
    elif h.sender_code == org.code:
        subdivision_id = None
    elif h.sender_code in subs:
        subdivision_id = subs[h.sender_code].id
    else:
        raise LoadFailed(
            FileStatus.ERR_UPLOAD,
            f"Код отправителя {h.sender_code} в имени файла {pair.h_stem} "
            f"не является кодом вашей МО ({org.code}) или ее подразделения",
            cleanup=False,
        )
    load.subdivision_id, load.sender_code, load.file_type = subdivision_id, h.sender_code, h.type
    load.update_file(
        h_name=pair.h_stem,
        l_name=pair.l_stem,
        file_type=h.type,
        sender_code=h.sender_code,
        subdivision_id=subdivision_id,
    )
