"""The instance-type snapshot shipped in `karpenter/catalog/data/`, loaded one region at a time.

Every `pulumi up` and synth loads it, so it is split for speed: `types.json.gz` holds each type once
(field names, then one row of values per type), `regions/<region>.json.gz` the types each zone of
one region offers (as row numbers of the types file), and `prices/<table>.json.gz` one table of
on-demand prices a region names. Each file is parsed at most once per process. `make catalog`
writes them (karpenter/offline/catalog.py) with `snapshot_files`."""

from __future__ import annotations

import dataclasses
import gzip
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from karpenter.catalog.instance_types import InstanceType, RegionCatalog

FORMAT = 1
TYPES_FILE = "types.json.gz"
REGIONS_FOLDER = "regions"
PRICES_FOLDER = "prices"
_SUFFIX = ".json.gz"
_FIELDS = [field.name for field in dataclasses.fields(InstanceType)]


class UnknownRegionError(LookupError):
    """A region the snapshot holds no offerings for."""

    def __init__(self, region: str, known: Sequence[str]) -> None:
        self.region = region
        super().__init__(
            f"region '{region}' is not in the instance-type catalog, which holds {', '.join(known)}: "
            "check the region's spelling, or regenerate the catalog with `make catalog`"
        )


def _read(path: Path) -> Any:
    return json.loads(gzip.decompress(path.read_bytes()))


