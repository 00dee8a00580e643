"""schema.org ``GovernmentService`` of a service page, as JSON-LD that search engines and
other catalogues read (templates/public/_service_jsonld.html writes it into the head).

Built here, not in the template, so the template only serialises (``tojson`` escapes
``<``, ``>`` and ``&``: a name cannot close the script element). A ``<script
type="application/ld+json">`` is a data block, never run, so the Content-Security-Policy
that forbids inline scripts is kept.
"""

from __future__ import annotations

from typing import Any

from catalogue.models import Service
from catalogue.vocabulary import Audience

from ..public_url import external_url
from . import bp

PROVINCE = {"@type": "AdministrativeArea", "name": "Tỉnh Đắk Lắk",
            "address": {"@type": "PostalAddress", "addressRegion": "Đắk Lắk", "addressCountry": "VN"}}
AUDIENCE_TYPES = {
    Audience.CITIZEN: ["Công dân"],
    Audience.BUSINESS: ["Doanh nghiệp, tổ chức"],
    Audience.BOTH: ["Công dân", "Doanh nghiệp, tổ chức"],
}


def _channels(service: Service, page: str) -> list[dict[str, Any]]:
    channels: list[dict[str, Any]] = []
    if service.online_url:
        channels.append({"@type": "ServiceChannel", "name": "Nộp hồ sơ trực tuyến",
                         "serviceUrl": service.online_url})
    channels.append({"@type": "ServiceChannel", "name": "Nộp trực tiếp hoặc qua bưu chính",
                     "description": service.method or None, "serviceUrl": page,
                     "serviceLocation": {"@type": "GovernmentOffice", "name": service.agency.name}})
    return [{k: v for k, v in c.items() if v is not None} for c in channels]


@bp.app_template_global("service_jsonld")
def service_jsonld(service: Service) -> dict[str, Any]:
    page = external_url("public.service", code=service.code)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "GovernmentService",
        "@id": page,
        "url": page,
        "identifier": service.code,
        "name": service.name,
        "description": service.summary or None,
        "serviceType": service.field.name,
        "provider": {"@type": "GovernmentOrganization", "name": service.agency.name,
                     "identifier": service.agency.code,
                     "url": external_url("public.agency", code=service.agency.code)},
        "serviceOperator": {"@type": "GovernmentOrganization", "name": "Ủy ban nhân dân tỉnh Đắk Lắk"},
        "areaServed": PROVINCE,
        "availableChannel": _channels(service, page),
        "audience": [{"@type": "Audience", "audienceType": kind}
                     for kind in AUDIENCE_TYPES.get(Audience(service.audience), [])],
        "termsOfService": service.requirements or None,
    }
    return {k: v for k, v in data.items() if v is not None}
