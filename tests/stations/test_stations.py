"""The station directory: loading, kb check of a broken file, ranking, nearest by distance."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.app import check_knowledge
from bot.common.config import ConfigError, load_settings
from bot.common.vocab import CITY, COUNTIES
from bot.stations.directory import (
    Directory,
    Station,
    haversine_km,
    nearest,
    rank,
    read_directory,
    stations_of,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).resolve().parents[1] / "data" / "kb_fixture"


@pytest.fixture(scope="module")
def directory() -> Directory:
    loaded, problems = read_directory(FIXTURE)
    assert problems == [] and loaded is not None
    return loaded


def ids(ranked) -> list[str]:
    return [r.station.id for r in ranked]


# ---- ranking ---------------------------------------------------------------------------------

def test_same_county_stations_come_before_city_level(directory: Directory) -> None:
    ranked = rank(directory, topic="trademark", county="建阳区")
    assert ids(ranked) == ["t_jianyang", "t_window"]
    assert ranked[0].reason("zh") == "办理商标事项；位于建阳区，与您同县（市、区）"
    assert ranked[1].reason("en") == "handles Trademarks; serves firms across Nanping (city-level or above)"


def test_other_counties_are_never_offered(directory: Directory) -> None:
    assert "t_jianyang" not in ids(rank(directory, topic="trademark", county="邵武市"))
    assert ids(rank(directory, topic="trademark", county="邵武市")) == ["t_shaowu_a", "t_shaowu_park", "t_shaowu_tea"]


def test_industry_breaks_the_tie_within_a_county(directory: Directory) -> None:
    ranked = rank(directory, topic="trademark", county="邵武市", industry="tea")
    assert ids(ranked)[0] == "t_shaowu_tea"
    assert "服务茶叶企业" in ranked[0].reason("zh")
    assert "serves tea firms" in ranked[0].reason("en")


def test_park_fit_comes_before_industry_fit(directory: Directory) -> None:
    ranked = rank(directory, topic="trademark", county="邵武市", industry="tea", park="邵武金塘工业园")
    assert ids(ranked) == ["t_shaowu_park", "t_shaowu_tea", "t_shaowu_a"]
    assert "在您所在的邵武金塘工业园" in ranked[0].reason("zh")


def test_county_without_station_falls_back_to_city_level(directory: Directory) -> None:
    ranked = rank(directory, topic="trademark", county="顺昌县")
    assert ids(ranked) == ["t_window"]
    assert "市级或以上" in ranked[0].reason("zh")


def test_unknown_county_offers_city_level_only(directory: Directory) -> None:
    assert ids(rank(directory, topic="trademark")) == ["t_window"]
    assert ids(rank(directory, topic="trademark", county=CITY)) == ["t_window"]


def test_entry_station_types_narrow_the_kinds(directory: Directory) -> None:
    assert ids(rank(directory, topic="trademark", station_types=("trademark_window",), county="邵武市")) == ["t_window"]


def test_topic_picks_kinds_and_prefers_stations_that_handle_it(directory: Directory) -> None:
    assert ids(rank(directory, topic="copyright", county="邵武市")) == ["t_copyright"]
    assert ids(rank(directory, topic="enforcement")) == ["t_rights", "t_bureau"]
    assert ids(rank(directory, topic="patent", county="邵武市")) == ["t_shaowu_zcw", "t_bureau"]


def test_no_station_of_the_kind_falls_back_to_the_city_bureau(directory: Directory) -> None:
    others = tuple(s for s in directory.stations if s.type != "copyright_service")
    ranked = rank(Directory(others, directory.handled_by), topic="copyright", county="邵武市")
    assert ids(ranked) == ["t_bureau"]
    assert ranked[0].reason("zh") == "没有更合适的站点，由市级主管部门受理"


def test_at_most_limit_results(directory: Directory) -> None:
    assert len(rank(directory, topic="trademark", county="邵武市", limit=2)) == 2


def test_park_named_with_or_without_its_county_but_never_by_a_generic_word() -> None:
    parks = Directory((
        Station("a", "甲", "zhichuang_workstation", "邵武市", True, park="邵武金塘工业园"),
        Station("b", "乙", "zhichuang_workstation", "顺昌县", True, park="顺昌工业园"),
        Station("c", "丙", "zhichuang_workstation", "政和县", True, park="政和经济开发区"),
    ))
    assert parks.park_in_text("我们在金塘工业园").id == "a"
    assert parks.park_in_text("顺昌工业园的企业").id == "b"
    assert parks.park_in_text("政和经济开发区有服务点吗").id == "c"
    assert parks.park_in_text("我们在工业园") is None
    assert parks.park_in_text("经济开发区的企业") is None


# ---- nearest ---------------------------------------------------------------------------------

def test_haversine_known_distance() -> None:
    # One degree of latitude is about 111.2 km anywhere.
    assert haversine_km(27.0, 118.0, 28.0, 118.0) == pytest.approx(111.2, abs=0.1)
    assert haversine_km(27.3, 118.1, 27.3, 118.1) == 0.0


def test_location_returns_the_nearest_stations_in_order(directory: Directory) -> None:
    ranked = nearest(directory, 27.34, 117.47)  # next to the 邵武 test stations
    assert ids(ranked) == ["t_shaowu_a", "t_shaowu_tea", "t_shaowu_zcw"]
    distances = [r.distance_km for r in ranked]
    assert distances == sorted(distances) and distances[0] < 3
    assert ranked[0].reason("zh") == f"距您约{distances[0]:.1f}公里"


def test_location_near_jianyang_and_type_filter(directory: Directory) -> None:
    assert ids(nearest(directory, 27.33, 118.12, limit=1))[0] in {"t_window", "t_jianyang"}
    assert ids(nearest(directory, 27.34, 117.47, station_types=("copyright_service", "city_bureau"))) == ["t_bureau"]


def test_stations_without_coordinates_are_skipped(directory: Directory) -> None:
    everything = nearest(directory, 27.34, 117.47, limit=100)
    assert "t_copyright" not in ids(everything)
    assert len(everything) == len(directory.stations) - 1


def test_location_out_of_range_is_an_error(directory: Directory) -> None:
    with pytest.raises(ValueError):
        nearest(directory, 127.3, 117.4)


# ---- kb check --------------------------------------------------------------------------------

def edit_station(kb_dir: Path, station_id: str, **changes) -> None:
    """Change fields of one station of the copied fixture (None deletes the field)."""
    path = kb_dir / "stations.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    station = next(s for s in data["stations"] if s["id"] == station_id)
    for name, value in changes.items():
        if value is None:
            station.pop(name, None)
        else:
            station[name] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def errors(kb_dir: Path) -> list[str]:
    """The station file's errors (the same Problems `kb check` reports)."""
    loaded, problems = read_directory(kb_dir)
    assert loaded is None
    return [str(p) for p in problems if p.severity == "error"]