class Snapshot:
    """The snapshot in one folder; each of its files read at most once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.regions = cache(self._regions)
        self.instance_types = cache(self._instance_types)
        self.region = cache(self._region)
        self._types_document = cache(self._read_types_document)
        self._price_table = cache(self._read_price_table)

    def _regions(self) -> tuple[str, ...]:
        """The regions the snapshot holds, sorted."""
        folder = self.folder / REGIONS_FOLDER
        return tuple(sorted(p.name.removesuffix(_SUFFIX) for p in folder.iterdir() if p.name.endswith(_SUFFIX)))

    def _read_types_document(self) -> dict[str, Any]:
        document: dict[str, Any] = _read(self.folder / TYPES_FILE)
        if document.get("format") != FORMAT:
            raise ValueError(f"instance-type snapshot of format {document.get('format')}, expected {FORMAT}")
        return document

    def _instance_types(self) -> tuple[InstanceType, ...]:
        """Every type of the snapshot, in the order of its rows."""
        document = self._types_document()
        fields = document["fields"]
        # JSON has no tuples: lists (usage classes) become tuples again, so types stay hashable.
        rows = ([tuple(value) if isinstance(value, list) else value for value in row] for row in document["types"])
        if fields != _FIELDS:
            return tuple(InstanceType(**dict(zip(fields, row, strict=True))) for row in rows)
        # Rows of every field, as this module writes them: filled in directly, which is what the frozen
        # dataclass's __init__ does one field at a time, at ten times the cost over a thousand types.
        return tuple(_filled(row) for row in rows)

    def _read_price_table(self, name: str) -> dict[str, Any]:
        table: dict[str, Any] = _read(self.folder / PRICES_FOLDER / f"{name}{_SUFFIX}")
        return table

    def sources(self) -> dict[str, str]:
        """When the snapshot was made and where its types and offerings come from."""
        document = self._types_document()
        return {"date": document["date"], **document["sources"]}

    def _region(self, region: str) -> RegionCatalog:
        if region not in self.regions():
            raise UnknownRegionError(region, self.regions())
        offered = _read(self.folder / REGIONS_FOLDER / f"{region}{_SUFFIX}")
        every = self.instance_types()
        zones = {zone: frozenset(every[row].name for row in rows) for zone, rows in offered["zones"].items()}
        names = frozenset().union(*zones.values())
        table = self._price_table(offered["prices"])
        prices = {every[row].name: price for row, price in enumerate(table["prices"]) if price is not None}
        document = self._types_document()
        return RegionCatalog(
            region=region,
            types={t.name: t for t in every if t.name in names},
            zones=zones,
            prices={name: price for name, price in prices.items() if name in names},
            source=document["sources"]["offerings"],
            date=document["date"],
            price_source=f"{table['source']}; figures of {table['region']}{table['applies']}",
            price_date=table["date"],
        )


def _filled(row: Sequence[Any]) -> InstanceType:
    instance_type = object.__new__(InstanceType)
    instance_type.__dict__.update(zip(_FIELDS, row, strict=True))
    return instance_type


# Beside this module, in the checkout and in an installed wheel alike (the package is never zipped: Helm
# reads its chart from the folder too).
SHIPPED = Snapshot(Path(__file__).resolve().parent / "data")


# What offline synth puts in place of the snapshot's catalog of one region while it runs the program:
# the offerings and prices a facts file read from the account. Never set under `pulumi up`.
_stand_in: RegionCatalog | None = None


@contextmanager
def standing_in(catalog: RegionCatalog | None) -> Iterator[None]:
    """Within the block, `load_region(catalog.region)` gives `catalog` (None: the snapshot's, as ever)."""
    global _stand_in
    saved, _stand_in = _stand_in, catalog
    try:
        yield
    finally:
        _stand_in = saved


def load_region(region: str) -> RegionCatalog:
    """The types `region` offers, by zone, with on-demand prices, from the shipped snapshot (or what
    offline synth stands in for it); raises UnknownRegionError naming a region it does not hold."""
    if _stand_in is not None and _stand_in.region == region:
        return _stand_in
    return SHIPPED.region(region)


def regions() -> tuple[str, ...]:
    """The regions the shipped snapshot holds, sorted."""
    return SHIPPED.regions()


def instance_types() -> tuple[InstanceType, ...]:
    """Every type of the shipped snapshot, whatever region offers it."""
    return SHIPPED.instance_types()


def snapshot_sources() -> dict[str, str]:
    """When the shipped snapshot was made and where its types and offerings come from."""
    return SHIPPED.sources()


def snapshot_files(
    types: Sequence[InstanceType],
    offerings: Mapping[str, Mapping[str, frozenset[str]]],
    price_tables: Mapping[str, Mapping[str, Any]],
    region_prices: Mapping[str, str],
    *,
    date: str,
    sources: Mapping[str, str],
) -> dict[str, bytes]:
    """The snapshot's files by path below `data/`: `offerings` is region -> zone -> type names,
    `price_tables` name -> {source, region, date, applies, prices: {type: price}}, and
    `region_prices` names each region's table. Reproducible: the same input gives the same bytes."""
    ordered = sorted(types, key=lambda t: t.name)
    row = {t.name: index for index, t in enumerate(ordered)}
    documents: dict[str, Any] = {
        TYPES_FILE: {
            "format": FORMAT,
            "date": date,
            "sources": dict(sources),
            "fields": _FIELDS,
            "types": [[getattr(t, name) for name in _FIELDS] for t in ordered],
        }
    }
    for region, zones in sorted(offerings.items()):
        documents[f"{REGIONS_FOLDER}/{region}{_SUFFIX}"] = {
            "region": region,
            "prices": region_prices[region],
            "zones": {
                zone: sorted(row[name] for name in names if name in row) for zone, names in sorted(zones.items())
            },
        }
    for name, table in sorted(price_tables.items()):
        by_type = table["prices"]
        documents[f"{PRICES_FOLDER}/{name}{_SUFFIX}"] = {
            **{key: value for key, value in table.items() if key != "prices"},
            "prices": [by_type.get(t.name) for t in ordered],
        }
    return {path: _compressed(document) for path, document in documents.items()}


def _compressed(document: Any) -> bytes:
    text = json.dumps(document, separators=(",", ":"), sort_keys=False)
    return gzip.compress(text.encode(), compresslevel=9, mtime=0)
