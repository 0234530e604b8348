"""Encrypted WeCom messages per second through the callback server, beside the Engine's own rate.

    python bench/wecom_callback.py [--messages 1000] [--rounds 3] [--kb DIR] [--concurrency 8] [--synchronous normal]
    python bench/wecom_callback.py --hostile-only


Each message is a signed, AES-encrypted text (questions from tests/data/dev_questions.yaml, spread
over 50 users) answered with an encrypted passive reply. Requests are prepared before the clock
starts (that work is WeCom's); the server side counts everything: XML, signature, decryption,
MsgId de-duplication (SQLite), the Engine with its event write, encryption of the reply. Rows:
the Engine alone, the crypto alone, the app in-process (called as an ASGI server calls it: no HTTP client), and uvicorn on
127.0.0.1 in a separate process (one connection, then --concurrency connections). The Engine alone
and the app in-process run alternately for --rounds rounds (medians): the callback's rate is shown
as a ratio to the Engine's (issue 16's target: ≥ 0.6), with the write transactions and SQL
statements one message costs on each path (target: at most one transaction).
Every commit waits for the disk (WAL, synchronous=FULL by default); `--synchronous normal` shows
the rates with SQLite's PRAGMA synchronous=NORMAL on the bench's databases.
A second table shows what hostile bodies without credentials (tests/wecom_fake.py: billion laughs in
UTF-8 and UTF-16 …) cost: before, the event-loop time of parsing them with xml.etree as the old
callback did; now, the time to refuse them, beside one normal signed message.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import shutil
import socket
import statistics
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.answering.engine import Engine  # noqa: E402
from bot.answering.evaluate import percentile  # noqa: E402
from bot.answering.ports import Message  # noqa: E402
from bot.app import build_services, load_knowledge, open_db  # noqa: E402
from bot.common.clock import SystemClock  # noqa: E402
from bot.common.config import load_settings  # noqa: E402
from bot.common.settings_channels import WeComSettings  # noqa: E402
from handlers.wecom.config import WeComCredentials  # noqa: E402
from handlers.wecom.crypto import WeComCrypto  # noqa: E402
from handlers.wecom.messages import parse_fields  # noqa: E402
from handlers.wecom.server import build_app  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
from sql_trace import traced  # noqa: E402
from wecom_fake import hostile_bodies  # noqa: E402

CREDENTIALS = WeComCredentials("ww_bench_corp", 1000002, "benchtoken",
                               "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "bench-secret")
FIXTURE_KB = ROOT / "tests" / "data" / "kb_fixture"
USERS = 50
PATH = "/wecom/callback"


def knowledge_dir(requested: str | None, workdir: Path) -> Path:
    """The knowledge base to serve: --kb, else the fixture (with the real synonyms) copied aside."""
    if requested:
        return Path(requested)
    target = workdir / "knowledge"
    shutil.copytree(FIXTURE_KB, target)
    shutil.copy(ROOT / "knowledge" / "synonyms.yaml", target / "synonyms.yaml")
    return target


def questions() -> list[str]:
    data = yaml.safe_load((ROOT / "tests" / "data" / "dev_questions.yaml").read_text(encoding="utf-8"))
    return [item["text"] for item in data]


def make_engine(kb_dir: Path, db_path: Path, synchronous: str) -> Engine:
    settings = replace(load_settings(ROOT / "config.yaml", environ={}), knowledge_dir=kb_dir, db_path=db_path)
    db = open_db(db_path)
    db.execute(f"PRAGMA synchronous = {synchronous}")
    return Engine(load_knowledge(kb_dir), settings, db, SystemClock())


def make_app(kb_dir: Path, db_path: Path, synchronous: str):
    return make_app_on(make_engine(kb_dir, db_path, synchronous))


def make_app_on(engine: Engine):
    no_network = httpx.MockTransport(lambda request: httpx.Response(503))
    app, _ = build_app(build_services(engine.settings, SystemClock(), engine=engine), CREDENTIALS,
                       WeComSettings(path=PATH), no_network)
    return app


def signed_requests(texts: list[str], count: int, run: str) -> list[tuple[dict, bytes]]:
    """`count` (query params, body) pairs as WeCom would POST them, with MsgIds unique to the run, from the
    same USERS users as the Engine alone's messages (after the warm-up, none is a first contact)."""
    crypto = WeComCrypto(CREDENTIALS.token, CREDENTIALS.encoding_aes_key, CREDENTIALS.corp_id)
    made = []
    for n in range(count):
        now = str(int(time.time()))
        inner = (f"<xml><ToUserName><![CDATA[{CREDENTIALS.corp_id}]]></ToUserName>"
                 f"<FromUserName><![CDATA[user{n % USERS}]]></FromUserName><CreateTime>{now}</CreateTime>"
                 f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{texts[n % len(texts)]}]]></Content>"
                 f"<MsgId>{run}{n}</MsgId><AgentID>1000002</AgentID></xml>")
        encrypted = crypto.encrypt(inner)
        params = {"msg_signature": crypto.sign(now, str(n), encrypted), "timestamp": now, "nonce": str(n)}
        made.append((params, f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()))
    return made


