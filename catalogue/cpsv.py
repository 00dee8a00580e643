"""The catalogue in CPSV-AP 3.x (the EU's Core Public Service Vocabulary Application
Profile), as JSON-LD: what other countries' and regions' catalogues exchange.

Each published service is a ``cpsv:PublicService``; its agency a ``cv:PublicOrganisation``
(``cv:hasCompetentAuthority``). Where the record has them: channels (``cv:Channel``, from
the second edition's ``channels``, else the online address and the in-person method),
documents (``cv:Evidence``, ``cv:hasInput``), fees (``cv:Cost``), legal grounds
(``cpsv:Rule``, ``cpsv:follows``), the result (``cv:Output``) and life events
(``cv:LifeEvent``, ``cv:isGroupedBy``). Services are read through
:func:`catalogue.operations.record_of`, the one serialisation of a record, so keys added to
it reach this export without a change here.

Written node by node (``@graph`` streamed, services read in batches): the size of the
catalogue does not bound memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import IO, Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Agency, Service, Status
from .operations import record_of

CONTEXT = {
    "cpsv": "http://purl.org/vocab/cpsv#",
    "cv": "http://data.europa.eu/m8g/",
    "dct": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "org": "http://www.w3.org/ns/org#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "foaf": "http://xmlns.com/foaf/0.1/",
}
DEFAULT_BASE_URL = "https://dichvucong.daklak.gov.vn"
CHANNEL_TYPES = {"online": "Trực tuyến", "post": "Qua bưu chính", "in_person": "Trực tiếp"}
BATCH = 1000


def _vi(text: str) -> dict[str, str]:
    return {"@value": text, "@language": "vi"}


def _agency_node(agency: Agency, base: str) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@id": f"{base}/agencies/{quote(agency.code)}",
        "@type": "cv:PublicOrganisation",
        "dct:identifier": agency.code,
        "skos:prefLabel": _vi(agency.name),
    }
    if agency.parent is not None:
        node["org:subOrganizationOf"] = {"@id": f"{base}/agencies/{quote(agency.parent.code)}"}
    return node


def _channels(record: Mapping[str, Any], sid: str) -> list[dict[str, Any]]:
    listed = record.get("channels")
    if not listed:  # first-edition record: the summary keys say what there is
        listed = []
        if record.get("online_url"):
            listed.append({"kind": "online", "description": record["online_url"]})
        if record.get("method"):
            listed.append({"kind": "in_person", "description": record["method"]})
    nodes = []
    for i, channel in enumerate(listed, 1):
        kind = channel.get("kind") or "in_person"
        node: dict[str, Any] = {"@id": f"{sid}#channel-{i}", "@type": "cv:Channel",
                                "dct:type": _vi(CHANNEL_TYPES.get(kind, kind))}
        if channel.get("description"):
            node["dct:description"] = _vi(str(channel["description"]))
        if kind == "online" and record.get("online_url"):
            node["cv:hasContactPoint"] = {"@id": record["online_url"]}
        if channel.get("processing_days") is not None:
            node["cv:processingTime"] = {"@value": f"P{channel['processing_days']}D", "@type": "xsd:duration"}
        nodes.append(node)
    return nodes


def _costs(record: Mapping[str, Any], sid: str) -> list[dict[str, Any]]:
    costs = []
    for i, channel in enumerate(record.get("channels") or [], 1):
        if channel.get("fee_vnd") is not None or channel.get("fee"):
            node: dict[str, Any] = {"@id": f"{sid}#cost-{i}", "@type": "cv:Cost",
                                    "cv:ifAccessedThrough": {"@id": f"{sid}#channel-{i}"}}
            if channel.get("fee_vnd") is not None:
                node["cv:value"] = {"@value": str(channel["fee_vnd"]), "@type": "xsd:decimal"}
                node["cv:currency"] = {"@id": "http://publications.europa.eu/resource/authority/currency/VND"}
            if channel.get("fee"):
                node["dct:description"] = _vi(str(channel["fee"]))
            costs.append(node)
    if not costs and record.get("fees"):
        costs.append({"@id": f"{sid}#cost", "@type": "cv:Cost", "dct:description": _vi(record["fees"])})
    return costs


def service_nodes(record: Mapping[str, Any], base: str) -> Iterator[dict[str, Any]]:
    """The PublicService of one record, then the nodes it links to."""
    sid = f"{base}/services/{quote(record['code'])}"
    channels = _channels(record, sid)
    evidence = [{"@id": f"{sid}#evidence-{i}", "@type": "cv:Evidence", "dct:title": _vi(doc["name"])}
                for i, doc in enumerate(record.get("documents") or [], 1) if doc.get("name")]
    costs = _costs(record, sid)
    rules = [{"@id": f"{sid}#rule-{i}", "@type": "cpsv:Rule", "dct:title": _vi(text)}
             for i, text in enumerate(record.get("legal_basis") or [], 1)]
    outputs = ([{"@id": f"{sid}#output", "@type": "cv:Output", "dct:title": _vi(record["result"])}]
               if record.get("result") else [])
    service: dict[str, Any] = {
        "@id": sid,
        "@type": "cpsv:PublicService",
        "dct:identifier": record["code"],
        "dct:title": _vi(record["name"]),
        "cv:hasCompetentAuthority": {"@id": f"{base}/agencies/{quote(record['agency'])}"},
        "cv:sector": _vi(record["field"]),
        "dct:spatial": {"@type": "dct:Location", "skos:prefLabel": _vi("Tỉnh Đắk Lắk")},
        "foaf:homepage": {"@id": sid},
    }
    if record.get("summary"):
        service["dct:description"] = _vi(record["summary"])
    if record.get("processing_days") is not None:
        service["cv:processingTime"] = {"@value": f"P{record['processing_days']}D", "@type": "xsd:duration"}
    for key, nodes in (("cv:hasChannel", channels), ("cv:hasInput", evidence), ("cv:hasCost", costs),
                       ("cpsv:follows", rules), ("cpsv:produces", outputs)):
        if nodes:
            service[key] = [{"@id": n["@id"]} for n in nodes]
    events = record.get("life_events") or []
    if events:
        service["cv:isGroupedBy"] = [{"@id": f"{base}/life-events/{quote(e)}"} for e in events]
    yield service
    yield from channels
    yield from evidence
    yield from costs
    yield from rules
    yield from outputs
    for event in events:
        yield {"@id": f"{base}/life-events/{quote(event)}", "@type": "cv:LifeEvent", "dct:identifier": event}


def published_records(session: Session) -> Iterator[dict[str, Any]]:
    """Every published service's record, read a batch at a time (keyset on code)."""
    last = ""
    while True:
        batch = list(session.scalars(
            select(Service).where(Service.status == Status.PUBLISHED.value, Service.code > last)
            .order_by(Service.code).limit(BATCH)))
        if not batch:
            return
        for service in batch:
            yield record_of(service)
        last = batch[-1].code


def write_cpsv_ap(session: Session, out: IO[str], base_url: str = DEFAULT_BASE_URL) -> int:
    """Write the published catalogue as one JSON-LD document; returns the services written."""
    base = base_url.rstrip("/")
    out.write('{"@context": ' + json.dumps(CONTEXT) + ',\n "@graph": [\n')
    first = True

    def put(node: dict[str, Any]) -> None:
        nonlocal first
        out.write(("" if first else ",\n") + json.dumps(node, ensure_ascii=False))
        first = False

    seen_events: set[str] = set()
    for agency in session.scalars(select(Agency).order_by(Agency.code)):
        put(_agency_node(agency, base))
    count = 0
    for record in published_records(session):
        for node in service_nodes(record, base):
            if node["@type"] == "cv:LifeEvent":
                if node["@id"] in seen_events:
                    continue
                seen_events.add(node["@id"])
            put(node)
        count += 1
    out.write("\n]}\n")
    return count
