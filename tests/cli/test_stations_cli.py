"""`run_bot.py stations`: the directory, ranked recommendations, --json, errors."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from run_bot import main


@pytest.fixture
def run(settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """Run `run_bot.py stations …` on the fixture base; returns (exit code, stdout, stderr)."""

    def invoke(*args: str) -> tuple[int, str, str]:
        code = main(["--config", str(tmp_path / "config.yaml"), "stations", *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


def test_without_options_lists_the_whole_directory(run, settings) -> None:
    code, out, _ = run()
    assert code == 0
    headers = [line for line in out.splitlines() if " · " in line and not line.startswith("·")]
    assert len(headers) == 9
    assert headers[0] == "t_window · city · trademark_window · sample"
    assert "推荐理由" not in out
    assert not settings.db_path.exists()  # the command records nothing


def test_county_short_form_and_topic_give_ranked_reasons(run) -> None:
    code, out, _ = run("--county", "建阳", "--topic", "trademark")
    assert code == 0
    assert out.splitlines()[:3] == [
        "t_jianyang · 建阳区 · trademark_brand_station · sample",
        "· 测试建阳指导站（商标品牌指导站）",
        "  推荐理由：办理商标事项；位于建阳区，与您同县（市、区）",
    ]
    assert "t_window · city · trademark_window · sample" in out


def test_json_with_industry_park_and_english_reasons(run) -> None:
    code, out, _ = run("--county", "Shaowu", "--topic", "trademark", "--industry", "tea",
                       "--park", "金塘工业园", "--json", "--limit", "2")
    assert code == 0
    rows = json.loads(out)
    assert [r["id"] for r in rows] == ["t_shaowu_park", "t_shaowu_tea"]
    assert rows[0]["reason"]["en"] == "handles Trademarks; in 邵武市, your county; in your park, 邵武金塘工业园"
    assert rows[1]["reason"]["zh"] == "办理商标事项；位于邵武市，与您同县（市、区）；服务茶叶企业"
    assert set(rows[0]) >= {"id", "name", "type", "county", "park", "industries", "topics", "address", "phone",
                            "hours", "lat", "lon", "sample"}


def test_near_ranks_by_distance(run) -> None:
    code, out, _ = run("--near", "27.34,117.47", "--json")
    rows = json.loads(out)
    assert code == 0 and [r["id"] for r in rows] == ["t_shaowu_a", "t_shaowu_tea", "t_shaowu_zcw"]
    assert rows[0]["distance_km"] < rows[1]["distance_km"] < rows[2]["distance_km"]
    assert rows[0]["reason"]["zh"].startswith("距您约")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--county", "火星"], "stations: unknown county '火星' (one of 延平区"),
        (["--near", "north"], "stations: --near takes LAT,LON in degrees"),
        (["--near", "95,117"], "stations: --near: 95,117 is not a position on Earth"),
        (["--park", "月球园区"], "stations: no station lists the park '月球园区'"),
    ],
)
def test_bad_options_are_one_line_errors(run, args: list[str], message: str) -> None:
    code, out, err = run(*args)
    assert code == 2 and out == ""
    assert err.startswith(message) and len(err.strip().splitlines()) == 1


def test_broken_stations_file_prints_its_problems(run, kb_dir: Path) -> None:
    path = kb_dir / "stations.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("type: city_bureau", "type: bank"), encoding="utf-8")
    code, _, err = run()
    assert code == 1
    assert "knowledge/stations.yaml: t_bureau: type: unknown station type 'bank'" in err


def test_missing_stations_file(run, kb_dir: Path) -> None:
    (kb_dir / "stations.yaml").unlink()
    code, _, err = run()
    assert code == 1 and "stations: no usable" in err


@pytest.mark.parametrize("named", ["商标", "Trademarks", "TRADEMARK"])
def test_topic_is_named_as_station_takes_it(run, named: str) -> None:
    """`stations --topic 商标` reads the topic with the same parser as `/station 商标`."""
    assert run("--county", "建阳", "--topic", named) == run("--county", "建阳", "--topic", "trademark")


def test_an_unknown_topic_says_how_topics_are_named(run, capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        run("--topic", "天气")
    assert stopped.value.code == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.endswith(
        "argument --topic: unknown topic '天气' (a title such as 商标 or Trademarks, or a code: trademark, "
        "pledge_financing, open_license, geographical_indication, copyright, patent, patent_dense_product, "
        "insurance, enforcement, policy)"), error
