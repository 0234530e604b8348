"""知识版本 (knowledge versions, docs/knowledge-versions.md): the published versions with their changes,
each one's workbook, an uploaded workbook's or a restore's or a specialist's draft's changes entry by entry
with kb check's messages, and publishing them. A preview waits on the server under a token (never a tree
re-posted by the form) for the account that made it; publishing it switches the console's own Engine
(and so 试问) at once, the channels within their polling interval."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.responses import Response

from bot.app import Preview, preview_tree, publish, reload_knowledge, restore_preview, served_tree
from bot.knowledge.drafts import DRAFTS_DIR, draft_files, summarize_drafts
from bot.knowledge.tree import (
    ADDED,
    CHANGED,
    ENTRY,
    FACT,
    FILE,
    LEXICON,
    REMOVED,
    Tree,
    canonical_entry,
    dump_faq,
    faq_path,
    parsed,
)
from bot.knowledge.versions import KnowledgeVersions
from bot.knowledge.workbook import WORKBOOK, export_workbook, tree_from_workbook
from web.accounts import BUREAU
from web.app import Console, Context, guarded, redirect, refused, render, route
from web.bureau import XLSX, attachment
from web.specialist import local_time

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # the whole knowledge base's workbook is a few hundred KB
PENDING_HOURS = 2  # a preview not published within this long is forgotten (upload it again)
MAX_PENDING = 50
NOTE_CHARS = 200
KINDS = {ENTRY: "条目", FACT: "事实", LEXICON: "同义词", FILE: "文件"}
ACTIONS = {ADDED: "新增", REMOVED: "删除", CHANGED: "修改"}


@dataclass(frozen=True)
class Pending:
    """A preview waiting to be published: whose it is, what it is (for the page) and when it was made."""

    owner: str
    preview: Preview
    made: datetime
    what: str  # 上传的工作簿 x.xlsx / 恢复版本 3 / 草稿 ticket_12
    note: str = ""
    restored_from: int | None = None


def may_curate(ctx: Context) -> bool:
    """The bureau, and specialists still configured as such (config.yaml specialists), as for `kb import --author`."""
    staff = ctx.me.staff
    if ctx.me.role == BUREAU:
        return True
    return staff is not None and ctx.console.settings.specialists.is_specialist(staff.channel, staff.user_id)


def author_of(ctx: Context) -> str:
    """Who publishes: a specialist by their chat identity (as the desks audit them), the bureau as web:<name>."""
    staff = ctx.me.staff
    return staff.key if staff is not None and ctx.me.role != BUREAU else f"web:{ctx.me.name}"


# ---- pending previews -----------------------------------------------------------------------------------

def remember(console: Console, pending: Pending) -> str:
    """Keep a preview for publishing under a new token (expired ones, and the oldest beyond the bound, dropped)."""
    now = console.clock.now()
    for token in [t for t, p in console.pending.items() if now - p.made > timedelta(hours=PENDING_HOURS)]:
        del console.pending[token]
    while len(console.pending) >= MAX_PENDING:
        del console.pending[next(iter(console.pending))]
    token = secrets.token_urlsafe(18)
    console.pending[token] = pending
    return token


def pending_of(ctx: Context, token: str) -> Pending | None:
    """The account's own preview under `token`, while it has not expired."""
    pending = ctx.console.pending.get(token)
    if pending is None or pending.owner != ctx.me.name:
        return None
    if ctx.console.clock.now() - pending.made > timedelta(hours=PENDING_HOURS):
        return None
    return pending


def preview_page(ctx: Context, token: str, pending: Pending, note: str = "", status: int = 200) -> Response:
    preview = pending.preview
    warnings = [p for p in preview.problems if p.severity != "error"]
    return render(ctx, "kb_preview.html", status_code=status, token=token, pending=pending, preview=preview,
                  errors=[str(p) for p in preview.errors], warnings=[str(p) for p in warnings], note=note,
                  kinds=KINDS, actions=ACTIONS)


def previewed(ctx: Context, preview: Preview, what: str, note: str = "", restored_from: int | None = None) -> Response:
    pending = Pending(ctx.me.name, preview, ctx.console.clock.now(), what, note, restored_from)
    return preview_page(ctx, remember(ctx.console, pending), pending)


# ---- the pages --------------------------------------------------------------------------------------------

def draft_rows(ctx: Context) -> list[dict[str, Any]]:
    """The specialists' drafts (knowledge/drafts/): file name, entry, topic, problems, already live or not."""
    console = ctx.console
    root = console.settings.knowledge_dir
    served = console.engine.kb.entries
    return [{"name": Path(d.file).stem, "id": d.id, "title": d.title, "topic": d.topic, "problems": d.problems,
             "live": d.id in served} for d in summarize_drafts(root, console.engine.kb)]


def versions_view(ctx: Context, done: str = "", status: int = 200) -> Response:
    console = ctx.console
    rows = [{"number": v.number, "time": local_time(v.published_at), "author": v.author, "note": v.note,
             "changes": len(v.changes), "restored_from": v.restored_from}
            for v in KnowledgeVersions(console.db).versions()]
    return render(ctx, "versions.html", status_code=status, versions=rows, served=console.engine.kb.version,
                  drafts=draft_rows(ctx), curate=may_curate(ctx), done=done)


@guarded()
async def versions_page(ctx: Context) -> Response:
    published = ctx.request.query_params.get("published", "")
    done = ""
    if published.isdigit():
        done = f"已发布版本 {published}。试问与本控制台已使用新版本；各渠道在 {ctx.console.settings.knowledge.poll_seconds:g} 秒内切换。"
    return versions_view(ctx, done)


