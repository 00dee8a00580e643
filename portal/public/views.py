"""Views of the public pages: parse the request, ask the domain, render."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort, current_app, render_template, request, url_for
from markupsafe import Markup, escape
from sqlalchemy import select

from catalogue.directory import (
    ancestors_of,
    build_agency_tree,
    find_agency_node,
    online_services,
    published_count_by_field,
    published_services_for_sitemap,
    published_services_of,
)
from catalogue.life_events import bundles_of
from catalogue.life_events import vocabulary as life_event_vocabulary
from catalogue.models import Agency
from catalogue.operations import find_service
from catalogue.places import all_communes
from catalogue.search import SearchQuery
from catalogue.statistics import count_by_level, online_total
from catalogue.usage import most_viewed_services
from catalogue.validation import CODE_RE

from ..extensions import db
from ..page_cache import cached
from ..params.listing import (
    SORT_LABELS,
    ListingParamError,
    facet_items,
    facet_labels,
    listing_url,
    parse_request_args,
    query_args,
    run_search,
)
from ..public_url import external_url
from ..view_tally import count_view, keep_visitor
from . import bp
from .service_context import service_context

HOME_FIELDS = 12
HOME_SERVICES = 8
# Below this many viewed services the ranking says little; the home page shows services
# that can be submitted online instead, under their own heading.
MIN_POPULAR = 3


@bp.app_template_filter("paragraphs")
def paragraphs(text: str | None) -> Markup:
    """Multi-line catalogue text as paragraphs, escaped: editors type plain text."""
    if not text:
        return Markup("")
    parts = [p.strip() for p in text.replace("\r", "").split("\n") if p.strip()]
    return Markup("").join(Markup("<p>{}</p>").format(escape(p)) for p in parts)


@bp.app_template_global("canonical_for")
def canonical_for(endpoint: str, **values: object) -> str:
    """Absolute URL on the public address (PUBLIC_BASE_URL), never on a Host a client sent."""
    return external_url(endpoint, **values)


@bp.app_template_global("service_url")
def service_url(code: str) -> str:
    """A service page's path, as ``url_for("public.service", code=code)`` gives it: the
    router is asked once per request and the code appended (codes are ASCII letters,
    digits, dots and dashes: CODE_RE), as a page of results links twenty services."""
    base = getattr(request, "_service_url_base", None)
    if base is None:
        base = request._service_url_base = url_for("public.service", code="-")[:-1]  # type: ignore[attr-defined]
    return base + quote(code, safe="")


@bp.get("/")
@cached
def home():
    popular = most_viewed_services(db.session, HOME_SERVICES,
                                   min_views=int(current_app.config["MOST_VIEWED_MIN_VIEWS"]))
    by_level = count_by_level(db.session)
    if len(popular) < MIN_POPULAR:
        popular = []
    return render_template(
        "public/home.html",
        online_total=online_total(db.session, by_level),
        by_level=by_level,
        fields=published_count_by_field(db.session),
        home_fields=HOME_FIELDS,
        agency_tree=build_agency_tree(db.session),
        popular=popular,
        online=[] if popular else online_services(db.session, HOME_SERVICES),
    )


@bp.get("/services")
@cached
def services():
    try:
        query, agencies, fields = parse_request_args(request.args)
    except ListingParamError as exc:
        return render_template("public/services.html", error=exc.message, query=SearchQuery(),
                               result=None, agencies={}, fields={}, sort_labels=SORT_LABELS,
                               query_args=query_args, listing_url=listing_url,
                               facet_items=facet_items, labels=facet_labels({}, {})), 400
    result = run_search(query)
    return render_template(
        "public/services.html", error=None, query=query, result=result, agencies=agencies,
        fields=fields, sort_labels=SORT_LABELS, query_args=query_args,
        listing_url=listing_url, facet_items=facet_items, labels=facet_labels(agencies, fields),
        pages=max(1, -(-result.total // query.per_page)),
    )


@bp.get("/services/<code>")
def service(code: str):
    # With a commune chosen the page says whether its centre is open now: never cached.
    page = render_service(code) if request.args.get("commune") else service_page(code)
    response = current_app.make_response(page)
    if request.method == "GET":  # a HEAD (link checkers, monitors) is not a reader
        count_view(response, code)
        if response.status_code == 200:
            keep_visitor(response)
    return response


def render_service(code: str) -> str | Response:
    found = find_service(db.session, code) if CODE_RE.match(code) else None
    if found is None or not found.is_public:
        abort(404)
    return render_template("public/service.html", **service_context(found))


service_page = cached(render_service)



@bp.get("/agencies")
@cached
def agencies():
    return render_template("public/agencies.html", tree=build_agency_tree(db.session))


@bp.get("/agencies/<code>")
@cached
def agency(code: str):
    node = find_agency_node(build_agency_tree(db.session), code) if CODE_RE.match(code) else None
    if node is None:
        abort(404)
    return render_template(
        "public/agency.html", node=node, ancestors=ancestors_of(node.agency),
        services=published_services_of(db.session, node.agency),
    )


@bp.get("/sitemap.xml")
@cached
def sitemap():
    agency_codes = list(db.session.scalars(select(Agency.code).order_by(Agency.code)))
    xml = render_template(
        "public/sitemap.xml", services=published_services_for_sitemap(db.session),
        agency_codes=agency_codes, commune_slugs=[c.slug for c in all_communes(db.session)],
        events=[(e.code, [b.code for b in bundles_of(e.code)]) for e in life_event_vocabulary().events],
    )
    return Response(xml, mimetype="application/xml")


@bp.get("/robots.txt")
def robots():
    body = f"User-agent: *\nDisallow: /manage/\nSitemap: {external_url('public.sitemap')}\n"
    return Response(body, mimetype="text/plain")