def row(name: str, latencies: list[float], seconds: float) -> str:
    count = len(latencies)
    return (f"| {name} | {count} | {seconds:.2f} | {count / seconds:,.0f} | "
            f"{percentile(latencies, 50) * 1000:.2f} | {percentile(latencies, 99) * 1000:.2f} |")


def engine_round(engine: Engine, texts: list[str], count: int) -> tuple[list[float], float]:
    """`count` messages through Engine.handle: (latencies, seconds)."""
    latencies = []
    started = time.perf_counter()
    for n in range(count):
        t = time.perf_counter()
        engine.handle(Message("wecom", f"user{n % USERS}", texts[n % len(texts)]))
        latencies.append(time.perf_counter() - t)
    return latencies, time.perf_counter() - started


async def asgi_post(app, params: dict, body: bytes) -> tuple[int, bytes]:
    """POST to the ASGI app as a server would hand it a request (no HTTP client: that work is WeCom's);
    returns the status and the body."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": PATH, "raw_path": PATH.encode(), "root_path": "", "query_string": urlencode(params).encode(),
        "headers": [(b"host", b"bench"), (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 40000), "server": ("bench", 80),
    }
    messages = iter([{"type": "http.request", "body": body, "more_body": False}])
    status, chunks = 0, []

    async def receive() -> dict:
        return next(messages, {"type": "http.disconnect"})

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def callback_round(app, requests: list[tuple[dict, bytes]]) -> tuple[list[float], float]:
    """The signed requests through the app in-process, one after another: (latencies, seconds)."""
    latencies = []
    started = time.perf_counter()
    for params, body in requests:
        t = time.perf_counter()
        status, content = await asgi_post(app, params, body)
        latencies.append(time.perf_counter() - t)
        assert status == 200 and b"<Encrypt>" in content, content
    return latencies, time.perf_counter() - started


def median_rate(rounds: list[tuple[list[float], float]]) -> float:
    return statistics.median(len(latencies) / seconds for latencies, seconds in rounds)


def median_row(name: str, rounds: list[tuple[list[float], float]], ratio: str) -> str:
    """The median rate of the rounds, the latencies of all of them, and the ratio given."""
    latencies = [latency for round_latencies, _ in rounds for latency in round_latencies]
    rate = median_rate(rounds)
    return (f"| {name} | {len(rounds)} × {len(rounds[0][0])} | {rate:,.0f} | {1000 / rate:.2f} | "
            f"{percentile(latencies, 50) * 1000:.2f} | {percentile(latencies, 99) * 1000:.2f} | {ratio} |")


async def bench_against_engine(kb_dir: Path, workdir: Path, texts: list[str], count: int, rounds: int,
                               synchronous: str) -> list[str]:
    """The Engine alone and the callback in-process in alternating rounds (each its own database file):
    the table of both, then the write transactions and statements per message of each."""
    engine = make_engine(kb_dir, workdir / "engine.db", synchronous)
    app_engine = make_engine(kb_dir, workdir / "asgi.db", synchronous)
    engine_rounds, callback_rounds = [], []
    app = make_app_on(app_engine)
    engine_round(engine, texts, USERS)  # warm-up: every user's first contact
    await callback_round(app, signed_requests(texts, USERS, "w"))
    for number in range(rounds):  # alternating, so a busy machine slows both alike
        requests = signed_requests(texts, count, f"a{number}_")
        engine_rounds.append(engine_round(engine, texts, count))
        callback_rounds.append(await callback_round(app, requests))
    counted = min(count, 200)
    with traced(engine.db) as engine_costs:
        engine_round(engine, texts, counted)
    requests = signed_requests(texts, counted, "count")
    with traced(app_engine.db) as callback_costs:
        await callback_round(app, requests)
    ratio = median_rate(callback_rounds) / median_rate(engine_rounds)
    return [
        "| path | rounds × messages | msg/s (median) | ms per message | p50 ms | p99 ms | × Engine alone |",
        "|---|---|---|---|---|---|---|",
        median_row("Engine.handle alone (SQLite file, WAL)", engine_rounds, "1"),
        median_row("callback in-process (the ASGI app, no HTTP client)", callback_rounds, f"{ratio:.2f} (target ≥ 0.6)"),
        "",
        f"per message, {counted} messages counted: Engine alone {engine_costs.commits / counted:.2f} write "
        f"transactions, {len(engine_costs.statements) / counted:.1f} SQL statements; callback "
        f"{callback_costs.commits / counted:.2f} write transactions (target ≤ 1), "
        f"{len(callback_costs.statements) / counted:.1f} SQL statements",
    ]


def bench_crypto(texts: list[str], count: int) -> str:
    crypto = WeComCrypto(CREDENTIALS.token, CREDENTIALS.encoding_aes_key, CREDENTIALS.corp_id)
    requests = signed_requests(texts, count, "c")
    latencies = []
    started = time.perf_counter()
    for params, body in requests:
        t = time.perf_counter()
        encrypted = parse_fields(body)["Encrypt"]
        crypto.open(params["msg_signature"], params["timestamp"], params["nonce"], encrypted)
        crypto.seal("<xml><Content><![CDATA[" + "答" * 200 + "]]></Content></xml>", params["timestamp"], "1")
        latencies.append(time.perf_counter() - t)
    return row("crypto alone (verify + decrypt + encrypt a 600-byte reply)", latencies, time.perf_counter() - started)


def old_parse_seconds(body: bytes) -> float:
    """What parsing `body` with xml.etree cost the old callback (its DOCTYPE search missed UTF-16)."""
    started = time.perf_counter()
    try:
        ET.fromstring(body)
    except (ET.ParseError, LookupError, ValueError):
        pass
    return time.perf_counter() - started


async def bench_hostile(kb_dir: Path, workdir: Path, texts: list[str], synchronous: str, repeat: int = 20) -> list[str]:
    """Per hostile body: the old parse time and today's refusal time (median of `repeat`), and a normal message."""
    app = make_app(kb_dir, workdir / "hostile.db", synchronous)
    logging.getLogger("handlers.wecom.server").setLevel(logging.ERROR)  # one refusal line per request
    params = {"msg_signature": "0" * 40, "timestamp": str(int(time.time())), "nonce": "1"}
    lines = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:
        async def timed(query: dict, body: bytes) -> tuple[float, int]:
            started = time.perf_counter()
            response = await http.post(PATH, params=query, content=body)
            return time.perf_counter() - started, response.status_code

        for name, body in hostile_bodies().items():
            before = percentile([old_parse_seconds(body) for _ in range(3)], 50)
            runs = [await timed(params, body) for _ in range(repeat)]
            now = percentile([seconds for seconds, _ in runs], 50)
            lines.append(f"| {name} | {len(body):,} | {before * 1000:.2f} | {now * 1000:.2f} | {runs[0][1]} |")
        normal = [await timed(*request) for request in signed_requests(texts, repeat, "h")]
        seconds = percentile([s for s, _ in normal], 50)
        lines.append(f"| normal signed question (for comparison) | {len(signed_requests(texts, 1, 'x')[0][1]):,} "
                     f"| – | {seconds * 1000:.2f} | {normal[0][1]} |")
    return lines


