"""DCAT-AP catalog of the open datasets, built with rdflib (JSON-LD and Turtle)."""

from __future__ import annotations

from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF

from shuzheng.catalog.spec import UpdateCycle
from shuzheng.opendata.service import OpenDataset

FREQ = Namespace("http://publications.europa.eu/resource/authority/frequency/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
FREQUENCY = {
    UpdateCycle.REALTIME: FREQ.CONT,
    UpdateCycle.DAILY: FREQ.DAILY,
    UpdateCycle.WEEKLY: FREQ.WEEKLY,
    UpdateCycle.MONTHLY: FREQ.MONTHLY,
    UpdateCycle.QUARTERLY: FREQ.QUARTERLY,
    UpdateCycle.YEARLY: FREQ.ANNUAL,
}
MEDIA = {"csv": "text/csv", "json": "application/json", "parquet": "application/vnd.apache.parquet"}


def _graph() -> Graph:
    g = Graph()
    g.bind("dcat", DCAT)
    g.bind("dct", DCTERMS)
    g.bind("foaf", FOAF)
    return g


def _add_dataset(g: Graph, base: str, d: OpenDataset) -> URIRef:
    ds = URIRef(f"{base}/dataset/{d.name}")
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.identifier, Literal(d.code)))
    g.add((ds, DCTERMS.title, Literal(d.title, lang="zh")))
    g.add((ds, DCTERMS.description, Literal(d.notes, lang="zh")))
    g.add((ds, DCAT.landingPage, URIRef(f"{base}/opendata/datasets/{d.name}")))
    publisher = URIRef(f"{base}/organization/{d.organization.name}")
    g.add((ds, DCTERMS.publisher, publisher))
    g.add((publisher, RDF.type, FOAF.Organization))
    g.add((publisher, FOAF.name, Literal(d.organization.title, lang="zh")))
    for tag in d.tags:
        g.add((ds, DCAT.keyword, Literal(tag, lang="zh")))
    if d.published_at is not None:
        g.add((ds, DCTERMS.issued, Literal(d.published_at.isoformat(), datatype=XSD.dateTime)))
    if d.modified is not None:
        g.add((ds, DCTERMS.modified, Literal(d.modified.isoformat(), datatype=XSD.dateTime)))
    g.add((ds, DCTERMS.accrualPeriodicity, FREQUENCY[d.spec.update_cycle]))
    latest = d.latest
    if latest is not None:
        for fmt, media in MEDIA.items():
            dist = URIRef(f"{base}/dataset/{d.name}/distribution/{fmt}")
            g.add((ds, DCAT.distribution, dist))
            g.add((dist, RDF.type, DCAT.Distribution))
            g.add((dist, DCTERMS.title, Literal(f"{d.title}（{fmt.upper()}）", lang="zh")))
            url = URIRef(f"{base}/opendata/datasets/{d.name}/download.{fmt}")
            g.add((dist, DCAT.downloadURL, url))
            g.add((dist, DCAT.accessURL, url))
            g.add((dist, DCAT.mediaType, Literal(media)))
            g.add((dist, DCTERMS.format, Literal(fmt.upper())))
            g.add((dist, DCTERMS.modified, Literal(latest.loaded_at.isoformat(), datatype=XSD.dateTime)))
    return ds


def catalog_graph(base: str, datasets: list[OpenDataset]) -> Graph:
    g = _graph()
    cat = URIRef(f"{base}/catalog")
    g.add((cat, RDF.type, DCAT.Catalog))
    g.add((cat, DCTERMS.title, Literal("公共数据开放目录", lang="zh")))
    g.add((cat, DCTERMS.description, Literal("本市无条件开放的公共数据集", lang="zh")))
    g.add((cat, FOAF.homepage, URIRef(f"{base}/opendata")))
    for d in datasets:
        g.add((cat, DCAT.dataset, _add_dataset(g, base, d)))
    return g


def dataset_graph(base: str, d: OpenDataset) -> Graph:
    g = _graph()
    _add_dataset(g, base, d)
    return g


def serialize(g: Graph, fmt: str) -> str:
    if fmt == "ttl":
        return g.serialize(format="turtle")
    return g.serialize(format="json-ld", context={"dcat": str(DCAT), "dct": str(DCTERMS), "foaf": str(FOAF)})
