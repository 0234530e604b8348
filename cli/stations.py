"""`run_bot.py stations`: the service-station directory, or the stations the bot would recommend."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

from bot.common.config import Settings


class QueryError(ValueError):
    """An option value the directory cannot use; the message is one line."""


def _county(value: str | None) -> str | None:
    from bot.common.vocab import CITY, COUNTIES, canonical_county

    if value is None:
        return None
    county = canonical_county(value)
    if county is None:
        counties = ", ".join((*COUNTIES, CITY))
        raise QueryError(f"unknown county '{value}' (one of {counties}; short forms like 邵武 work)")
    return county


def topic_argument(value: str) -> str:
    """--topic as /station takes it: a title (商标, Trademarks) or a code (trademark)."""
    from bot.firms.onboarding import topic_named
    from bot.stations.referrals import STATION_TOPICS

    topic = topic_named(value)
    if topic not in STATION_TOPICS:
        codes = ", ".join(STATION_TOPICS)
        raise argparse.ArgumentTypeError(
            f"unknown topic '{value}' (a title such as 商标 or Trademarks, or a code: {codes})")
    return topic


def _position(value: str | None) -> tuple[float, float] | None:
    from bot.stations.directory import valid_coordinates

    if value is None:
        return None
    try:
        lat, lon = (float(part) for part in value.split(","))
    except ValueError:
        raise QueryError(f"--near takes LAT,LON in degrees, e.g. 27.34,117.47 (got '{value}')") from None
    if not valid_coordinates(lat, lon):
        raise QueryError(f"--near: {value} is not a position on Earth")
    return lat, lon


def _choose(args: argparse.Namespace, directory: Any, limit: int) -> list[Any]:
    """The whole directory without a query; else the ranked (or nearest) stations with reasons."""
    from bot.stations.directory import Ranked, nearest, rank, types_for_topic

    county, position = _county(args.county), _position(args.near)
    park = None
    if args.park:
        in_park = directory.park_in_text(args.park)
        if in_park is None:
            raise QueryError(f"no station lists the park '{args.park}'")
        park, county = in_park.park, county or in_park.county
    if position:
        types = types_for_topic(args.topic) if args.topic else ()
        return nearest(directory, *position, station_types=types, limit=limit)
    if not (county or args.topic or args.industry or park):
        return [Ranked(station, ()) for station in directory.stations]
    return rank(directory, topic=args.topic, county=county, industry=args.industry, park=park, limit=limit)


def _as_json(ranked: Any) -> dict[str, Any]:
    row = asdict(ranked.station)
    row["industries"], row["topics"] = list(row["industries"]), list(row["topics"])
    if ranked.reasons:
        row["reason"] = {"zh": ranked.reason("zh"), "en": ranked.reason("en")}
    if ranked.distance_km is not None:
        row["distance_km"] = ranked.distance_km
    return row


def cmd_stations(args: argparse.Namespace, settings: Settings) -> int:
    """List the service stations, or rank them for a county, topic, industry, park or position."""
    from bot.stations.directory import read_directory
    from bot.stations.referrals import station_lines

    directory, problems = read_directory(settings.knowledge_dir)
    errors = [p for p in problems if p.severity == "error"]
    if errors or directory is None:
        for problem in errors:
            print(problem, file=sys.stderr)
        path = settings.knowledge_dir / "stations.yaml"
        print(f"stations: no usable {path} (run: python run_bot.py kb check)", file=sys.stderr)
        return 1
    try:
        chosen = _choose(args, directory, args.limit or settings.stations.max_results)
    except QueryError as exc:
        print(f"stations: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([_as_json(r) for r in chosen], ensure_ascii=False, indent=1))
        return 0
    for item in chosen:
        station = item.station
        flags = " · sample" if station.sample else ""
        print(f"{station.id} · {station.county} · {station.type}{flags}")
        print("\n".join(station_lines(item, args.lang)))
    if not chosen:
        print("stations: no station fits (stations without coordinates are skipped by --near)")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `stations` subcommand."""
    from bot.common.vocab import INDUSTRIES

    stations = commands.add_parser("stations", help=cmd_stations.__doc__)
    stations.add_argument("--county", help="county as people write it (邵武, 邵武市, Shaowu) or 'city'")
    stations.add_argument("--topic", type=topic_argument,
                          help="the IP topic, as /station takes it (商标, Trademarks, trademark)")
    stations.add_argument("--industry", choices=INDUSTRIES, help="the firm's industry (tie-break)")
    stations.add_argument("--park", help="the firm's industrial park (邵武金塘工业园 or 金塘工业园)")
    stations.add_argument("--near", metavar="LAT,LON", help="rank by distance from this position instead")
    stations.add_argument("--limit", type=int, choices=range(1, 11), metavar="N", help="at most N stations")
    stations.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the reasons")
    stations.add_argument("--json", action="store_true", help="print a JSON list of stations")
    stations.set_defaults(run=cmd_stations)