def test_fixture_directory_is_loaded_into_the_knowledge_base(kb_dir: Path) -> None:
    kb, problems = check_knowledge(kb_dir)
    assert problems == []
    assert len(stations_of(kb).stations) == 9


def test_kb_check_refuses_a_broken_stations_file(kb_dir: Path) -> None:
    edit_station(kb_dir, "t_window", type="bank", lat=95)
    kb, problems = check_knowledge(kb_dir)
    assert kb is None
    assert [str(p) for p in problems] == [
        "knowledge/stations.yaml: t_window: lat/lon: out of range or not numbers: 95, 118.12",
        "knowledge/stations.yaml: t_window: type: unknown station type 'bank'",
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"type": "bank"}, "t_window: type: unknown station type 'bank'"),
        ({"county": "邵武"}, "t_window: county: unknown county '邵武' (write 邵武市)"),
        ({"county": "火星"}, "t_window: county: unknown county '火星' (one of 延平区"),
        ({"lat": 127.33}, "t_window: lat/lon: out of range or not numbers: 127.33, 118.12"),
        ({"lon": -190}, "t_window: lat/lon: out of range"),
        ({"lat": "north"}, "t_window: lat/lon: out of range or not numbers"),
        ({"lon": None}, "t_window: lat/lon: give both or neither"),
        ({"topics": ["weather"]}, "t_window: topics: unknown topic 'weather'"),
        ({"topics": "trademark"}, "t_window: topics: must be a list of strings"),
        ({"industries": ["steel"]}, "t_window: industries: unknown industry 'steel'"),
        ({"sample": None}, "t_window: sample: missing or not true/false"),
        ({"sample": "yes"}, "t_window: sample: missing or not true/false"),
        ({"name": ""}, "t_window: name: missing"),
        ({"id": "T Window"}, "T Window: id: missing, or not lower-case letters"),
        ({"adress": "测试路"}, "t_window: adress: unknown field"),
        ({"phone": ["0599"]}, "t_window: phone: must be text"),
    ],
)
def test_each_station_rule_names_file_station_and_field(kb_dir: Path, changes: dict, expected: str) -> None:
    edit_station(kb_dir, "t_window", **changes)
    found = errors(kb_dir)
    assert any(m.startswith("knowledge/stations.yaml: ") and expected in m for m in found), found


