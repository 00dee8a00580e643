"""The legal basis table (căn cứ pháp lý): names and numbers of acts."""

from __future__ import annotations

import re

from .text import clean_line, shorten

_LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"
# A document number: 54/2014/QH13, 08/2015/NĐ-CP, 19/2018/QĐ-TTg, 01/2014/TTLT-BTP-BCA...
# Issuers seen in the data, longest first; any other run of capitals as a fallback (cut
# as short as the next cell allows, "…TT-BTCLuật …" -> "TT-BTC").
_ISSUERS = sorted("""CP TTg BTC BTP BCA BNNMT NHNN BGTVT BXD BTNMT BLĐTBXH BKHĐT BYT BCT
    VPCP BVHTTDL BKHCN BNNPTNT BQP NV BNV BHXH CSXH HĐND UBND UBTƯMTTQVN TANDTC VKSNDTC
    VKSTC BTTTT CTN BGDĐT BNG UBDT TLĐ BTTTT BTNMT TTCP KTNN BTP""".split(), key=len,
                  reverse=True)
_ISSUER = rf"(?:(?:UBTV)?QH\d{{2}}|{'|'.join(_ISSUERS)}|[A-ZĐƯ]+?)"
# Vietnamese capital letters (Latin-1 and Latin Extended Additional).
_UPPER = "A-Z" + "".join(ch for ch in map(chr, range(0xC0, 0x1EFA)) if ch.isupper())
_NUMBER = re.compile(
    rf"(\d+(?:\.\d+)?)/(\d{{4}})/(?:[A-ZĐƯ]{{1,10}}-)*{_ISSUER}"
    # The number ends where the next cell starts: a capitalised or lower-case word, a
    # word in capitals followed by another ("…NĐ-CPSỬA ĐỔI, BỔ SUNG"), or a digit.
    rf"(?=$|[^A-Za-zĐđƯư0-9\-]|[{_UPPER}][^{_UPPER}\W\d]|[^{_UPPER}\W\d]|"
    rf"[{_UPPER}]{{2,}},?\s+[{_UPPER}]{{2,}}|[{_UPPER}]{{3,}}\s|\d)"
)
_DOC_TYPES = ("Thông tư liên tịch", "Nghị quyết liên tịch", "Luật", "Bộ luật", "Nghị định",
              "Thông tư", "Quyết định", "Nghị quyết", "Pháp lệnh", "Chỉ thị", "Lệnh",
              "Văn bản hợp nhất")
# What may stand before the number in the number column: "Nghị định số ", "Luật số ".
_CODE_PREFIX = re.compile(rf"^\s*(?:(?:{'|'.join(_DOC_TYPES)})\s+)?số\s*$", re.I)
_TYPE_ONLY = re.compile(rf"^(?:{'|'.join(_DOC_TYPES)})(?:\s+số)?$", re.I)
# That prefix glued to the end of a name: "…Luật giám định tư phápNghị định số ".
_GLUED_TYPE = re.compile(rf"(?<=\S)(?:{'|'.join(_DOC_TYPES)})(?:\s+số)?\s*$", re.I)
_SUFFIX_TYPES = [("QH", "Luật"), ("NĐ", "Nghị định"), ("ND-", "Nghị định"),
                 ("TTLT", "Thông tư liên tịch"), ("TT", "Thông tư"), ("QĐ", "Quyết định"),
                 ("QD", "Quyết định"), ("NQ", "Nghị quyết"), ("PL", "Pháp lệnh"),
                 ("CT", "Chỉ thị"), ("L-", "Lệnh")]


def _glued_type(before: str) -> bool:
    """Whether text ends with "Nghị định số " glued to a lower-case word (a name's end)."""
    m = _GLUED_TYPE.search(before)
    return bool(m) and before[m.start() - 1].islower()