def workbook_name(number: int | None) -> str:
    return f"knowledge_v{number}.xlsx" if number is not None else "knowledge.xlsx"


@guarded()
async def download_served(ctx: Context) -> Response:
    number, tree = served_tree(ctx.console.settings, ctx.console.db)
    return attachment(export_workbook(tree), XLSX, workbook_name(number))


@guarded()
async def download_version(ctx: Context) -> Response:
    number = ctx.request.path_params["number"]
    tree = KnowledgeVersions(ctx.console.db).tree(number)
    if not tree:
        return refused(ctx, 404, f"没有版本 {number}。")
    return attachment(export_workbook(tree), XLSX, workbook_name(number))


@guarded()
async def download_pending(ctx: Context) -> Response:
    """A preview's tree as a workbook (a draft merged with what kb check still asks for: edit, upload again)."""
    pending = pending_of(ctx, ctx.request.path_params["token"])
    if pending is None:
        return refused(ctx, 404, "预览已过期或不存在。")
    return attachment(export_workbook(pending.preview.tree), XLSX, "knowledge_preview.xlsx")


def curator_refusal(ctx: Context) -> Response | None:
    if may_curate(ctx):
        return None
    return refused(ctx, 403, "您的账户不能修改知识库（需为局方，或 config.yaml 中配置的专员）。")


@guarded(upload=MAX_UPLOAD_BYTES)
async def upload(ctx: Context) -> Response:
    if (refusal := curator_refusal(ctx)) is not None:
        return refusal
    data = ctx.files.get("workbook")
    if not data:
        return versions_view(ctx, "请选择一个 .xlsx 工作簿再上传。", status=400)
    settings, db = ctx.console.settings, ctx.console.db
    tree, problems = tree_from_workbook(data, served_tree(settings, db)[1])
    return previewed(ctx, preview_tree(settings, db, tree, problems), "上传的工作簿", ctx.form.get("note", ""))


@guarded()
async def restore(ctx: Context) -> Response:
    if (refusal := curator_refusal(ctx)) is not None:
        return refusal
    number = ctx.request.path_params["number"]
    preview = restore_preview(ctx.console.settings, ctx.console.db, number)
    if preview is None:
        return refused(ctx, 404, f"没有版本 {number}。")
    return previewed(ctx, preview, f"恢复版本 {number}", f"恢复版本 {number}", restored_from=number)


def with_draft(tree: Tree, draft: Path) -> Tree | None:
    """The tree with the draft file's entries added to their topic's faq/<topic>.yaml (without `draft: true`);
    None when the draft is not a list of entries with a topic."""
    data = parsed(draft.read_text(encoding="utf-8"))
    entries = [canonical_entry(raw) for raw in data] if isinstance(data, list) else []
    if not entries or not all(isinstance(e.get("topic"), str) and e["topic"].isidentifier() for e in entries):
        return None
    merged = dict(tree)
    for entry in entries:
        path = faq_path(entry["topic"])
        before = merged.get(path, "").rstrip("\n")
        merged[path] = (before + "\n" if before else "") + dump_faq([entry])  # the file's comments kept
    return merged


@guarded()
async def merge_draft(ctx: Context) -> Response:
    if (refusal := curator_refusal(ctx)) is not None:
        return refusal
    settings, db = ctx.console.settings, ctx.console.db
    name = ctx.request.path_params["name"]
    draft = next((p for p in draft_files(settings.knowledge_dir) if p.stem == name), None)
    if draft is None:
        return refused(ctx, 404, "没有这个草稿。")
    tree = with_draft(served_tree(settings, db)[1], draft)
    if tree is None:
        return versions_view(ctx, f"草稿 {name} 不是带主题（topic）的条目列表，请先修改 {DRAFTS_DIR}/{draft.name}。", status=400)
    return previewed(ctx, preview_tree(settings, db, tree), f"草稿 {name}", f"草稿 {name}（工单答复）")


@guarded()
async def publish_page(ctx: Context) -> Response:
    if (refusal := curator_refusal(ctx)) is not None:
        return refusal
    console = ctx.console
    token = ctx.form.get("token", "")
    pending = pending_of(ctx, token)
    if pending is None:
        return versions_view(ctx, "预览已过期或不存在，请重新上传或重新选择。", status=410)
    if KnowledgeVersions(console.db).latest_number() != pending.preview.base:  # someone published meanwhile
        fresh = replace(pending, preview=preview_tree(console.settings, console.db, pending.preview.tree,
                                                      [p for p in pending.preview.problems if p.file == WORKBOOK]))
        del console.pending[token]
        return preview_page(ctx, remember(console, fresh), fresh, "预览之后已有新版本发布：以下是相对于最新版本的改动，请核对后再发布。", 409)
    note = " ".join(ctx.form.get("note", pending.note).split())[:NOTE_CHARS]
    version = publish(console.settings, console.db, pending.preview, author_of(ctx), console.clock.now(), note,
                      pending.restored_from)
    if version is None:
        return preview_page(ctx, token, pending, "不能发布：没有改动，或 kb check 发现错误。", 409)
    del console.pending[token]
    await reload_knowledge(console.engine, console.settings)
    return redirect(ctx, f"/versions?published={version.number}")


ROUTES = [
    route("/versions", versions_page),
    route("/versions/knowledge.xlsx", download_served),
    route("/versions/{number:int}.xlsx", download_version),
    route("/versions/preview/{token}.xlsx", download_pending),
    route("/versions/upload", upload, ("POST",)),
    route("/versions/{number:int}/restore", restore, ("POST",)),
    route("/versions/drafts/{name}/merge", merge_draft, ("POST",)),
    route("/versions/publish", publish_page, ("POST",)),
]