def test_duplicate_station_id(kb_dir: Path) -> None:
    edit_station(kb_dir, "t_bureau", id="t_window")
    assert "knowledge/stations.yaml: t_window: id: duplicate id" in errors(kb_dir)


def test_station_type_without_a_handler(kb_dir: Path) -> None:
    path = kb_dir / "stations.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["handled_by"]["copyright_service"]
    data["handled_by"]["bank"] = {"zh": "银行", "en": "bank"}
    data["handled_by"]["city_bureau"] = {"zh": "只有中文"}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    found = errors(kb_dir)
    assert "knowledge/stations.yaml: handled_by: copyright_service: missing: name who handles this type" in found
    assert "knowledge/stations.yaml: handled_by: bank: unknown station type" in found
    assert "knowledge/stations.yaml: handled_by: city_bureau: needs zh and en names" in found


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("stations: [unclosed\n", "knowledge/stations.yaml: -: file: cannot read"),
        ("- just a list\n", "knowledge/stations.yaml: -: file: must be a mapping with `handled_by` and `stations`"),
        ("handled_by: {}\nstations: {t: 1}\n", "knowledge/stations.yaml: -: stations: must be a list of stations"),
        ("handled_by: {}\nstations: [just text]\n", "knowledge/stations.yaml: #1: station: not a mapping"),
    ],
)
def test_broken_file_shapes(kb_dir: Path, content: str, expected: str) -> None:
    (kb_dir / "stations.yaml").write_text(content, encoding="utf-8")
    assert any(m.startswith(expected) for m in errors(kb_dir)), errors(kb_dir)


def test_empty_contacts_warn_but_do_not_block(kb_dir: Path) -> None:
    edit_station(kb_dir, "t_window", address="", phone=None, hours=None)
    kb, problems = check_knowledge(kb_dir)
    assert kb is not None
    assert [(p.severity, str(p)) for p in problems] == [(
        "warning",
        "warning: knowledge/stations.yaml: t_window: contact: address, phone, hours not published "
        "(the bot says so and names the body that handles it)",
    )]
    assert stations_of(kb).stations[0].missing_contacts == ("address", "phone", "hours")


def test_without_a_stations_file_the_directory_is_empty(kb_dir: Path) -> None:
    (kb_dir / "stations.yaml").unlink()
    kb, problems = check_knowledge(kb_dir)
    assert kb is not None and problems == [] and not stations_of(kb)


# ---- the shipped sample directory ------------------------------------------------------------

def test_shipped_directory_covers_every_county_and_is_marked_sample() -> None:
    shipped, problems = read_directory(ROOT / "knowledge")
    assert shipped is not None, problems
    assert {p.severity for p in problems} <= {"warning"}
    assert set(COUNTIES) <= {s.county for s in shipped.stations if s.type == "trademark_brand_station"}
    assert all(s.sample for s in shipped.stations)
    placeholders = [s for s in shipped.stations if s.county != CITY]
    assert all(s.name.endswith("（示例）") for s in placeholders)
    # Nothing the sources do not confirm: no coordinates, and the only contact is the 12315 hotline.
    assert not any(s.located for s in shipped.stations)
    assert [(s.id, s.phone) for s in shipped.stations if s.address or s.phone or s.hours] == [("national_12315", "12315")]


# ---- settings --------------------------------------------------------------------------------

def test_max_results_setting(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("stations:\n  max_results: 2\n", encoding="utf-8")
    assert load_settings(config, environ={}).stations.max_results == 2
    for bad in ("0", "eleven", "true"):
        config.write_text(f"stations:\n  max_results: {bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match="stations.max_results must be a whole number from 1 to 10"):
            load_settings(config, environ={})
    config.write_text("stations:\n  max_result: 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown stations settings"):
        load_settings(config, environ={})
