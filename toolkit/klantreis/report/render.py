"""PDF from the Word report with LibreOffice (headless), table of contents updated.

``soffice --convert-to pdf`` alone keeps the cached table of contents (LibreOffice does not
honour Word's "update fields on open"), so when a Python with the ``uno`` bridge is found
(Debian/Ubuntu: package ``python3-uno``, installed with LibreOffice) the document is
opened through UNO, every index is updated, fields are refreshed and the PDF is exported.
Without ``uno`` the plain conversion is used; the contents list then shows the headings
without page numbers (Word fills them in on opening).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..errors import KlantreisError

_UNO_SCRIPT = r'''
import os, subprocess, sys, tempfile, time, uuid
import uno
from com.sun.star.beans import PropertyValue

def pv(name, value):
    p = PropertyValue(); p.Name = name; p.Value = value; return p

src, out, soffice = sys.argv[1], sys.argv[2], sys.argv[3]
profile = tempfile.mkdtemp(prefix="klantreis-lo-")
pipe = "klantreis" + uuid.uuid4().hex
proc = subprocess.Popen([soffice, "-env:UserInstallation=" + uno.systemPathToFileUrl(profile),
                         "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
                         "--accept=pipe,name=%s;urp;" % pipe],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
code = 1
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    ctx = None
    for _ in range(480):
        try:
            ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
            break
        except Exception:
            if proc.poll() is not None:
                break
            time.sleep(0.25)
    if ctx is None:
        sys.exit(3)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(src)),
                                       "_blank", 0, (pv("Hidden", True),))
    indexes = doc.getDocumentIndexes()
    for i in range(indexes.getCount()):
        indexes.getByIndex(i).update()
    doc.getTextFields().refresh()
    # a second pass: page numbers settle after the index itself took its space
    for i in range(indexes.getCount()):
        indexes.getByIndex(i).update()
    doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(out)),
                   (pv("FilterName", "writer_pdf_Export"),))
    doc.close(True)
    code = 0
    try:
        desktop.terminate()
    except Exception:
        pass
finally:
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    import shutil
    shutil.rmtree(profile, ignore_errors=True)
sys.exit(code)
'''


def find_soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in ("/usr/lib/libreoffice/program/soffice",
                      "/Applications/LibreOffice.app/Contents/MacOS/soffice"):
        if Path(candidate).exists():
            return candidate
    return None


def find_uno_python() -> str | None:
    """A Python interpreter that can ``import uno`` (this one, or the system's)."""
    candidates = [sys.executable, "/usr/bin/python3", shutil.which("python3") or ""]
    for exe in dict.fromkeys(c for c in candidates if c):
        try:
            ok = subprocess.run([exe, "-c", "import uno"], capture_output=True,
                                timeout=30).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        if ok:
            return exe
    return None


def render_pdf(docx: str | Path, pdf: str | Path | None = None, *,
               update_indexes: bool = True, timeout: int = 300) -> Path:
    """Convert ``docx`` to PDF; returns the PDF path (next to the .docx by default)."""
    docx = Path(docx).resolve()
    pdf = Path(pdf).resolve() if pdf else docx.with_suffix(".pdf")
    soffice = find_soffice()
    if soffice is None:
        raise KlantreisError("LibreOffice (soffice) is niet gevonden; installeer "
                             "libreoffice-writer om een PDF te maken")
    pdf.parent.mkdir(parents=True, exist_ok=True)
    uno_python = find_uno_python() if update_indexes else None
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)   # the system Python must not see the venv's packages
    if uno_python is not None:
        with tempfile.TemporaryDirectory(prefix="klantreis-pdf-") as tmp:
            script = Path(tmp) / "render.py"
            script.write_text(_UNO_SCRIPT, encoding="utf-8")
            try:
                done = subprocess.run([uno_python, str(script), str(docx), str(pdf), soffice],
                                      capture_output=True, timeout=timeout, env=env)
            except subprocess.TimeoutExpired:
                raise KlantreisError("LibreOffice reageerde niet op tijd", docx) from None
            if done.returncode == 0 and pdf.exists():
                return pdf
    # plain conversion (no index update)
    with tempfile.TemporaryDirectory(prefix="klantreis-pdf-") as tmp:
        profile = Path(tmp) / "profile"
        try:
            subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                            "--convert-to", "pdf", "--outdir", str(Path(tmp)), str(docx)],
                           capture_output=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            raise KlantreisError("LibreOffice reageerde niet op tijd", docx) from None
        produced = Path(tmp) / (docx.stem + ".pdf")
        if not produced.exists():
            raise KlantreisError("LibreOffice kon het rapport niet omzetten naar PDF", docx)
        shutil.move(str(produced), pdf)
    return pdf


__all__ = ["render_pdf", "find_soffice", "find_uno_python"]
