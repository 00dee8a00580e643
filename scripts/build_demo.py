#!/usr/bin/env python3
"""Build the demo catalogue of Đắk Lắk province (July 2011) from real procedure records.

    python scripts/build_demo.py [--input ../shared/data/tthc-local.jsonl.gz]
                                 [--output catalogue/demo/daklak.json.gz]

Relative paths are taken from the repository root (the parent of this script's folder).
Standard library only; the output is gzip-compressed JSON in the shape of the contract
(``{"agencies": [...], "fields": [...], "services": [...]}``), sorted and written with
``mtime=0`` so that running the script twice gives byte-identical files. Nothing here is
random: every choice is made from a SHA-256 hash of the procedure code.

Source
------
The input holds procedures published on the National Public Service Portal today, for
province and commune level. Their tables arrive flattened to text without separators:

* ``cach_thuc_thuc_hien``: "Hình thức nộpThời gianPhí, lệ phíMô tả" then rows
  channel · time limit · fee · description, e.g. "Trực tuyến20 Ngày làm việcMiễn phí…";
* ``thanh_phan_ho_so``: groups introduced by "Tên giấy tờMẫu đơn, tờ khaiSố lượng", rows
  name · form file · "1 bản chính" / "0 bản chính,1 bản sao";
* ``can_cu_phap_ly``: "Tên văn bản pháp lýMã văn bản" then name · number pairs.

All text is NFC-normalised, white space collapsed, "Không có thông tin" read as empty.

The parsers live in ``scripts/demo/`` (one module a table: ``parse_dossier``,
``parse_channels``, ``parse_steps``, ``parse_legal``; ``report`` prints the parse report
of every record read). They give the record's second edition: papers with ``group``
(the table's "Giấy tờ phải nộp" / "Giấy tờ phải xuất trình" sections), ``copies``,
``copy_type`` and ``condition`` (a case heading "Trường hợp …:" above them, or "Trường
hợp X thì Y" in the row); "0 bản" rows and remarks go to ``document_notes``; ``channels``
one a row of the channel table; steps with their sub-items. Forms stay the real links to
the national portal, ``kind`` "page": no form file is invented.

Agencies and tiers (Đắk Lắk in 2011: province, district, commune)
------------------------------------------------------------------
* Root ``ubnd-tinh``; the provincial departments are its children; ``cap-huyen`` groups
  the 15 district-tier units of 2011 (the city, the town and 13 districts).
* A procedure whose ``cap_thuc_hien`` names "Cấp tỉnh" is province tier. Its owner is the
  department of its field (FIELD_DEPARTMENT below; today's merged departments, e.g. "Sở
  Nông nghiệp và Môi trường", are split back into their 2011 predecessors by field); when
  the field is not in the table (or is one every department has: staff, complaints),
  by keywords of the implementing agency (AGENCY_KEYWORDS); failing both, ``ubnd-tinh``
  itself.
* Any other procedure ("Cấp xã" without "Cấp tỉnh") was, in 2011, done by a district or
  a commune. Rule: fields in COMMUNE_FIELDS (civil status, attestation, grassroots
  mediation, residence, poverty, complaints…) are commune tier; fields in
  DISTRICT_FIELDS (land, construction, housing, household business and cooperative
  registration, agriculture…) are district tier; otherwise district tier when the raw
  agency text mentions "huyện" or a "Phòng", commune tier when it does not. The owner is
  one of the 15 district units, chosen by the code's hash (communes belong to districts).
* Procedures of central agencies with their own provincial branches outside the
  province's administration (customs, tax, State Bank, treasury, social insurance,
  courts, judgment enforcement, railways, aviation security, securities, reserves) and
  sea/islands procedures (Đắk Lắk is landlocked) are out of the 2011 provincial portal's
  scope: they are counted and left out, never silently.

Levels (Decree 43/2011/NĐ-CP)
-----------------------------
* A record with a "Trực tuyến" channel and at least one form qualifies for level 3
  (``online_url`` = https://dichvucong.daklak.gov.vn/nop-truc-tuyen/<code>, forms too);
  one with a downloadable form (a document whose "Mẫu đơn, tờ khai" column holds a file,
  or whose name starts like a form: "Tờ khai", "Đơn", "Mẫu", "Phiếu", "Giấy/Văn bản đề
  nghị", or mentions "theo mẫu"/"Mẫu số") qualifies for level 2 (forms = those documents,
  url = the record's ``detail_url``); any other record is level 1 (no forms).
* In July 2011 the province reported 661 online services at levels 2 and 3. Today most
  procedures have an online channel; in 2011 few had. So the demo picks, in this order,
  preferring procedures whose legal basis already existed in 2011 (a document dated 2011
  or earlier), then by hash: 6 level-4 services (level-3 qualified, with a fee payable on
  the online channel: online payment), 235 level-3 services, then 420 level-2 services
  (level-2 or level-3 qualified, with a paper channel too; a level-3 qualified one picked
  here offered only its forms online in 2011), 30 published level-1 services (records
  without forms first; forms left empty), 20 drafts and 12 archived services (their own
  qualified level). 6 + 235 + 420 = 661 published services at level ≥ 2. In the level-2
  and level-1 picks, every agency that owns no service yet gets its best candidate first,
  so each department with a usable record appears. The other records are left out of
  the demo (counted in the report).
* ``method`` names the channels and where to submit: ``dia_chi_tiep_nhan`` when it is a
  place in the province, else the owner's one-stop desk ("Bộ phận tiếp nhận và trả kết
  quả"). ``fees`` groups channels with the same fee ("Trực tiếp, Dịch vụ bưu chính:
  50.000 đồng; Trực tuyến: miễn phí"), "Không thu phí" when nothing is charged; amounts
  below 1.000 đồng are the portal's thousands ("20 VNĐ" = 20.000 đ) or, "1 VNĐ", free.
* For services below level 3 the online channel is left out of ``method`` and ``fees``:
  it did not exist then.

Dates
-----
Published services get ``published_at`` on a working day (weekends and the 2010–2011
public holidays skipped) between 2010-01-04 and 2011-07-07, in office hours, UTC+7.
Within each group the dates follow a growing density: levels 1–2 with CDF t^1.6, levels
3–4 with CDF t^3.5 over the period (most level-3 services appear in 2011). Archived
services were published in 2010 and archived (``updated_at``) later, before 2011-07-07;
drafts have no ``published_at`` and an ``updated_at`` in the first half of 2011.
Published services have ``updated_at`` = ``published_at``.

Records that cannot be converted (no name, bad code, no steps, a table that cannot be
recovered) are printed on stderr with code and reason and counted in the summary.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import gzip
import hashlib
import io
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo import history  # noqa: E402  (scripts/demo/: the story through time)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INPUT = "../shared/data/tthc-local.jsonl.gz"
DEFAULT_OUTPUT = "catalogue/demo/daklak.json.gz"

CODE_RE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
ONLINE_URL = "https://dichvucong.daklak.gov.vn/nop-truc-tuyen/{code}"

# How many services of each kind the demo holds (see the module docstring).
N_LEVEL4 = 6
N_LEVEL3 = 235
N_LEVEL2 = 420
N_LEVEL1 = 30
N_DRAFT = 20
N_ARCHIVED = 12
ONLINE_TOTAL = N_LEVEL4 + N_LEVEL3 + N_LEVEL2  # 661, the province's July 2011 figure

PERIOD_START = dt.date(2010, 1, 4)
PERIOD_END = dt.date(2011, 7, 7)
TZ = dt.timezone(dt.timedelta(hours=7))
# Public holidays (days off) in Vietnam, 2010 – mid 2011.
HOLIDAYS = {
    dt.date(2010, 1, 1),
    *(dt.date(2010, 2, 13) + dt.timedelta(days=i) for i in range(-2, 7)),  # Tết Canh Dần
    dt.date(2010, 4, 23),  # Giỗ Tổ Hùng Vương
    dt.date(2010, 4, 30), dt.date(2010, 5, 3),
    dt.date(2010, 9, 2), dt.date(2010, 9, 3),
    dt.date(2011, 1, 3),
    *(dt.date(2011, 2, 1) + dt.timedelta(days=i) for i in range(0, 7)),  # Tết Tân Mão
    dt.date(2011, 4, 12),  # Giỗ Tổ Hùng Vương
    dt.date(2011, 5, 2),
}

# --------------------------------------------------------------------------- agencies

PROVINCE_ROOT = ("ubnd-tinh", "Ủy ban nhân dân tỉnh Đắk Lắk")
DEPARTMENTS = [
    ("so-tu-phap", "Sở Tư pháp"),
    ("so-ke-hoach-dau-tu", "Sở Kế hoạch và Đầu tư"),
    ("so-tai-chinh", "Sở Tài chính"),
    ("so-xay-dung", "Sở Xây dựng"),
    ("so-giao-thong-van-tai", "Sở Giao thông vận tải"),
    ("so-tai-nguyen-moi-truong", "Sở Tài nguyên và Môi trường"),
    ("so-cong-thuong", "Sở Công Thương"),
    ("so-nong-nghiep-ptnt", "Sở Nông nghiệp và Phát triển nông thôn"),
    ("so-y-te", "Sở Y tế"),
    ("so-giao-duc-dao-tao", "Sở Giáo dục và Đào tạo"),
    ("so-lao-dong-tbxh", "Sở Lao động - Thương binh và Xã hội"),
    ("so-van-hoa-tt-dl", "Sở Văn hóa, Thể thao và Du lịch"),
    ("so-thong-tin-truyen-thong", "Sở Thông tin và Truyền thông"),
    ("so-noi-vu", "Sở Nội vụ"),
    ("so-khoa-hoc-cong-nghe", "Sở Khoa học và Công nghệ"),
    ("thanh-tra-tinh", "Thanh tra tỉnh"),
    ("ban-dan-toc", "Ban Dân tộc"),
    ("ban-quan-ly-cac-kcn", "Ban Quản lý các khu công nghiệp"),
    ("cong-an-tinh", "Công an tỉnh"),
]
DISTRICT_GROUP = ("cap-huyen", "Các huyện, thị xã, thành phố")
DISTRICTS = [
    ("ubnd-tp-buon-ma-thuot", "Ủy ban nhân dân thành phố Buôn Ma Thuột"),
    ("ubnd-tx-buon-ho", "Ủy ban nhân dân thị xã Buôn Hồ"),
    ("ubnd-huyen-ea-hleo", "Ủy ban nhân dân huyện Ea H'leo"),
    ("ubnd-huyen-ea-sup", "Ủy ban nhân dân huyện Ea Súp"),
    ("ubnd-huyen-krong-nang", "Ủy ban nhân dân huyện Krông Năng"),
    ("ubnd-huyen-krong-buk", "Ủy ban nhân dân huyện Krông Búk"),
    ("ubnd-huyen-buon-don", "Ủy ban nhân dân huyện Buôn Đôn"),
    ("ubnd-huyen-cu-mgar", "Ủy ban nhân dân huyện Cư M'gar"),
    ("ubnd-huyen-ea-kar", "Ủy ban nhân dân huyện Ea Kar"),
    ("ubnd-huyen-mdrak", "Ủy ban nhân dân huyện M'Đrắk"),
    ("ubnd-huyen-krong-pac", "Ủy ban nhân dân huyện Krông Pắc"),
    ("ubnd-huyen-krong-bong", "Ủy ban nhân dân huyện Krông Bông"),
    ("ubnd-huyen-krong-ana", "Ủy ban nhân dân huyện Krông Ana"),
    ("ubnd-huyen-lak", "Ủy ban nhân dân huyện Lắk"),
    ("ubnd-huyen-cu-kuin", "Ủy ban nhân dân huyện Cư Kuin"),
]

# Field (lĩnh vực, lowercase) -> the 2011 department owning province-tier procedures.
FIELD_DEPARTMENT = {
    "so-tu-phap": [
        "hộ tịch", "công chứng", "luật sư", "thừa phát lại", "trợ giúp pháp lý",
        "giám định tư pháp", "đấu giá tài sản", "nuôi con nuôi", "quốc tịch",
        "lý lịch tư pháp", "tư vấn pháp luật", "trọng tài thương mại", "hòa giải thương mại",
        "quản tài viên", "chứng thực", "đăng ký biện pháp bảo đảm", "bồi thường nhà nước",
        "hòa giải ở cơ sở", "hỗ trợ pháp lý cho doanh nghiệp nhỏ và vừa",
    ],
    "so-ke-hoach-dau-tu": [
        "thành lập và hoạt động của doanh nghiệp", "đầu tư tại việt nam",
        "thành lập và hoạt động của tổ hợp tác, hợp tác xã, liên hiệp hợp tác xã",
        "thành lập và hoạt động của tổ hợp tác", "hỗ trợ doanh nghiệp nhỏ và vừa",
        "thành lập và hoạt động doanh nghiệp (hộ kinh doanh)",
        "đầu tư theo phương thức đối tác công tư", "đấu thầu", "đấu thầu lựa chọn nhà đầu tư",
        "hỗ trợ đầu tư", "hỗ trợ doanh nghiệp", "thành lập và hoạt động doanh nghiệp xã hội",
        "quản lý doanh nghiệp", "hỗ trợ tổ hợp tác, hợp tác xã, liên hiệp hợp tác xã",
        "đầu tư vào nông nghiệp, nông thôn",
        "đầu tư bằng vốn hỗ trợ phát triển chính thức (oda) và viện trợ không hoàn lại "
        "không thuộc hỗ trợ phát triển chính thức",
        "chuyển đổi công ty nhà nước được thành lập và hoạt động theo luật doanh nghiệp nhà "
        "nước thành công ty trách nhiệm hữu hạn một thành viên tổ chức và hoạt động theo "
        "quy định tại luật doanh nghiệp",
    ],
    "so-tai-chinh": [
        "quản lý công sản", "tài chính doanh nghiệp", "quản lý giá", "tài chính đất đai",
        "tin học - thống kê", "tổng hợp", "tài chính ngân hàng", "bảo hiểm",
    ],
    "so-xay-dung": [
        "hoạt động xây dựng", "nhà ở và công sở", "kinh doanh bất động sản", "hạ tầng kỹ thuật",
        "kiến trúc", "quy hoạch đô thị và nông thôn", "vật liệu xây dựng",
        "quản lý chất lượng công trình xây dựng", "phát triển đô thị",
    ],
    "so-giao-thong-van-tai": [
        "đường bộ", "đăng kiểm", "sát hạch, cấp giấy phép lái xe",
        "hàng hải và đường thủy nội địa",
        "kiểm tra kiến thức pháp luật về trật tự, an toàn giao thông đường bộ",
        "bảo đảm trật tự, an toàn giao thông đường bộ",
    ],
    "so-tai-nguyen-moi-truong": [
        "đất đai", "địa chất và khoáng sản", "tài nguyên nước", "môi trường",
        "biến đổi khí hậu", "khí tượng, thủy văn", "đo đạc, bản đồ và thông tin địa lý",
        "bảo tồn thiên nhiên và đa dạng sinh học",
    ],
    "so-nong-nghiep-ptnt": [
        "thủy lợi", "thủy sản", "thú y", "lâm nghiệp", "trồng trọt và bảo vệ thực vật",
        "trồng trọt", "kiểm lâm", "nông nghiệp", "chăn nuôi",
        "quản lý chất lượng nông lâm sản và thủy sản", "kinh tế hợp tác và phát triển nông thôn",
        "quản lý đê điều và phòng, chống thiên tai", "quản lý chương trình mục tiêu quốc gia",
    ],
    "so-lao-dong-tbxh": [
        "người có công", "giảm nghèo", "kiểm định kỹ thuật an toàn lao động",
        "tổ chức cai nghiên ma túy và quản lý sau cai nghiện",
    ],
    "so-noi-vu": ["tổ chức, cán bộ"],
    "so-khoa-hoc-cong-nghe": ["khoa học công nghệ", "khoa học và công nghệ"],
    "thanh-tra-tinh": ["khiếu nại, tố cáo"],
    "ban-quan-ly-cac-kcn": ["quản lý nhà nước về khu công nghiệp, khu kinh tế"],
    "cong-an-tinh": [
        "quản lý xuất nhập cảnh", "cấp, quản lý căn cước", "đăng ký, quản lý cư trú",
        "quản lý vũ khí, vật liệu nổ, công cụ hỗ trợ và pháo", "phòng cháy, chữa cháy",
        "đăng ký, quản lý phương tiện giao thông cơ giới, xe máy chuyên dùng",
        "đăng ký, quản lý con dấu",
        "quản lý ngành nghề đầu tư, kinh doanh có điều kiện về an ninh, trật tự",
        "định danh và xác thực điện tử",
    ],
}
FIELD_TO_DEPARTMENT = {f: dep for dep, fields in FIELD_DEPARTMENT.items() for f in fields}

# Keywords of the raw implementing agency, for fields not in the table (first match wins).
AGENCY_KEYWORDS = [
    ("công an", "cong-an-tinh"),
    ("sở tư pháp", "so-tu-phap"),
    ("ban quản lý khu công nghiệp", "ban-quan-ly-cac-kcn"),
    ("sở y tế", "so-y-te"),
    ("sở giáo dục", "so-giao-duc-dao-tao"),
    ("sở lao động", "so-lao-dong-tbxh"),
    ("sở nội vụ", "so-noi-vu"),
    ("sở khoa học", "so-khoa-hoc-cong-nghe"),
    ("sở công thương", "so-cong-thuong"),
    ("sở văn hóa", "so-van-hoa-tt-dl"),
    ("sở thông tin", "so-thong-tin-truyen-thong"),
    ("ban dân tộc", "ban-dan-toc"),
    ("thanh tra", "thanh-tra-tinh"),
    ("sở kế hoạch", "so-ke-hoach-dau-tu"),
    ("sở tài chính", "so-tai-chinh"),
    ("sở xây dựng", "so-xay-dung"),
    ("sở giao thông", "so-giao-thong-van-tai"),
    ("sở tài nguyên", "so-tai-nguyen-moi-truong"),
    ("sở nông nghiệp", "so-nong-nghiep-ptnt"),
]

# Fields every department has (staff, complaints): the agency named decides first.
AGENCY_FIRST_FIELDS = {"tổ chức, cán bộ", "khiếu nại, tố cáo"}

# Tier of procedures done below the province in 2011 (see the docstring).
COMMUNE_FIELDS = {
    "hộ tịch", "chứng thực", "hòa giải ở cơ sở", "nuôi con nuôi", "đăng ký, quản lý cư trú",
    "giảm nghèo", "chính sách", "khiếu nại, tố cáo", "người có công", "bảo hiểm",
    "tổ chức cai nghiên ma túy và quản lý sau cai nghiện",
    "quản lý chương trình mục tiêu quốc gia", "định danh và xác thực điện tử",
}
DISTRICT_FIELDS = {
    "đất đai", "hoạt động xây dựng", "nhà ở và công sở",
    "thành lập và hoạt động của tổ hợp tác, hợp tác xã, liên hiệp hợp tác xã",
    "thành lập và hoạt động của tổ hợp tác", "thành lập và hoạt động doanh nghiệp (hộ kinh doanh)",
    "hỗ trợ tổ hợp tác, hợp tác xã, liên hiệp hợp tác xã", "kinh tế hợp tác và phát triển nông thôn",
    "thủy lợi", "nông nghiệp", "lâm nghiệp", "thủy sản", "chăn nuôi", "thú y", "trồng trọt",
    "kiểm lâm", "tài nguyên nước", "môi trường", "địa chất và khoáng sản",
    "quản lý đê điều và phòng, chống thiên tai", "quản lý công sản",
    "cấp, quản lý căn cước", "quản lý xuất nhập cảnh", "phòng cháy, chữa cháy",
    "quản lý vũ khí, vật liệu nổ, công cụ hỗ trợ và pháo",
    "đăng ký, quản lý phương tiện giao thông cơ giới, xe máy chuyên dùng",
    "hàng hải và đường thủy nội địa", "tổ chức, cán bộ", "bồi thường nhà nước",
}

# Fields of central agencies outside the 2011 provincial portal (reason shown in the report).
OUT_OF_SCOPE_FIELDS = {
    "hải quan": "customs (central agency)",
    "thuế": "tax (central agency)",
    "quản lý thuế, phí, lệ phí và thu khác của ngân sách nhà nước": "tax (central agency)",
    "thành lập và hoạt động ngân hàng": "State Bank (central agency)",
    "hoạt động ngoại hối": "State Bank (central agency)",
    "hoạt động tiền tệ": "State Bank (central agency)",
    "hoạt động thanh toán": "State Bank (central agency)",
    "hoạt động kho quỹ": "State Bank (central agency)",
    "hoạt động thông tin tín dụng": "State Bank (central agency)",
    "hoạt động tín dụng": "State Bank (central agency)",
    "hoạt động khác": "State Bank (central agency)",
    "kho bạc nhà nước": "State Treasury (central agency)",
    "thực hiện chính sách bhxh": "social insurance (central agency)",
    "chi trả các chế độ bhxh": "social insurance (central agency)",
    "thực hiện chính sách bhyt": "social insurance (central agency)",
    "thu bhxh, bhyt, bhtn, bh tai nạn lao động, bnn": "social insurance (central agency)",
    "cấp sổ bhxh, thẻ bhyt": "social insurance (central agency)",
    "chứng khoán": "securities (central agency)",
    "dự trữ": "state reserves (central agency)",
    "tòa án": "courts (central agency)",
    "thi hành án dân sự": "civil judgment enforcement (central agency)",
    "bảo đảm an ninh hàng không": "aviation (central agency)",
    "đường sắt": "railways (central agency)",
    "biển và hải đảo": "sea and islands (Đắk Lắk is landlocked)",
}
# Maritime procedures inside "Hàng hải và đường thủy nội địa" belong to port authorities.
MARITIME_WORDS = ("hàng hải", "tàu biển", "cảng biển", "cảng vụ", "trục vớt", "hoa tiêu")

# The parsers of the source's flattened tables live in scripts/demo/ (one module a table).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo.parse_channels import (  # noqa: E402
    channels_of,
    fees_text,
    online_fee,
    parse_channels,
    processing_days,
)
from demo.parse_dossier import parse_documents, parse_dossier  # noqa: E402, F401
from demo.parse_legal import parse_legal  # noqa: E402
from demo.parse_steps import parse_steps  # noqa: E402
from demo.report import ParseReport  # noqa: E402
from demo.text import (  # noqa: E402
    Unparseable,
    clean_block,
    clean_line,
    is_empty,
    shorten,
    slugify,
    upper_first,
)

FEATURED = {
    "1.001193",  # Thủ tục đăng ký khai sinh
    "1.000894",  # Thủ tục đăng ký kết hôn
    "1.000656",  # Thủ tục đăng ký khai tử
}


def stable_hash(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big")

# --------------------------------------------------------------------------- other fields

def parse_result(raw) -> str:
    text = clean_block(raw)
    for stop in ("Từ khóa", "Chọn cơ quan thực hiện"):
        if stop in text:
            text = text[: text.index(stop)]
    parts = [clean_line(p) for p in re.split(r"Mã:\s*[^\s]*?(?=[A-ZĐÀ-Ỹ][a-zà-ỹ]|$|\s)", text)]
    parts = [re.sub(r"^Mã:.*$", "", p).strip(" ;,") for p in parts]
    out = []
    for p in parts:
        if p and not is_empty(p) and p not in out:
            out.append(p)
    text = "; ".join(out)
    return text[:1].upper() + text[1:]


CITIZEN_WORDS = ("công dân việt nam", "người nước ngoài", "người việt nam định cư",
                 "cán bộ, công chức", "cá nhân")
BUSINESS_WORDS = ("doanh nghiệp", "tổ chức", "hợp tác xã", "htx")


def audience(raw) -> str:
    text = clean_line(raw).lower()
    text_wo = text.replace("(không bao gồm doanh nghiệp, htx)", "")
    citizen = any(w in text_wo for w in CITIZEN_WORDS)
    business = any(w in text_wo for w in BUSINESS_WORDS)
    if citizen and not business:
        return "citizen"
    if business and not citizen:
        return "business"
    return "both"


_ELSEWHERE = re.compile(
    r"Hà Nội|Hà Tĩnh|Quảng Trị|An Giang|Sơn La|Hồ Chí Minh|Đà Nẵng|Tp\.|Lý Thái Tổ|"
    r"Quán Sứ|Lê Duẩn|Trung Quốc|Lào|Campuchia|Bộ |Cục ", re.I)


def where_to_submit(raw_address: str, agency_name: str, tier: str) -> str:
    address = clean_line(raw_address)
    if address and not _ELSEWHERE.search(address) and len(address) <= 200 \
            and not re.search(r"trực tuyến|bưu chính", address, re.I):
        return address.rstrip(".")
    if tier == "commune":
        return f"Bộ phận tiếp nhận và trả kết quả của Ủy ban nhân dân xã, phường, thị trấn " \
               f"(thuộc {agency_name.replace('Ủy ban nhân dân ', '')})"
    return f"Bộ phận tiếp nhận và trả kết quả của {agency_name}"


def method_text(rows: list[dict], place: str, level: int, online_url: str | None) -> str:
    channels = {r["channel"] for r in rows}
    paper = []
    if "Trực tiếp" in channels:
        paper.append("nộp trực tiếp")
    if "Dịch vụ bưu chính" in channels:
        paper.append("gửi qua dịch vụ bưu chính")
    if not paper and (level < 3 or "Trực tuyến" not in channels):
        paper.append("nộp trực tiếp")
    sentences = []
    if paper:
        sentences.append(f"{' hoặc '.join(paper).capitalize()} tại {place}.")
    if level >= 3 and online_url:
        sentences.append(f"Nộp hồ sơ trực tuyến tại {online_url}.")
    if level >= 4:
        sentences.append("Thanh toán phí, lệ phí và nhận kết quả trực tuyến.")
    return " ".join(sentences)


def _lower_first(text: str) -> str:
    """"Kiến trúc" -> "kiến trúc", but "ODA…" and "Việt Nam…" keep their capitals."""
    if len(text) > 1 and text[1].islower() and not text.startswith(("Việt Nam", "Nhà nước")):
        return text[0].lower() + text[1:]
    return text


def summary_text(rec: dict, agency_name: str) -> str:
    """One sentence: what the procedure is, its field, who decides, how long it takes."""
    name = re.sub(r"^Thủ tục\s+", "", rec["name"])
    name = name[0].upper() + name[1:]
    days = rec["processing_days"]
    days_text = f" trong {days} ngày làm việc" if days else ""
    field = _lower_first(rec["field_name"])
    if rec["tier"] == "commune":
        where = agency_name.replace("Ủy ban nhân dân ", "")
        who = f"Ủy ban nhân dân xã, phường, thị trấn ({where}) giải quyết"
    else:
        who = f"{agency_name} giải quyết"
    return f"Thủ tục “{name}” thuộc lĩnh vực {field}, do {who}{days_text}."


# --------------------------------------------------------------------------- one record

def convert(raw: dict) -> dict:
    """Parse one raw record into an intermediate dict; raises Unparseable."""
    code = clean_line(raw.get("ma_thu_tuc"))
    name = clean_line(raw.get("ten_thu_tuc"))
    if not name:
        raise Unparseable("no name")
    if len(name) > 500:
        raise Unparseable(f"name longer than 500 characters ({len(name)})")
    if not CODE_RE.match(code):
        raise Unparseable(f"bad code {code!r}")
    steps = parse_steps(raw.get("trinh_tu_thuc_hien"))
    if not steps:
        raise Unparseable("no steps")
    rows = parse_channels(raw.get("cach_thuc_thuc_hien"))
    if not rows:
        raise Unparseable("channel table unparseable (no channel row)")
    dossier = parse_dossier(raw.get("thanh_phan_ho_so"))
    documents, docs_ok = dossier.documents, dossier.ok
    if not docs_ok:
        raise Unparseable("documents table unparseable (no header or no quantity column)")
    legal, years = parse_legal(raw.get("can_cu_phap_ly"))
    field_name = clean_line(raw.get("linh_vuc"))
    if not field_name:
        raise Unparseable("no field (lĩnh vực)")
    detail_url = clean_line(raw.get("detail_url"))
    return {
        "code": code,
        "name": name,
        "field_name": field_name[0].upper() + field_name[1:],
        "cap": clean_line(raw.get("cap_thuc_hien")),
        "agency_text": " ".join(clean_line(raw.get(k)) for k in
                                ("co_quan_thuc_hien", "co_quan_co_tham_quyen")),
        "address": raw.get("dia_chi_tiep_nhan") or "",
        "steps": steps,
        "rows": rows,
        "documents": documents,
        "document_notes": dossier.notes,
        "legal_basis": legal,
        "era_2011": any(y <= 2011 for y in years),
        "requirements": upper_first(clean_block(raw.get("yeu_cau_dieu_kien"))),
        "result": parse_result(raw.get("ket_qua_xu_ly")),
        "audience": audience(raw.get("doi_tuong_thuc_hien")),
        "detail_url": detail_url if detail_url.startswith(("http://", "https://")) else "",
        "online": any(r["channel"] == "Trực tuyến" for r in rows),
        "paper": any(r["channel"] != "Trực tuyến" for r in rows),
        "processing_days": processing_days(rows),
    }


def place(rec: dict) -> tuple[str, str, str] | str:
    """(agency code, tier, rule) for a record, or the reason it is out of scope."""
    field = rec["field_name"].lower()
    if field in OUT_OF_SCOPE_FIELDS:
        return OUT_OF_SCOPE_FIELDS[field]
    if field == "hàng hải và đường thủy nội địa" and any(
            w in (rec["name"] + " " + rec["agency_text"]).lower() for w in MARITIME_WORDS):
        return "maritime (port authority, central agency)"
    agency_text = rec["agency_text"].lower()
    if "Cấp tỉnh" in rec["cap"]:
        if field in AGENCY_FIRST_FIELDS:
            for word, code in AGENCY_KEYWORDS:
                if word in agency_text:
                    return code, "province", "agency keyword"
        if field in FIELD_TO_DEPARTMENT:
            return FIELD_TO_DEPARTMENT[field], "province", "field"
        for word, code in AGENCY_KEYWORDS:
            if word in agency_text:
                return code, "province", "agency keyword"
        return PROVINCE_ROOT[0], "province", "default"
    if field in COMMUNE_FIELDS:
        tier, rule = "commune", "field"
    elif field in DISTRICT_FIELDS:
        tier, rule = "district", "field"
    elif re.search(r"huyện|\bphòng\b", agency_text):
        tier, rule = "district", "agency text"
    else:
        tier, rule = "commune", "default"
    district = DISTRICTS[stable_hash("district", rec["code"]) % len(DISTRICTS)][0]
    return district, tier, rule


# --------------------------------------------------------------------------- dates

def working_days() -> list[dt.date]:
    days, d = [], PERIOD_START
    while d <= PERIOD_END:
        if d.weekday() < 5 and d not in HOLIDAYS:
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def office_time(day: dt.date, key: str) -> str:
    """A deterministic moment in office hours (07:30–11:30, 13:30–17:00)."""
    slots = list(range(7 * 60 + 30, 11 * 60 + 30, 5)) + list(range(13 * 60 + 30, 17 * 60, 5))
    minute = slots[stable_hash("time", key) % len(slots)]
    moment = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=TZ)
    return moment.isoformat()


def spread(codes: list[str], days: list[dt.date], power: float) -> dict[str, dt.date]:
    """Dates for codes (in hash order) with a CDF t**power over the list of days."""
    ordered = sorted(codes, key=lambda c: (stable_hash("date", c), c))
    n = len(ordered)
    out = {}
    for i, code in enumerate(ordered):
        u = (i + 0.5) / n
        t = u ** (1.0 / power)
        out[code] = days[min(len(days) - 1, int(t * len(days)))]
    return out


# --------------------------------------------------------------------------- build

def field_codes(names: list[str]) -> dict[str, str]:
    """Slug codes for field names, unique; a slug cut to 32 characters that two names share
    gets a short hash of the name."""
    slugs = collections.defaultdict(list)
    for name in sorted(set(names)):
        slugs[slugify(name)].append(name)
    out = {}
    for slug, group in slugs.items():
        for name in group:
            if len(group) == 1:
                out[name] = slug
            else:
                tag = f"{stable_hash('field', name) % 36**4:04x}"[:4]
                out[name] = f"{slugify(name, 32 - len(tag) - 1)}-{tag}"
    if len(set(out.values())) != len(out):
        raise SystemExit("field codes are not unique")
    return out


def qualified_level(rec: dict) -> int:
    has_form = any(d["form"] for d in rec["documents"])
    if rec["online"] and has_form:
        return 3
    return 2 if has_form else 1


def build(input_path: Path, log=sys.stderr) -> tuple[dict, dict]:
    report: dict = {"read": 0, "unparseable": collections.Counter(),
                    "out_of_scope": collections.Counter()}
    parsed: list[dict] = []
    seen: dict[str, int] = {}
    report["parse"] = ParseReport()
    with gzip.open(input_path, "rt", encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            report["read"] += 1
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                reason = f"invalid JSON ({exc.msg})"
                print(f"line {line_no}: unparseable: {reason}", file=log)
                report["unparseable"][reason.split(" (")[0]] += 1
                continue
            code = clean_line(raw.get("ma_thu_tuc")) or f"line {line_no}"
            report["parse"].add(raw)
            try:
                rec = convert(raw)
            except Unparseable as exc:
                print(f"{code}: unparseable: {exc}", file=log)
                report["unparseable"][str(exc).split(" (")[0].split(" '")[0]] += 1
                continue
            rec["facts"] = history.raw_facts(raw)
            if rec["code"] in seen:  # duplicate code: suffix -2, -3 …
                seen[rec["code"]] += 1
                new = f"{rec['code'][:29]}-{seen[rec['code']]}"
                print(f"{rec['code']}: duplicate code, renamed {new}", file=log)
                rec["code"] = new
            seen.setdefault(rec["code"], 1)
            parsed.append(rec)
    report["parsed"] = len(parsed)

    pool = []
    for rec in parsed:
        where = place(rec)
        if isinstance(where, str):
            report["out_of_scope"][where] += 1
            continue
        rec["agency"], rec["tier"], rec["tier_rule"] = where
        rec["qualified"] = qualified_level(rec)
        pool.append(rec)

    def order(rec: dict, salt: str) -> tuple:
        return (0 if rec["era_2011"] else 1, stable_hash(salt, rec["code"]), rec["code"])

    chosen: dict[str, tuple[int, str]] = {}  # code -> (level, status)
    by_code_all = {r["code"]: r for r in pool}

    def pick(candidates, n, level, status, salt, cover=False, key=None):
        key = key or (lambda r: order(r, salt))
        ranked = [r for r in sorted(candidates, key=key) if r["code"] not in chosen]
        if cover:
            # First the best candidate of every agency that owns no service yet, so each
            # department with a usable procedure appears in the catalogue.
            owned = {by_code_all[c]["agency"] for c in chosen}
            first = {}
            for r in ranked:
                if r["agency"] not in owned:
                    first.setdefault(r["agency"], r)
            firsts = set(id(r) for r in first.values())
            ranked = list(first.values()) + [r for r in ranked if id(r) not in firsts]
        got = ranked[:n]
        if len(got) < n:
            raise SystemExit(f"not enough records for {n} {status} level-{level} services "
                             f"(found {len(got)})")
        for r in got:
            chosen[r["code"]] = (level, status)
        return got

    pick([r for r in pool if r["qualified"] == 3 and online_fee(r["rows"]) > 0],
         N_LEVEL4, 4, "published", "level4")
    # The civil-status procedures citizens ask for most come first among level 3: the
    # portal's own examples ("đăng ký khai sinh") must find them.
    pick([r for r in pool if r["qualified"] == 3], N_LEVEL3, 3, "published", "level3",
         key=lambda r: (r["code"] not in FEATURED, order(r, "level3")))
    pick([r for r in pool if r["qualified"] >= 2 and r["paper"]], N_LEVEL2, 2, "published",
         "level2", cover=True)
    # Level 1: records without forms first (their forms, if any, are left out).
    pick(pool, N_LEVEL1, 1, "published", "level1", cover=True,
         key=lambda r: (r["qualified"] > 1, order(r, "level1")))
    for status, n in (("draft", N_DRAFT), ("archived", N_ARCHIVED)):
        rest = [r for r in pool if r["code"] not in chosen]
        for r in sorted(rest, key=lambda r: order(r, status))[:n]:
            level = r["qualified"] if r["paper"] or r["qualified"] == 3 else 1
            chosen[r["code"]] = (level, status)
    report["cohort"] = len(chosen)

    # Dates.
    days = working_days()
    days_2010 = [d for d in days if d.year == 2010]
    days_2011 = [d for d in days if d.year == 2011 and d < PERIOD_END]
    published = [c for c, (lv, st) in chosen.items() if st == "published"]
    dates = {}
    dates.update(spread([c for c in published if chosen[c][0] <= 2], days, 1.6))
    dates.update(spread([c for c in published if chosen[c][0] >= 3], days, 3.5))
    archived = [c for c, (lv, st) in chosen.items() if st == "archived"]
    archive_published = spread(archived, days_2010, 1.0)
    drafts = [c for c, (lv, st) in chosen.items() if st == "draft"]
    draft_updated = spread(drafts, days_2011, 1.0)

    by_code = {r["code"]: r for r in pool}
    # Today's catalogue holds every real procedure in scope; the 2011 picks start in 2011,
    # the others are published later (scripts/demo/history.py tells when).
    field_code_of = field_codes([r["field_name"] for r in pool])
    agency_names = dict([PROVINCE_ROOT, DISTRICT_GROUP, *DEPARTMENTS, *DISTRICTS,
                         history.COMMUNES])
    services = []
    for code in sorted(by_code):
        rec = by_code[code]
        agency_name = agency_names[rec["agency"]]
        start = None
        if code in chosen:
            level, status = chosen[code]
            start = {"level": level, "status": status}
            if status == "published":
                start["published_at"] = start["updated_at"] = office_time(dates[code], code)
            elif status == "archived":
                published_day = archive_published[code]
                start["published_at"] = office_time(published_day, code)
                gap = 60 + stable_hash("archive", code) % 300
                archive_day = min(published_day + dt.timedelta(days=gap),
                                  PERIOD_END - dt.timedelta(days=3))
                while archive_day.weekday() >= 5 or archive_day in HOLIDAYS:
                    archive_day -= dt.timedelta(days=1)
                start["updated_at"] = office_time(archive_day, "archived:" + code)
            else:
                start["published_at"] = None
                start["updated_at"] = office_time(draft_updated[code], "draft:" + code)

        def content_for(level: int, rec=rec, code=code) -> dict:
            online_url = ONLINE_URL.format(code=code) if level >= 3 else None
            forms = []
            if level >= 2:
                forms = [{"title": shorten(d["name"], 300), "url": rec["detail_url"] or
                          f"https://dichvucong.daklak.gov.vn/thu-tuc/{code}", "kind": "page"}
                         for d in rec["documents"] if d["form"]]
            with_online = level >= 3
            rows = rec["rows"] if with_online else [r for r in rec["rows"]
                                                     if r["channel"] != "Trực tuyến"]
            tier = rec["tier"] if "Cấp tỉnh" in rec["cap"] else "commune"
            place_name = agency_names[rec["agency"] if tier == "province" else history.COMMUNES[0]]
            return {"online_url": online_url, "forms": forms,
                    "method": method_text(rows or rec["rows"],
                                          where_to_submit(rec["address"], place_name, tier),
                                          level, online_url),
                    "fees": fees_text(rec["rows"], with_online),
                    "channels": channels_of(rows or rec["rows"])}

        province_today = rec["tier"] == "province"
        state, dated = history.story(
            code, rec["name"], facts=rec["facts"], supported=rec["qualified"], tier=rec["tier"],
            agency=rec["agency"], province_today=province_today, start=start,
            content_for=content_for)
        if state["status"] == "draft" and not province_today:
            state.update(tier="commune", agency=history.COMMUNES[0])
        published_at = dated[0]["at"] if dated else None
        first_public = (dt.datetime.fromisoformat(published_at).astimezone(history.TZ).date()
                        if published_at else None)
        decision, effective_from = history.decision_dates(code, rec["facts"]["decision"], first_public)
        updated_at = dated[-1]["at"] if dated else start["updated_at"]
        services.append({
            "code": code,
            "name": rec["name"],
            "level": state["level"],
            "agency": state["agency"],
            "field": field_code_of[rec["field_name"]],
            "tier": state["tier"],
            "audience": rec["audience"],
            "summary": summary_text(rec, agency_name),
            "steps": rec["steps"],
            "method": state["method"],
            "documents": [{k: d[k] for k in ("name", "copies", "copy_type", "group", "condition")}
                          for d in rec["documents"]],
            "document_notes": rec["document_notes"],
            "channels": state["channels"],
            "processing_days": rec["processing_days"],
            "fees": state["fees"],
            "result": rec["result"],
            "legal_basis": rec["legal_basis"],
            "requirements": rec["requirements"],
            "forms": state["forms"],
            "online_url": state["online_url"],
            "online_kind": state["online_kind"],
            "partial_reason": state["partial_reason"],
            "decision": decision,
            "effective_from": effective_from,
            "abolished_on": None,
            "status": state["status"],
            "published_at": published_at,
            "updated_at": updated_at,
            "history": dated,
        })

    # Fields and agencies actually used (agencies with their parents).
    fields = {field_code_of[r["field_name"]]: r["field_name"] for r in pool}
    parents = {PROVINCE_ROOT[0]: None, DISTRICT_GROUP[0]: PROVINCE_ROOT[0],
               history.COMMUNES[0]: PROVINCE_ROOT[0]}
    parents.update({c: PROVINCE_ROOT[0] for c, _ in DEPARTMENTS})
    parents.update({c: DISTRICT_GROUP[0] for c, _ in DISTRICTS})
    used = set()
    for s in services:
        for code in [s["agency"], *(h["set"]["agency"] for h in s["history"]
                                    if "agency" in h["set"])]:
            while code and code not in used:
                used.add(code)
                code = parents[code]
    agencies = [{"code": c, "name": agency_names[c], "parent": parents[c]} for c in sorted(used)]
    catalogue = {
        "agencies": agencies,
        "fields": [{"code": c, "name": fields[c]} for c in sorted(fields)],
        "services": services,
    }
    report["unused_agencies"] = sorted(c for c in agency_names if c not in used)
    return catalogue, report


def write(catalogue: dict, output: Path) -> bytes:
    data = json.dumps(catalogue, ensure_ascii=False, indent=1, sort_keys=False).encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(data + b"\n")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(buf.getvalue())
    return buf.getvalue()


def summary(catalogue: dict, report: dict) -> str:
    services = catalogue["services"]
    lines = [
        f"records read:        {report['read']}",
        f"parsed:              {report['parsed']}",
        f"unparseable:         {sum(report['unparseable'].values())}",
    ]
    for reason, n in sorted(report["unparseable"].items()):
        lines.append(f"  {n:5d}  {reason}")
    lines.append(f"out of scope:        {sum(report['out_of_scope'].values())}")
    for reason, n in sorted(report["out_of_scope"].items()):
        lines.append(f"  {n:5d}  {reason}")
    lines.append(f"in the 2011 catalogue: {report['cohort']}; published later: "
                 f"{len(services) - report['cohort']}")
    lines.append(f"included:            {len(services)}")
    table = collections.Counter((s["status"], s["level"]) for s in services)
    lines.append("today, status x level: " + "   ".join(f"L{lv}" for lv in range(1, 5)) + "  total")
    for status in ("published", "draft", "archived"):
        counts = [table[(status, lv)] for lv in range(1, 5)]
        lines.append(f"  {status:<18}" + "".join(f"{n:5d}" for n in counts) + f"{sum(counts):7d}")
    for label, day in (("2011-07-07", history.COHORT_END), ("2023-06-30", dt.date(2023, 6, 30)),
                       ("today", history.STORY_END)):
        f = history.figures(services, day)
        lines.append(f"{label} ({day}): online {f['online']} of {f['published']} published; "
                     f"tiers {f['by_tier']}; kinds {f['by_kind']}")
    lines.append(f"published at level >= 2 on 2011-07-07 (online_total): "
                 f"{history.figures(services, history.COHORT_END)['online']}")
    tiers = collections.Counter(s["tier"] for s in services)
    lines.append("tiers today:         " + ", ".join(f"{t} {tiers[t]}"
                                                   for t in ("province", "district", "commune")))
    per_agency = collections.Counter(s["agency"] for s in services)
    lines.append(f"agencies:            {len(catalogue['agencies'])} in file, "
                 f"{len(per_agency)} owning services")
    for code, n in sorted(per_agency.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {n:5d}  {code}")
    if report["unused_agencies"]:
        lines.append("agencies left out (no service): " + ", ".join(report["unused_agencies"]))
    lines.append(f"fields:              {len(catalogue['fields'])}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", default=DEFAULT_INPUT)
    parser.add_argument("--output", default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    input_path = Path(args.input)
    output = Path(args.output)
    if not input_path.is_absolute():
        input_path = ROOT / input_path
    if not output.is_absolute():
        output = ROOT / output
    catalogue, report = build(input_path)
    write(catalogue, output)
    print(summary(catalogue, report))
    print(report["parse"].text())
    print(f"written: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
