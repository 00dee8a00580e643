"""The words of the domain, said once: enumerations, their Vietnamese labels, the rule of
what counts as "online", the Vietnam clock's zone and the limits every surface shares.

Models type their columns with these enums; validation, search, statistics, pages and
exports read the labels and rules from here, so a new tier or a new counting rule is one
edit in this file rather than a hunt through the tree.
"""

from __future__ import annotations

import enum
from datetime import date, timedelta, timezone

VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")


class Level(enum.IntEnum):
    """Online service levels of Decree 43/2011/NĐ-CP."""

    INFORMATION = 1
    FORMS = 2
    ONLINE_SUBMISSION = 3
    ONLINE_PAYMENT = 4


class Status(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Tier(enum.StrEnum):
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


class Audience(enum.StrEnum):
    CITIZEN = "citizen"
    BUSINESS = "business"
    BOTH = "both"


class OnlineKind(enum.StrEnum):
    """Online public services under Decree 42/2022/NĐ-CP and Decree 224/2026/NĐ-CP."""

    FULL = "full"        # toàn trình: everything online, the result included
    PARTIAL = "partial"  # một phần: some step needs the applicant or a paper in person
    NONE = "none"        # not an online public service


class PartialReason(enum.StrEnum):
    """Why a service is only partly online (Decree 224/2026/NĐ-CP, Art. 14)."""

    PRESENCE = "presence"          # the applicant must appear in person
    VERIFICATION = "verification"  # an on-site check is needed
    TECHNICAL = "technical"        # a technical obstacle


class Role(enum.StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"


# The search index stores a tier or audience as its position in these tuples: add new
# values at the end, never in between.
LEVELS: tuple[int, ...] = tuple(int(level) for level in Level)
TIERS: tuple[str, ...] = tuple(t.value for t in Tier)
AUDIENCES: tuple[str, ...] = tuple(a.value for a in Audience)
ONLINE_KINDS: tuple[str, ...] = tuple(k.value for k in OnlineKind)
# What the catalogue can be filtered and counted by, on /services and in the API.
FACETS: tuple[str, ...] = ("level", "agency", "field", "tier", "audience", "online_kind")

LEVEL_LABELS: dict[int, str] = {
    Level.INFORMATION: "Mức độ 1: cung cấp thông tin",
    Level.FORMS: "Mức độ 2: tải mẫu đơn, tờ khai",
    Level.ONLINE_SUBMISSION: "Mức độ 3: nộp và xử lý hồ sơ trực tuyến",
    Level.ONLINE_PAYMENT: "Mức độ 4: thanh toán và nhận kết quả trực tuyến",
}
TIER_LABELS: dict[str, str] = {
    Tier.PROVINCE: "Cấp tỉnh", Tier.DISTRICT: "Cấp huyện", Tier.COMMUNE: "Cấp xã",
}
AUDIENCE_LABELS: dict[str, str] = {
    Audience.CITIZEN: "Công dân",
    Audience.BUSINESS: "Tổ chức, doanh nghiệp",
    Audience.BOTH: "Công dân, tổ chức",
}
ONLINE_KIND_LABELS: dict[str, str] = {
    OnlineKind.FULL: "Toàn trình",
    OnlineKind.PARTIAL: "Một phần",
    OnlineKind.NONE: "Không trực tuyến",
}
# One line each, for readers of the statistics page and the service page.
ONLINE_KIND_EXPLANATIONS: dict[str, str] = {
    OnlineKind.FULL: "Làm toàn bộ trên mạng, từ nộp hồ sơ, nộp phí đến nhận kết quả.",
    OnlineKind.PARTIAL: "Nộp hồ sơ trên mạng, nhưng có bước phải đến cơ quan hoặc nhận kết "
                        "quả trực tiếp.",
    OnlineKind.NONE: "Chưa làm được trên mạng: nộp hồ sơ trực tiếp hoặc qua bưu chính.",
}
PARTIAL_REASON_LABELS: dict[str, str] = {
    PartialReason.PRESENCE: "Người nộp phải có mặt trực tiếp",
    PartialReason.VERIFICATION: "Cần kiểm tra, xác minh tại chỗ",
    PartialReason.TECHNICAL: "Vướng mắc kỹ thuật",
}
STATUS_LABELS: dict[str, str] = {
    Status.DRAFT: "Bản nháp", Status.PUBLISHED: "Đã công bố", Status.ARCHIVED: "Đã lưu trữ",
}
# Revision actions as the history shows them ("revert" brings back an older revision's
# content; "restore" takes an archived service back out of the archive).
ACTION_LABELS: dict[str, str] = {
    "create": "Tạo mới", "update": "Sửa", "publish": "Công bố", "archive": "Lưu trữ",
    "restore": "Khôi phục", "unpublish": "Gỡ công bố", "revert": "Khôi phục bản cũ",
    "import": "Nhập từ tệp",
}

# What "online" means. Under Decree 43/2011/NĐ-CP the province reports services at level 2
# and above as its online public services (a level 4 service meets level 3 too): the 661 of
# July 2011 were 420 at level 2, 235 at level 3 and 6 at level 4.
ONLINE_MIN_LEVEL = Level.FORMS
# A service whose application itself can be submitted on the internet (level 3 and 4).
SUBMISSION_MIN_LEVEL = Level.ONLINE_SUBMISSION
# The one label of the online count, beside its rule: home, statistics and exports say it.
ONLINE_LABEL = "dịch vụ công trực tuyến (mức độ 2 trở lên)"
ONLINE_COLUMN = "Trực tuyến (mức độ 2 trở lên)"


def is_online(level: int) -> bool:
    """Counts as an online public service (level 2 and above, Decree 43/2011/NĐ-CP)."""
    return level >= ONLINE_MIN_LEVEL


def default_online_kind(level: int) -> OnlineKind:
    """The Decree 42/2022 kind a record without one gets (first-edition files): level 4
    was already everything online (toàn trình), level 3 online submission (một phần),
    levels 1 and 2 no online application at all."""
    if level >= Level.ONLINE_PAYMENT:
        return OnlineKind.FULL
    if level >= Level.ONLINE_SUBMISSION:
        return OnlineKind.PARTIAL
    return OnlineKind.NONE


def accepts_online_submission(level: int) -> bool:
    """The application can be submitted and processed online (level 3 and above)."""
    return level >= SUBMISSION_MIN_LEVEL


def needs_form(level: int) -> bool:
    """Level 2 promises downloadable forms, and so does every level above it."""
    return level >= Level.FORMS


# Dates the rules turn on.
# Two-tier local government (no district level) from this day on.
TWO_TIER_FROM = date(2025, 7, 1)
# Decree 224/2026/NĐ-CP: a partial service states its reason from this day on.
PARTIAL_REASON_FROM = date(2026, 7, 1)

# Limits shared by the pages, the API, the forms and the search engine.
MAX_QUERY_CHARS = 200  # a search query as typed, on every surface
MAX_NAME_CHARS = 500
MAX_TEXT_CHARS = 20_000
MAX_LIST_ITEMS = 200
MAX_URL_CHARS = 2000
UPLOAD_MAX_BYTES = 10 * 1024 * 1024  # one uploaded form file
