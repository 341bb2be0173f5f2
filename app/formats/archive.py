"""Safe inspection and extraction of an uploaded ZIP that holds an H-type file and its L file.

:func:`open_pair` checks the archive *before* writing anything (member names, encryption,
number of files, extensions, federal names, the pair) and then extracts the two members
in chunks, counting the real number of bytes (header sizes are not trusted) and stopping
as soon as the total size or a member's compression ratio passes its limit. Files are
created exclusively, without following symlinks, only directly in ``workdir``; whatever
was extracted is deleted when an error occurs. Every refusal is an :class:`ArchiveError`
whose ``note`` is a precise Russian sentence for the file's status note.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from .names import FileName, FileNameError, parse_file_name

CHUNK = 64 * 1024
#: the ratio limit applies only once a member has produced this many bytes: tiny
#: members (e.g. a few KB of XML) legitimately compress very well
RATIO_MIN_BYTES = 64 * 1024

NOT_ZIP = "Файл не является ZIP-архивом или поврежден"


class ArchiveError(Exception):
    """The archive is refused; ``note`` says exactly why (Russian)."""

    def __init__(self, note: str):
        super().__init__(note)
        self.note = note


@dataclass(frozen=True, slots=True)
class ArchivePair:
    h_path: Path  # extracted cases file (H, C, T or D*)
    l_path: Path  # extracted personal data file (L)
    h_name: str  # member name as in the archive, e.g. "HM123456S12345_24011.xml"
    l_name: str
    h_stem: str  # name without extension
    l_stem: str
    h_file: FileName  # parsed names
    l_file: FileName


PathLike = Union[str, os.PathLike]


def open_pair(
    zip_path: PathLike, workdir: PathLike, max_total_bytes: int = 2 * 1024**3, max_ratio: float = 200
) -> ArchivePair:
    """Check ``zip_path`` and extract its two XML files into ``workdir``.

    Raises :class:`ArchiveError` (nothing is left in ``workdir`` in that case).
    """
    workdir = Path(workdir)
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ArchiveError(NOT_ZIP) from None
    with zf:
        try:
            infos = zf.infolist()
        except Exception:  # pragma: no cover - infolist is computed on open
            raise ArchiveError(NOT_ZIP) from None
        h_info, l_info, h_file, l_file = _inspect(infos, max_total_bytes, max_ratio)
        workdir.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        budget = _Budget(max_total_bytes, max_ratio * max(_file_size(zip_path), 1))
        try:
            h_path = _extract(zf, h_info, workdir, budget, max_ratio, written)
            l_path = _extract(zf, l_info, workdir, budget, max_ratio, written)
        except BaseException:
            for p in written:
                try:
                    p.unlink()
                except OSError:  # pragma: no cover
                    pass
            raise
    return ArchivePair(
        h_path=h_path,
        l_path=l_path,
        h_name=h_info.filename,
        l_name=l_info.filename,
        h_stem=h_path.stem,
        l_stem=l_path.stem,
        h_file=h_file,
        l_file=l_file,
    )


def _inspect(infos, max_total_bytes, max_ratio):
    """All checks that need no extraction; returns (h_info, l_info, h_file, l_file)."""
    for info in infos:
        name = info.filename
        if _has_path(name) or info.is_dir():
            raise ArchiveError(
                f"В архиве есть каталог или файл с путём «{name}»: допустимы только "
                "два XML-файла в корне архива, без каталогов"
            )
    for info in infos:
        if info.flag_bits & 0x1:
            raise ArchiveError(f"Файл «{info.filename}» в архиве зашифрован (защищён паролем)")
    if len(infos) != 2:
        raise ArchiveError(f"В архиве должно быть ровно 2 файла (файл сведений и L-файл), найдено {len(infos)}")
    names = [i.filename for i in infos]
    if names[0] == names[1]:
        raise ArchiveError(f"В архиве два файла с одинаковым именем «{names[0]}»")
    for info in infos:
        if not info.filename.lower().endswith(".xml"):
            raise ArchiveError(f"Файл «{info.filename}» в архиве не является XML-файлом (ожидается расширение .xml)")
    parsed: list[FileName] = []
    for info in infos:
        try:
            parsed.append(parse_file_name(info.filename))
        except FileNameError as e:
            raise ArchiveError(f"Имя файла не соответствует федеральному шаблону: {e}") from None
    l_idx = [i for i, f in enumerate(parsed) if f.is_personal]
    if not l_idx:
        raise ArchiveError("В архиве нет L-файла (файла персональных данных)")
    if len(l_idx) == 2:
        raise ArchiveError(
            "В архиве нет файла сведений об оказанной медицинской помощи (типа H, C, T или D*): оба файла — L-файлы"
        )
    li = l_idx[0]
    hi = 1 - li
    h_file, l_file = parsed[hi], parsed[li]
    if h_file.pair_key != l_file.pair_key:
        raise ArchiveError(
            f"Имена файлов «{infos[hi].filename}» и «{infos[li].filename}» различаются не только буквами типа файла"
        )
    # cheap early refusal on the sizes the headers declare; extraction counts real bytes
    if sum(_declared_size(i) for i in infos) > max_total_bytes:
        raise ArchiveError(_too_big(max_total_bytes))
    for info in infos:
        size = _declared_size(info)
        if size >= RATIO_MIN_BYTES and size > max_ratio * max(info.compress_size, 1):
            raise ArchiveError(_bomb(info.filename, max_ratio))
    return infos[hi], infos[li], h_file, l_file


def _declared_size(info: zipfile.ZipInfo) -> int:
    """Uncompressed size as the header claims it (not trusted beyond an early refusal)."""
    return info.file_size


def _file_size(path) -> int:
    try:
        return os.path.getsize(path)
    except (OSError, TypeError):  # a file object: no ceiling from the disk size
        return 1 << 62


def _has_path(name: str) -> bool:
    """A member name that is not a plain file name (directory, path, ``..``, drive, absolute)."""
    return (
        not name
        or "/" in name
        or "\\" in name
        or ":" in name
        or "\0" in name
        or name.startswith("..")
        or name == "."
        or os.path.isabs(name)
    )


class _Budget:
    """Real bytes produced so far against the total limit and the ratio ceiling
    (``max_ratio`` × the archive's size on disk, which no header can fake)."""

    __slots__ = ("limit", "ceiling", "produced")

    def __init__(self, limit: int, ceiling: float):
        self.limit = limit
        self.ceiling = ceiling
        self.produced = 0


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def _extract(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, workdir: Path, budget: _Budget, max_ratio: float, written: list
) -> Path:
    """Copy one member in chunks, stopping as soon as a limit is passed."""
    target = workdir / info.filename
    flags = _CREATE
    try:
        fd = os.open(target, flags, 0o600)
    except FileExistsError:
        raise ArchiveError(f"Файл «{info.filename}» уже есть в рабочем каталоге") from None
    written.append(target)
    member_limit = max_ratio * max(info.compress_size, 1)
    produced = 0
    try:
        with os.fdopen(fd, "wb") as out, zf.open(info) as src:
            while True:
                chunk = src.read(CHUNK)
                if not chunk:
                    break
                produced += len(chunk)
                budget.produced += len(chunk)
                if budget.produced > budget.limit:
                    raise ArchiveError(_too_big(budget.limit))
                if produced >= RATIO_MIN_BYTES and (produced > member_limit or budget.produced > budget.ceiling):
                    raise ArchiveError(_bomb(info.filename, max_ratio))
                out.write(chunk)
    except ArchiveError:
        raise
    except RuntimeError as e:  # zipfile: encrypted member / password required
        raise ArchiveError(f"Файл «{info.filename}» в архиве зашифрован (защищён паролем)") from e
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, OSError) as e:
        if isinstance(e, NotImplementedError):
            raise ArchiveError(
                f"Файл «{info.filename}» сжат неподдерживаемым методом; допустимы методы Deflate и без сжатия"
            ) from e
        raise ArchiveError(NOT_ZIP) from e
    except Exception as e:  # zlib.error and other decompressor failures
        raise ArchiveError(NOT_ZIP) from e
    return target


def extract_one(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    archive_size: int,
    workdir: PathLike,
    max_total_bytes: int,
    max_ratio: float,
) -> Path:
    """Extract one member of an open archive with the same limits as :func:`open_pair` (the total
    size, the ratio to the archive's size on disk and per member), streamed in chunks; a refusal
    leaves nothing in ``workdir``."""
    if _has_path(info.filename):
        raise ArchiveError(f"Имя файла «{info.filename}» в архиве содержит путь")
    written: list = []
    budget = _Budget(max_total_bytes, max_ratio * max(archive_size, 1))
    try:
        return _extract(zf, info, Path(workdir), budget, max_ratio, written)
    except BaseException:
        for path in written:
            Path(path).unlink(missing_ok=True)
        raise


def _too_big(limit: int) -> str:
    return f"Размер файлов архива после распаковки превышает допустимый ({_human(limit)})"


def _bomb(name: str, ratio: float) -> str:
    return f"Степень сжатия файла «{name}» превышает допустимую ({ratio:g}:1); архив похож на «zip-бомбу»"


def _human(n: int) -> str:
    for unit, size in (("ГБ", 1024**3), ("МБ", 1024**2), ("КБ", 1024)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} байт"