def _numbers(text: str) -> list[tuple[int, int, str, int, bool]]:
    """(start, end, number, year, glued) of document numbers. Digits of a year glued in
    front ("năm 201213/2012/QH13") are left to the text before; ``glued``: the number
    follows a word without a space ("…Bộ Tư pháp08/2025/TT-BTP"), so it starts the
    number column."""
    out = []
    prev_end = -1
    for m in _NUMBER.finditer(text):
        start, first = m.start(), m.group(1)
        if first.isdigit() and len(first) >= 5 and 1945 <= int(first[:4]) <= 2030:
            start += 4
        elif start > 0 and text[start - 1].isdigit() and start != prev_end:
            continue
        glued = start > 0 and start != prev_end and (
            text[start - 1].isalpha() or start == m.start() + 4
            or _glued_type(text[max(0, prev_end): start]))
        end = m.end()
        if re.search(r"\w-[A-ZĐ]$", m.group()) and text[end: end + 1].islower():
            end -= 2  # "166/2016/NĐ-CP-Quy định…": the name goes on after the hyphen
        out.append((start, end, text[start: end], int(m.group(2)), glued))
        prev_end = end
    return out


def _type_of(number: str) -> str:
    suffix = number.split("/", 2)[-1]
    for key, name in _SUFFIX_TYPES:
        if suffix.startswith(key):
            return name
    return "Văn bản"


def parse_legal(raw) -> tuple[list[str], list[int]]:
    """Legal basis texts and the years of the documents cited."""
    items, years, _ = parse_legal_detail(raw)
    return items, years


def parse_legal_detail(raw) -> tuple[list[str], list[int], str]:
    """Also the text left over after the last document number (not read as an act)."""
    text = clean_line(raw)
    if not text:
        return [], [], ""
    if text.startswith(_LEGAL_HEADER):
        text = text[len(_LEGAL_HEADER):]
    nums = _numbers(text)
    years = [n[3] for n in nums]
    # Cell ends: a number followed by the next cell (no separator) or the end of text.
    # A number glued to the word before it ("…Bộ Tư pháp08/2025/TT-BTP Nghị định…") is
    # the number column too, even when a space follows it.
    cuts = [n for n in nums if n[1] == len(text)
            or not (text[n[1]].isspace() or text[n[1]] in ",.;:)(-–") or n[4]]
    cells, pos = [], 0
    for _start, end, number, _, glued in cuts:
        cells.append((text[pos:end], number, text[end: end + 1], glued))
        pos = end
    leftover = clean_line(text[pos:])
    items: list[str] = []
    i = 0
    while i < len(cells):
        cell, number, follow, glued = cells[i]
        nxt = cells[i + 1] if i + 1 < len(cells) else None
        nxt_prefix = nxt[0][: len(nxt[0]) - len(nxt[1])] if nxt else ""
        if glued:
            nxt = None  # the number column of this cell: name and number are both here
        if nxt and follow.isdigit() and (nxt[1] == number or (not nxt_prefix.strip()
                                                              and not nxt[2].isdigit())):
            # "Luật 54/2014/QH13" + "54/2014/QH13": a name ending with a number, then
            # the number column.
            name, code = cell, nxt[1]
            i += 2
        elif nxt and not follow.isdigit() and _CODE_PREFIX.match(nxt_prefix) \
                and not nxt[2].isdigit():
            # A name ending with a number, then "Nghị định số …" in the number column.
            name, code = cell, nxt[1]
            i += 2
        else:
            # Name and number in one cell: "Luật Giám định tư pháp năm 201213/2012/QH13".
            name, code = cell[: len(cell) - len(number)], number
            m = _GLUED_TYPE.search(name)
            if m:
                name = name[: m.start()]
            i += 1
        name = clean_line(name).strip(" -–:;,")
        if not name or _CODE_PREFIX.match(name) or name == code:
            item = f"{_type_of(code)} {code}"
        elif _TYPE_ONLY.match(name):  # "Luật" + "18/2017/QH14"
            doc_type = re.sub(r"\s+số$", "", name, flags=re.I)
            item = f"{doc_type} {code}"
        elif code.split("/")[0] in name and code.split("/", 1)[1] in name:
            item = name
        else:
            item = f"{shorten(name, 400)} ({code})"
        item = shorten(item[0].upper() + item[1:], 1000)
        if item not in items:
            items.append(item)
    if leftover and not items:
        items.append(shorten(leftover, 1000))
    return items, years, leftover
