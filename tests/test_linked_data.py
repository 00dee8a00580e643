"""Linked data: schema.org GovernmentService on each service page, and the CPSV-AP 3.x
export loaded as RDF with rdflib (classes and counts checked)."""

from __future__ import annotations

import json
import re

import pytest
from rdflib import RDF, Graph, Namespace

from tests.support import text_of

CPSV = Namespace("http://purl.org/vocab/cpsv#")
CV = Namespace("http://data.europa.eu/m8g/")
DCT = Namespace("http://purl.org/dc/terms/")
# rdflib 7's JSON-LD parser still builds a ConjunctiveGraph inside (its own deprecation).
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


@pytest.fixture
def catalogue(make_service):
    make_service(status="published")  # 2 documents, 1 form, fees, 2 legal grounds, level 3 online
    make_service(status="published", code="1.000894", name="Đăng ký kết hôn <b>&</b>", level=2,
                 online_url=None, fees="", legal_basis=["Luật Hộ tịch 60/2014/QH13"],
                 documents=[{"name": "Tờ khai đăng ký kết hôn", "copies": 1}], audience="both")
    make_service(status="published", code="2.001610", name="Đăng ký thành lập doanh nghiệp tư nhân", level=4,
                 agency="so-ke-hoach-va-dau-tu", field="thanh-lap-doanh-nghiep", tier="province",
                 audience="business", online_url="https://dangkykinhdoanh.gov.vn/nop", method="",
                 documents=[], legal_basis=[], fees="100.000 đồng", result="")
    make_service(code="9.000001", name="Thủ tục đang soạn thảo")


def _jsonld(html: str) -> dict:
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(found) == 1
    return json.loads(found[0])


def test_service_page_carries_government_service_jsonld(client, catalogue):
    data = _jsonld(text_of(client.get("/services/1.001193")))
    assert data["@context"] == "https://schema.org" and data["@type"] == "GovernmentService"
    assert data["name"] == "Đăng ký khai sinh"
    assert data["provider"] == {"@type": "GovernmentOrganization", "name": "Sở Tư pháp",
                                "identifier": "so-tu-phap", "url": "http://localhost/agencies/so-tu-phap"}
    assert data["areaServed"]["name"] == "Tỉnh Đắk Lắk"
    assert data["serviceType"] == "Hộ tịch"
    assert data["audience"] == [{"@type": "Audience", "audienceType": "Công dân"}]
    urls = [c.get("serviceUrl") for c in data["availableChannel"]]
    assert "https://dichvucong.daklak.gov.vn/nop-truc-tuyen/1.001193" in urls

    # A name with markup stays data: escaped inside the script, whole once parsed.
    html = text_of(client.get("/services/1.000894"))
    assert "<b>" not in html.split('application/ld+json">')[1].split("</script>")[0]
    data = _jsonld(html)
    assert data["name"] == "Đăng ký kết hôn <b>&</b>"
    assert [a["audienceType"] for a in data["audience"]] == ["Công dân", "Doanh nghiệp, tổ chức"]
    assert len(data["availableChannel"]) == 1  # level 2: no online submission


def test_the_jsonld_is_valid_rdf(client, catalogue):
    html = text_of(client.get("/services/2.001610"))
    graph = Graph().parse(data=json.dumps({**_jsonld(html), "@context": {"@vocab": "https://schema.org/"}}),
                          format="json-ld")
    schema = Namespace("https://schema.org/")
    assert len(list(graph.subjects(RDF.type, schema.GovernmentService))) == 1


def test_cpsv_ap_export_loads_as_rdf_with_its_classes(runner, catalogue, tmp_path):
    path = tmp_path / "cpsv.jsonld"
    result = runner.invoke(args=["export", str(path), "--format", "cpsv-ap",
                                 "--base-url", "https://dvc.example.vn"])
    assert result.exit_code == 0, result.output
    assert "3 dịch vụ" in result.output
    graph = Graph().parse(path, format="json-ld")

    def count(cls) -> int:
        return len(set(graph.subjects(RDF.type, cls)))

    assert count(CPSV.PublicService) == 3  # the draft is not published data
    assert count(CV.PublicOrganisation) == 5
    # Channels: online for 1.001193 and 2.001610, in person where a method is given (two).
    assert count(CV.Channel) == 4
    assert count(CV.Evidence) == 3
    assert count(CV.Cost) == 2  # "Miễn lệ phí" and "100.000 đồng"; the empty fee is none
    assert count(CPSV.Rule) == 3
    assert count(CV.Output) == 2

    from rdflib import URIRef

    birth = URIRef("https://dvc.example.vn/services/1.001193")
    assert str(graph.value(birth, DCT.title)) == "Đăng ký khai sinh"
    authority = graph.value(birth, CV.hasCompetentAuthority)
    assert authority == URIRef("https://dvc.example.vn/agencies/so-tu-phap")
    assert (authority, RDF.type, CV.PublicOrganisation) in graph
    assert len(list(graph.objects(birth, CV.hasInput))) == 2
    assert all((e, RDF.type, CV.Evidence) in graph for e in graph.objects(birth, CV.hasInput))
    parent = graph.value(authority, URIRef("http://www.w3.org/ns/org#subOrganizationOf"))
    assert parent == URIRef("https://dvc.example.vn/agencies/ubnd-tinh")
