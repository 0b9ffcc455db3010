"""Error-page templates at the edges of a record: removed when an article survives them (the
record is salvaged), rejected as `error-page` when nothing substantial remains.

A template is a block of short lines at the start or at the end of the body. It must hold at
least one *strong* line (an unmistakable error phrase: "page not found", "403 Forbidden", "the
page you were looking for", in several languages); *weak* lines ("Sorry!!", "Oops!", "Go back
to the homepage") join the block only beside a strong one, so an article that opens with
"Sorry" keeps it. The HTTP status decides what an absent template means: an error status with
no substantial body is an error page too; a template under a success status (2xx) with nothing
substantial around it, in a page extracted from HTML, is a soft error page (`soft-error-page`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from thresher.document import HTTP_STATUS, SALVAGED, Document
from thresher.edits import remove_lines
from thresher.repair.boilerplate import is_furniture
from thresher.steps import Drop, Repair, register, require
from thresher.text import count_words

REASON = "error-template"
REJECT_REASON = "error-page"
# An HTML page served with a success status that is really an error page ("soft 404"): the
# fetch said 200, the page says "not found". Told apart from `error-page` only for documents
# extracted from HTML (they carry `metadata.extractor`): the seed's text records keep their
# `error-page` verdict, which earlier issues' fixtures pin.
SOFT_REASON = "soft-error-page"
EXTRACTED = "extractor"
# Page chrome that may stand between an edge and the template: a menu, "Search", "Got it!".
_CHROME_WORDS = 6
_CHROME_CHARS = 60

_CODES = r"(?:4\d\d|5\d\d)"
# Status phrases that are an error page only when they are the whole line (give or take an
# error code, the word "error" and punctuation): "Not Found", "Error 403 - Forbidden".
_STATUS_PHRASES = (
    r"not found|page not found|file not found|forbidden|access denied|access forbidden|"
    r"permission denied|unauthori[sz]ed|gone|internal server error|server error|bad gateway|"
    r"service (?:temporarily )?unavailable|gateway time-?out|too many requests|bad request|"
    r"page (?:is )?(?:unavailable|not available)|"
    r"error interno del servidor|erro interno do servidor|errore interno del server|"
    r"erreur interne du serveur|interner serverfehler|внутренняя ошибка сервера|"
    r"seite nicht gefunden|zugriff verweigert|nicht gefunden|"
    r"page (?:non trouvée|introuvable)|accès (?:refusé|interdit)|"
    r"página no encontrada|acceso denegado|"
    r"página não encontrada|acesso negado|"
    r"pagina non trovata|accesso negato|"
    r"страница не найдена|доступ запрещ[её]н|"
    r"页面不存在|页面未找到|找不到页面|访问被拒绝|"
    r"ページが見つかりません|アクセスが拒否されました|お探しのページは見つかりませんでした"
)
_ERROR_WORD = r"(?:error|erreur|fehler|erro|errore|ошибка|错误|エラー)"
_WHOLE_LINE = re.compile(
    rf"^[\W_]{{0,5}}(?:{_ERROR_WORD}[\W_]{{0,3}})?"
    rf"(?:(?:{_CODES}[\W_]{{0,5}})?(?:{_STATUS_PHRASES})|{_CODES})"
    rf"[\W_]{{0,5}}(?:{_CODES}|{_ERROR_WORD})?[\W_]{{0,5}}$",
)
# Sentences that only an error page says, wherever they stand in a short line. Each names the
# page (or file, URL) within a bounded distance, so "the virus does not exist" is not one.
_SENTENCE = re.compile(
    r"(?:page|article|content) you(?: were| are|['’]re)(?: trying to)? "
    r"(?:looking for|searching for|trying to reach|reach|access|asked for)|"
    r"\b(?:content|article|story|post|video|link|page)\b[^.!?]{0,60}\b(?:is no longer available|"
    r"(?:has|have) been (?:re)?moved|(?:has|have) been deleted|may be broken|was removed)|"
    r"your request (?:was|has been) blocked|nothing (?:was )?found (?:at|on) this "
    r"(?:location|page|address)|(?:site|website|server|service) is (?:currently )?"
    r"(?:experiencing technical difficulties|down for maintenance|under maintenance)|"
    r"\b(?:page|file|url|document|resource) (?:you )?requested|requested (?:page|url|resource)|"
    r"\b(?:page|file|url)[^.!?]{0,60}\b(?:(?:can ?not|could ?n['’]?t|could not|was not|"
    r"wasn['’]t) be found|not (?:be )?found|does ?n['’]?t exist|does not exist|"
    r"no longer exists?|(?:has been|was) (?:re)?moved|is (?:not |un)available)|"
    r"you (?:don['’]t|do not) have permission to access|"
    r"access to this (?:page|resource) (?:has been|is) denied|"
    rf"\b(?:error|http) ?{_CODES}\b|\b{_CODES} (?:error|not found|forbidden)\b|"
    r"\bseite[^.!?]{0,60}\b(?:nicht gefunden|existiert nicht|nicht verfügbar)|"
    r"\bpage[^.!?]{0,60}\bn['’](?:existe (?:pas|plus)|est pas disponible)|page demandée|"
    r"\bp[áa]gina[^.!?]{0,60}\bno (?:existe|se encuentra|est[áa] disponible|fue encontrada)|"
    r"\bp[áa]gina[^.!?]{0,60}\bnão (?:existe|foi encontrada|está disponível)|"
    r"\bpagina[^.!?]{0,60}\bnon (?:esiste|è stata trovata|è disponibile)|"
    r"страниц[аы][^.!?]{0,60}(?:не найдена|не существует|удалена)|"
    r"您访问的页面|页面已删除|お探しのページ|ページは存在しません|"
    r"pagina niet gevonden|sidan kunde inte hittas|siden blev ikke fundet|siden finnes ikke|"
    r"sayfa bulunamad|nie znaleziono strony|stránka nenalezena|stránka nebyla nalezena|"
    r"oldal nem található|pagina nu a fost găsită|сторінку не знайдено|сторінка не знайдена|"
    r"η σελίδα δεν βρέθηκε|halaman tidak ditemukan|không tìm thấy trang|페이지를 찾을 수 없|"
    r"الصفحة غير موجودة|הדף לא נמצא|ไม่พบหน้า|"
    r"(?:permission|autorisation|berechtigung|permisos|permissão|permessi|прав)[^.!?]{0,40}"
    r"(?:this page|cette page|diese seite|esta página|questa pagina|этой страницы)",
)
_WEAK = re.compile(
    r"^[\W_]{0,5}(?:sorry|oops|whoops|uh[- ]oh|error|we['’]re sorry|we are sorry|hoppla|"
    r"es tut uns leid|oups|désolé|lo sentimos|desculpe|ci dispiace|извините|упс|抱歉|"
    r"申し訳ございません|fehler|erreur|erro|errore|ошибка)[\W_]{0,5}$|"
    r"^(?:please )?(?:go|return|back|take me)(?: back)? to (?:the )?"
    r"(?:home ?page|home|main page|previous page|start page)|"
    r"^(?:please )?(?:check the (?:url|address)|try (?:searching|again|a search))|"
    r"^(?:something went wrong|we['’]ll be right back|nothing here|please try again later|"
    r"please refresh the page|(?:request|reference|incident|ray) id\b)",
)


@register
@dataclass(frozen=True, kw_only=True)
class ErrorTemplate(Repair):
    """Remove error-page templates at the edges of a record; salvage or reject it.

    Parameters:
        max_line_chars: longer lines are never template lines.
        min_body_words: words the rest of the record needs to be worth salvaging.
        min_paragraph_words: ...and at least one line this long, so that a list of links
            under a "page not found" banner is not mistaken for an article.
    """

    name = "error-template"
    max_line_chars: int = 200
    min_body_words: int = 50
    min_paragraph_words: int = 15

    def __post_init__(self) -> None:
        for param in ("max_line_chars", "min_body_words", "min_paragraph_words"):
            value = getattr(self, param)
            require(
                isinstance(value, int) and value >= 0, self.name, param, "an integer >= 0", value
            )

    def repair(self, doc: Document) -> Document | Drop:
        lines = doc.text.split("\n")
        template = self._edge_block(lines, range(len(lines)))
        if len(template) < len(lines):
            template |= self._edge_block(lines, range(len(lines) - 1, -1, -1))
        status = _status(doc)
        error_status = status is not None and status >= 400
        if not template and not error_status:
            doc.metadata[SALVAGED] = False
            return doc
        if not self._substantial(line for i, line in enumerate(lines) if i not in template):
            doc.metadata[SALVAGED] = False
            found = "an error template" if template else f"HTTP {status}"
            soft = (
                bool(template)
                and status is not None
                and 200 <= status < 300
                and EXTRACTED in doc.metadata
            )
            if soft:
                found += f" under HTTP {status}"
            return Drop(SOFT_REASON if soft else REJECT_REASON, f"{found} and no substantial body")
        remove_lines(doc, self.name, dict.fromkeys(sorted(template), REASON))
        doc.metadata[SALVAGED] = True
        return doc

    def _edge_block(self, lines: list[str], order: range) -> set[int]:
        """The template block at one edge: lines up to the last template line, scanning over
        blank lines and short page chrome ("Search", a menu) but stopping at anything longer;
        empty unless the block holds a strong line."""
        seen: list[int] = []
        last = -1
        strong = False
        for i in order:
            line = lines[i].strip()
            kind = self._kind(line) if line else None
            if kind is not None:
                strong = strong or kind == "strong"
                last = len(seen)
            elif line and not (_is_chrome(line) or is_furniture(line)):
                break
            seen.append(i)
        return set(seen[: last + 1]) if strong else set()

    def _kind(self, line: str) -> str | None:
        if len(line) > self.max_line_chars:
            return None
        line = line.lower()  # the patterns are lowercase: far faster than re.IGNORECASE
        if _WHOLE_LINE.match(line) and any(ch.isalnum() for ch in line):
            return "strong"
        if _SENTENCE.search(line):
            return "strong"
        return "weak" if _WEAK.search(line) else None

    def _substantial(self, lines: Iterable[str]) -> bool:
        words = longest = 0
        for line in lines:
            count = count_words(line)
            words += count
            longest = max(longest, count)
        return words >= self.min_body_words and longest >= self.min_paragraph_words


def _is_chrome(line: str) -> bool:
    return len(line) <= _CHROME_CHARS and len(line.split()) <= _CHROME_WORDS


def _status(doc: Document) -> int | None:
    value = doc.metadata.get(HTTP_STATUS)
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