def serve(kb_dir: Path, db_path: Path, port: int, synchronous: str) -> None:
    """Child process: the callback app on uvicorn, 127.0.0.1:port."""
    import uvicorn

    uvicorn.run(make_app(kb_dir, db_path, synchronous), host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def bench_uvicorn(port: int, texts: list[str], count: int, concurrency: int, run: str) -> tuple[list[float], float]:
    requests = signed_requests(texts, count, run)
    latencies: list[float] = []
    queue = iter(requests)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits) as http:
        async def worker() -> None:
            for params, body in queue:
                t = time.perf_counter()
                response = await http.post(PATH, params=params, content=body)
                latencies.append(time.perf_counter() - t)
                assert response.status_code == 200, response.text

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).text == "ok":
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("the uvicorn server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--kb", help="knowledge directory (default: the test fixture base)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--synchronous", choices=("full", "normal"), default="full",
                        help="SQLite PRAGMA synchronous for the bench databases (the bot uses the default, full)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of the Engine and the callback")
    parser.add_argument("--hostile-only", action="store_true", help="only the hostile-bodies table")
    parser.add_argument("--ratio-only", action="store_true", help="only the callback against the Engine alone")
    args = parser.parse_args()
    texts = questions()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        kb_dir = knowledge_dir(args.kb, workdir)
        entries = len(load_knowledge(kb_dir).entries)
        sync = args.synchronous
        print(f"knowledge base: {args.kb or 'tests/data/kb_fixture'} ({entries} entries); "
              f"{len(texts)} distinct questions, {USERS} users; SQLite synchronous={args.synchronous}")
        if not args.ratio_only:
            print_hostile(asyncio.run(bench_hostile(kb_dir, workdir, texts, sync)))
        if args.hostile_only:
            return
        print()
        print("\n".join(asyncio.run(bench_against_engine(kb_dir, workdir, texts, args.messages, args.rounds, sync))))
        if args.ratio_only:
            return
        rows = [bench_crypto(texts, args.messages), *bench_http(kb_dir, workdir, texts, args.messages, args.concurrency, sync)]
    print()
    print(f"{args.messages} messages per row")
    print("| path | messages | seconds | msg/s | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|")
    for line in rows:
        print(line)


def print_hostile(lines: list[str]) -> None:
    print("Hostile bodies (no credentials) at the callback, median ms on the event loop:")
    print("| body | bytes | before: xml.etree parse ms (old code: UTF-16 only) | now: refused in ms | status now |")
    print("|---|---|---|---|---|")
    print("\n".join(lines))


def bench_http(kb_dir: Path, workdir: Path, texts: list[str], count: int, concurrency: int, sync: str) -> list[str]:
    """The callback on uvicorn in another process: one connection, then `concurrency`."""
    port = free_port()
    server = multiprocessing.get_context("spawn").Process(
        target=serve, args=(kb_dir, workdir / "uvicorn.db", port, sync), daemon=True)
    server.start()
    rows = []
    try:
        wait_until_up(port)
        for connections in (1, concurrency):
            latencies, seconds = asyncio.run(bench_uvicorn(port, texts, count, connections, f"u{connections}"))
            rows.append(row(f"callback over HTTP (uvicorn 127.0.0.1, {connections} connection(s))", latencies, seconds))
    finally:
        server.terminate()
        server.join(10)
    return rows

if __name__ == "__main__":
    main()
