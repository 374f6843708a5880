# why: another normaliser (bounded unquote loop, + replaced first, casefold) and anomaly scores, as in the CRS
import re
from urllib.parse import unquote

_SQL = [r"'\s*(?:or|and|union|having|group|order)\b", r"'\s*(?:--|#|;|\)|\|\|)", r"\bunion\s+(?:all\s+)?select\b",
        r";\s*(?:drop|delete|update|insert|alter|create)\b", r"\b(?:or|and)\s+\d+\s*=\s*\d+",
        r"\b(?:sleep|benchmark|randomblob)\s*\(", r"sqlite_master|information_schema"]
_XSS = [r"<\s*/?\s*(?:script|img|svg|iframe|body|a|details|input|math|object|embed)\b", r"\bon[a-z]+\s*=",
        r"(?:java|vb)script\s*:"]
_TRAVERSAL = [r"\.\.(?:/|\\)", r"(?:/|\\)\.\.", r"\x00", r"etc/(?:passwd|shadow|hosts)|win\.ini|boot\.ini|proc/self"]


def _normalise(target):
    text = target
    for _ in range(6):
        decoded = unquote(text.replace("+", " "))
        if decoded == text:
            break
        text = decoded
    text = re.sub(r"/\*[\s\S]*?\*/", " ", text.casefold())
    return " ".join(text.split())


def waf_blocks(target: str) -> bool:
    """True if the raw request target looks like SQL injection, XSS or path traversal."""
    text = _normalise(target)
    score = 0
    for group in (_SQL, _XSS, _TRAVERSAL):
        score += sum(5 for pattern in group if re.search(pattern, text))
    return score >= 5
