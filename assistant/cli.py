"""The ``tradedesk`` command line (typer). Presentation only: it calls the ``Assistant``."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant import Fact, IngestReport, LogRow, PollReport, WatchedSource
from assistant import Progress as IngestProgress
from assistant.answer import Answer
from assistant.conversations import LOCAL_USER
from assistant.errors import AssistantError
from assistant.facade import Assistant
from assistant.settings import load_settings

app = typer.Typer(
    name="tradedesk",
    help="Trade Desk: ask questions about trade news articles and get cited answers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


def _assistant(**overrides: Any) -> Assistant:
    return Assistant(load_settings(**{k: v for k, v in overrides.items() if v is not None}))


@contextmanager
def _friendly_errors() -> Iterator[None]:
    """Print an AssistantError as one red line (cause and fix) and exit 1."""
    try:
        yield
    except AssistantError as exc:
        err.print(f"[bold red]Error:[/] {escape(str(exc))}", highlight=False, markup=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        err.print("Interrupted.")
        raise typer.Exit(130) from None


def _progress_bar() -> tuple[Progress, Callable[[IngestProgress], None]]:
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[detail]}"),
        console=err,
        transient=False,
    )
    tasks: dict[str, Any] = {}

    def update(event: IngestProgress) -> None:
        label = {"fetch": "Fetching URLs", "load": "Reading files",
                 "embed": "Embedding chunks"}.get(event.phase, event.phase)
        if event.phase not in tasks:
            tasks[event.phase] = bar.add_task(label, total=event.total or None, detail="")
        bar.update(
            tasks[event.phase], completed=event.done, total=event.total or None,
            detail=event.detail[:40],
        )

    return bar, update


def _print_report(report: IngestReport) -> None:
    table = Table(title="Ingest report", show_header=True, header_style="bold")
    table.add_column("outcome")
    table.add_column("count", justify="right")
    for name in ("added", "updated", "unchanged", "removed"):
        table.add_row(name, str(len(getattr(report, name))))
    table.add_row("failed", str(len(report.failed)), style="red" if report.failed else None)
    table.add_row("chunks written", str(report.chunks_written))
    if report.repaired:
        table.add_row("repaired (interrupted run)", str(report.repaired))
    table.add_row("seconds", f"{report.seconds:.1f}")
    out.print(table)
    for failure in report.failed:
        err.print(
            f"[red]failed[/] {escape(failure.path)}: {escape(failure.reason)}", highlight=False
        )


@app.command()
def ingest(
    paths: Annotated[
        list[str],
        typer.Argument(help="Files, folders and http(s) URLs (article pages, RSS/Atom feeds, "
                            "OPML lists) to ingest."),
    ],
    prune: Annotated[
        bool, typer.Option("--prune", help="Remove articles whose source file is gone.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only ingest when the store has no articles.")
    ] = False,
) -> None:
    """Ingest articles (.txt .md .html .pdf .jsonl, URLs); re-running it only does what changed."""
    with _friendly_errors():
        assistant = _assistant()
        if if_empty and assistant.records.count()[0] > 0:
            out.print("The store already has articles; nothing to do (--if-empty).")
            return
        if quiet or as_json or not sys.stderr.isatty():
            report = assistant.ingest(paths, prune=prune)
        else:
            bar, update = _progress_bar()
            with bar:
                report = assistant.ingest(paths, prune=prune, progress=update)
    if as_json:
        out.print_json(json.dumps(report.to_dict()))
        for failure in report.failed:
            err.print(f"failed {failure.path}: {failure.reason}", highlight=False, markup=False)
    else:
        _print_report(report)
    if report.failed:
        raise typer.Exit(1)


@app.command("list")
def list_articles(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the ingested articles (id, title, date, source, chunks)."""
    with _friendly_errors():
        articles = _assistant().articles()
    if as_json:
        out.print_json(json.dumps([a.__dict__ for a in articles]))
        return
    if not articles:
        out.print("No articles yet: run `tradedesk ingest PATH`.")
        return
    table = Table(show_header=True, header_style="bold")
    for col in ("id", "title", "date", "source", "chunks"):
        table.add_column(col, overflow="fold", justify="right" if col == "chunks" else "left")
    for a in articles:
        table.add_row(a.article_id, a.title, a.date or "", a.source, str(a.chunks))
    out.print(table)


@app.command()
def remove(
    article_id: Annotated[str, typer.Argument(help="Id shown by `tradedesk list`.")],
) -> None:
    """Remove one article and its chunks."""
    with _friendly_errors():
        _assistant().remove(article_id)
    out.print(f"Removed {article_id}.")


@app.command()
def stats(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show counts and where the data lives."""
    with _friendly_errors():
        info = _assistant().stats()
    if as_json:
        out.print_json(json.dumps(info))
        return
    for key, value in info.items():
        out.print(f"[bold]{key}[/]: {value}", highlight=False)


@app.command()
def reset(
    yes: Annotated[bool, typer.Option("--yes", help="Confirm deleting everything.")] = False,
) -> None:
    """Delete every article of the store (asks for --yes)."""
    if not yes:
        err.print("This deletes every ingested article. Re-run with --yes to confirm.")
        raise typer.Exit(2)
    with _friendly_errors():
        _assistant().reset()
    out.print("Store emptied.")


BackendOpt = Annotated[
    str | None,
    typer.Option("--backend", help="extractive, llamacpp or openai (default: TRADEDESK_LLM)."),
]
KOpt = Annotated[int | None, typer.Option("--k", help="Passages given to the answer step.")]
ArticleOpt = Annotated[
    list[str] | None, typer.Option("--article", help="Only search this article id (repeatable).")
]
FromOpt = Annotated[str | None, typer.Option("--from", help="Only articles dated >= YYYY-MM-DD.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Only articles dated <= YYYY-MM-DD.")]


def _print_answer(answer: Answer, *, streamed: bool = False) -> None:
    if answer.refused:
        out.print(f"[yellow]{escape(answer.text)}[/]", highlight=False, markup=True)
    elif answer.partial:
        out.print("[yellow]Partial answer:[/] " + escape(answer.text), highlight=False)
    elif not streamed:
        out.print(answer.text, highlight=False, markup=False)
    for c in answer.citations:
        when = f", {c.date}" if c.date else ""
        out.print(
            f"  [bold cyan]\\[{c.n}][/] {escape(c.title)} ({escape(c.source)}{when}) "
            f"[dim]{c.article_id}[/]",
            highlight=False,
        )
        if c.url:
            out.print(f"      {c.url}", highlight=False, markup=False, style="blue")
        quote = " ".join(c.quote.split())
        out.print(f"      “{quote}”", highlight=False, markup=False, style="dim")
        if c.also_reported:
            out.print(f"      {c.also_reported_note}", highlight=False, markup=False,
                      style="dim")
    if answer.unsupported:
        out.print("[red]Removed, not supported by the documents:[/]")
        for claim in answer.unsupported:
            out.print(f"  - {claim}", highlight=False, markup=False)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    backend: BackendOpt = None,
    k: KOpt = None,
    article: ArticleOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
) -> None:
    """Answer one question from the ingested articles, with citations."""
    with _friendly_errors():
        assistant = _assistant(llm=backend)
        answer = assistant.ask(
            question, k=k, article_ids=article, date_from=date_from, date_to=date_to
        )
    if as_json:
        out.print_json(json.dumps(answer.to_dict()))
    else:
        _print_answer(answer)


UserOpt = Annotated[
    str,
    typer.Option("--user", help="Whose conversations (the app's user name; default: local)."),
]


def _rate(assistant: Assistant, user: str, turn_id: str | None, command: str) -> None:
    """``/up [comment]`` or ``/down [comment]``: rate the last answer."""
    rating, _, comment = command[1:].partition(" ")
    if turn_id is None:
        err.print("Nothing to rate yet: ask a question first, then type /up or /down.")
        return
    assistant.conversations.set_feedback(turn_id, user, rating, comment)
    out.print(f"[dim]Rated {turn_id} {'👍' if rating == 'up' else '👎'}.[/]")


@app.command()
def chat(
    backend: BackendOpt = None,
    k: KOpt = None,
    resume: Annotated[
        str | None, typer.Option("--resume", help="Continue a saved conversation (its id).")
    ] = None,
    user: UserOpt = LOCAL_USER,
) -> None:
    """Chat in the terminal; follow-ups use the conversation, which is saved.

    /new starts a new conversation, /up or /down [comment] rates the last answer, /quit ends.
    """
    with _friendly_errors():
        assistant = _assistant(llm=backend)
        n = assistant.records.count()[0]
        conversation_id: str | None = None
        history: list[tuple[str, str]] = []
        if resume:
            saved = assistant.conversations.get(resume, user)
            conversation_id, history = saved.conversation_id, saved.history()
    out.print(
        f"Trade Desk chat over {n} articles. /new starts a new chat, /up or /down [comment] "
        "rates the last answer, /quit leaves."
    )
    if resume:
        out.print(f"[bold]Resuming[/] {escape(saved.title)} ({len(saved.turns)} turns):")
        for t in saved.turns:
            out.print(f"[bold green]You:[/] {escape(t.question)}", highlight=False)
            out.print(f"  {t.answer.text}", highlight=False, markup=False, style="dim")
    last_turn: str | None = None
    while True:
        try:
            question = out.input("[bold green]You:[/] ").strip()
        except (EOFError, KeyboardInterrupt):
            out.print()
            return
        if not question:
            continue
        if question in ("/quit", "/exit", "/q"):
            return
        if question == "/new":
            history, conversation_id, last_turn = [], None, None
            out.print("[dim]New chat.[/]")
            continue
        try:
            if question.split(" ")[0] in ("/up", "/down"):
                _rate(assistant, user, last_turn, question)
                continue
            answer: Answer | None = None
            streamed = False
            for event in assistant.stream(question, history, k=k):
                if isinstance(event, str):
                    if not streamed:
                        out.print("[dim](draft)[/] ", end="")
                    streamed = True
                    out.print(event, end="", highlight=False, markup=False)
                else:
                    answer = event
            if streamed:
                out.print()
            assert answer is not None
            if streamed and not answer.refused:
                out.print("[bold]Verified:[/] " + escape(answer.text), highlight=False)
            _print_answer(answer, streamed=streamed and not answer.refused)
            history += [("user", question), ("assistant", answer.text)]
            turn = assistant.remember(
                user, conversation_id, question, answer,
                {"backend": assistant.settings.llm, "k": k},
            )
            conversation_id, last_turn = turn.turn_id.rsplit(":", 1)[0], turn.turn_id
            out.print(f"[dim]saved as {turn.turn_id}[/]", highlight=False)
        except AssistantError as exc:
            err.print(f"[bold red]Error:[/] {escape(str(exc))}", highlight=False)


# -- history and feedback ----------------------------------------------------------------

history_app = typer.Typer(help="Saved conversations: list, show, rename, delete, export, import.",
                          no_args_is_help=True)
feedback_app = typer.Typer(help="Ratings of answers: counts, and export as a Q&A file.",
                           no_args_is_help=True)
app.add_typer(history_app, name="history")
app.add_typer(feedback_app, name="feedback")


def _history_assistant() -> Assistant:
    return _assistant()


@history_app.command("list")
def history_list(
    user: UserOpt = LOCAL_USER,
    search: Annotated[
        str | None, typer.Option("--search", help="Only conversations containing this text.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List saved conversations, newest first."""
    with _friendly_errors():
        rows = _history_assistant().conversations.list_conversations(user, search=search)
    if as_json:
        out.print_json(json.dumps([
            {"id": c.conversation_id, "title": c.title, "created_at": c.created_at,
             "updated_at": c.updated_at, "turns": c.turn_count}
            for c in rows
        ]))
        return
    if not rows:
        out.print("No saved conversations match." if search
                  else "No saved conversations yet: run `tradedesk chat`.")
        return
    table = Table(show_header=True, header_style="bold")
    for col in ("id", "title", "updated", "turns"):
        table.add_column(col, overflow="fold")
    for c in rows:
        table.add_row(c.conversation_id, escape(c.title), c.updated_at[:16].replace("T", " "),
                      str(c.turn_count))
    out.print(table)


@history_app.command("show")
def history_show(
    conversation_id: Annotated[str, typer.Argument(help="Id shown by `tradedesk history list`.")],
    user: UserOpt = LOCAL_USER,
) -> None:
    """Show a conversation with its answers and citations (outdated ones marked)."""
    from assistant.conversations import citation_states
    from assistant.transcripts import STATE_NOTES

    with _friendly_errors():
        assistant = _history_assistant()
        c = assistant.conversations.get(conversation_id, user)
        hashes = assistant.article_hashes()
    out.print(f"[bold]{escape(c.title)}[/] ({c.conversation_id}, {len(c.turns)} turns)",
              highlight=False)
    for t in c.turns:
        out.print(f"\n[bold green]{t.turn_id} You:[/] {escape(t.question)}", highlight=False)
        _print_answer(t.answer)
        for n, state in citation_states(t, hashes).items():
            if state != "current":
                out.print(f"  [yellow]\\[{n}] note: {STATE_NOTES[state]}.[/]", highlight=False)
        if t.feedback is not None:
            out.print(f"  [dim]rated {t.feedback.rating} {escape(t.feedback.comment)}[/]")


@history_app.command("rename")
def history_rename(
    conversation_id: Annotated[str, typer.Argument(help="Id shown by `tradedesk history list`.")],
    title: Annotated[str, typer.Argument(help="The new title.")],
    user: UserOpt = LOCAL_USER,
) -> None:
    """Give a conversation another title."""
    with _friendly_errors():
        _history_assistant().conversations.rename(conversation_id, user, title)
    out.print(f"Renamed {conversation_id}.")


@history_app.command("delete")
def history_delete(
    conversation_id: Annotated[str, typer.Argument(help="Id shown by `tradedesk history list`.")],
    user: UserOpt = LOCAL_USER,
) -> None:
    """Delete a conversation with its answers and their ratings."""
    with _friendly_errors():
        _history_assistant().conversations.delete(conversation_id, user)
    out.print(f"Deleted {conversation_id}.")


@history_app.command("export")
def history_export(
    conversation_id: Annotated[str, typer.Argument(help="Id shown by `tradedesk history list`.")],
    fmt: Annotated[
        str, typer.Option("--format", help="markdown (to paste into a note) or json.")
    ] = "markdown",
    output: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file (default: stdout).")
    ] = None,
    user: UserOpt = LOCAL_USER,
) -> None:
    """Export a conversation with its citations as Markdown or JSON."""
    from assistant.transcripts import to_json, to_markdown

    if fmt not in ("markdown", "md", "json"):
        err.print(f"Unknown --format {fmt!r}: use markdown or json.")
        raise typer.Exit(2)
    with _friendly_errors():
        assistant = _history_assistant()
        c = assistant.conversations.get(conversation_id, user)
        text = (json.dumps(to_json(c), indent=1, ensure_ascii=False) + "\n" if fmt == "json"
                else to_markdown(c, assistant.article_hashes()))
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"Wrote {output}.")


@history_app.command("import")
def history_import(
    path: Annotated[Path, typer.Argument(help="A JSON file of `history export --format json`.")],
    user: UserOpt = LOCAL_USER,
) -> None:
    """Import a conversation exported as JSON (as this user's)."""
    from assistant.errors import ConfigError
    from assistant.transcripts import from_json

    with _friendly_errors():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"Cannot read {path} ({exc}): give the JSON file that "
                "`tradedesk history export ID --format json` wrote."
            ) from exc
        cid = _history_assistant().conversations.import_conversation(from_json(data, user), user)
    out.print(f"Imported {cid}.")


@feedback_app.command("export")
def feedback_export(
    fmt: Annotated[
        str, typer.Option("--format", help="eval: a `tradedesk eval` Q&A file.")
    ] = "eval",
    output: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file (default: stdout).")
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Only this user's ratings (default: everyone's).")
    ] = None,
) -> None:
    """Write the rated answers as a Q&A file that `tradedesk eval` runs (see the README)."""
    from assistant.feedback import to_eval_items

    if fmt != "eval":
        err.print(f"Unknown --format {fmt!r}: the one format is eval.")
        raise typer.Exit(2)
    with _friendly_errors():
        data = to_eval_items(_history_assistant().conversations.rated(user))
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        todo = sum(1 for q in data["questions"] if q.get("to_fix") or any(
            t.get("to_fix") for t in q.get("turns", [])))
        err.print(f"Wrote {len(data['questions'])} questions ({todo} to fix) to {output}.")


@feedback_app.command("stats")
def feedback_stats(
    user: Annotated[
        str | None, typer.Option("--user", help="Only this user's ratings (default: everyone's).")
    ] = None,
) -> None:
    """Count the thumbs up and down, and list the latest thumbs-down."""
    with _friendly_errors():
        store = _history_assistant().conversations
        counts = store.feedback_counts(user)
        downs = [(c, t) for c, t in store.rated(user) if t.feedback and t.feedback.rating == "down"]
    out.print(f"👍 {counts['up']}   👎 {counts['down']}")
    for _, t in downs[:10]:
        comment = t.feedback.comment if t.feedback else ""
        out.print(f"[bold]{t.turn_id}[/] {escape(t.question)}", highlight=False)
        out.print(f"  answer: {t.answer.text[:200]}", highlight=False, markup=False)
        if comment:
            out.print(f"  comment: {comment}", highlight=False, markup=False)


@app.command("eval")
def eval_cmd(
    qa_file: Annotated[
        Path, typer.Argument(help="Q&A file (JSON), e.g. tests/data/qa/test.json.")
    ],
    backend: BackendOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    min_accuracy: Annotated[
        float, typer.Option("--min-accuracy", help="Exit 1 when answer accuracy is below this.")
    ] = 0.0,
    json_out: Annotated[
        Path | None, typer.Option("--json-out", help="Also write the JSON report to this file.")
    ] = None,
) -> None:
    """Measure answer quality per question type, refusals, partial answers and latency."""
    from assistant.evaluate import evaluate, load_qa

    with _friendly_errors():
        assistant = _assistant(llm=backend)
        conversations = load_qa(qa_file)
        assistant.ask("warm-up question")  # load the model before timing
        report = evaluate(lambda q, h: assistant.ask(q, h), conversations)
    totals = report.totals()
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(report.to_dict(), indent=1, ensure_ascii=False))
    if as_json:
        out.print_json(json.dumps(report.to_dict()))
    else:
        table = Table(title=f"{qa_file} ({assistant.settings.llm})", header_style="bold")
        for col in ("id", "type", "ok", "rank", "outcome", "answer / why"):
            table.add_column(col, overflow="fold")
        for r in report.results:
            outcome = "refused" if r.refused else "partial" if r.partial else ""
            table.add_row(
                r.id, r.type, "✓" if r.correct else "✗", str(r.rank or "-"), outcome,
                (r.why + ": " if r.why else "")
                + (f"wrong figures {', '.join(r.wrong_figures)}: " if r.wrong_figures else "")
                + r.answer[:160],
                style=None if r.correct else "red",
            )
        out.print(table)
        kinds = Table(title="By question type", header_style="bold")
        for col in ("type", "questions", "correct", "partial", "refused"):
            kinds.add_column(col, justify="left" if col == "type" else "right")
        for kind, row in report.by_type().items():
            kinds.add_row(
                kind, str(row["questions"]), f"{row['correct']:.1%}", str(row["partial"]),
                str(row["refused"]),
            )
        out.print(kinds)
        summary = Table(title="Totals", header_style="bold")
        summary.add_column("metric")
        summary.add_column("value", justify="right")
        for key, value in totals.items():
            summary.add_row(key, str(value))
        out.print(summary)
    if report.accuracy < min_accuracy:
        err.print(
            f"Answer accuracy {report.accuracy:.1%} is below --min-accuracy {min_accuracy:.1%}."
        )
        raise typer.Exit(1)


@app.command()
def facts(
    country: Annotated[str | None, typer.Option("--country", help="Reporting country.")] = None,
    partner: Annotated[str | None, typer.Option("--partner", help="Partner country.")] = None,
    kind: Annotated[
        str | None,
        typer.Option("--kind", help="level, growth, share, target, count, price, rate, duration."),
    ] = None,
    flow: Annotated[
        str | None,
        typer.Option("--flow", help="export, import, bilateral, balance, investment, port."),
    ] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="Periods ending >= YYYY-MM.")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Periods starting <= YYYY-MM.")
    ] = None,
    conflicts: Annotated[
        bool, typer.Option("--conflicts", help="Only figures two articles give differently.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the trade figures extracted from the articles, each with its source sentence."""
    with _friendly_errors():
        assistant = _assistant()
        titles = {a.article_id: a for a in assistant.articles()}
        relation: dict[str, str] = {}
        if conflicts:
            pairs = assistant.conflicts()
            rows = [f for c in pairs for f in (c.newer, c.older)]
            for c in pairs:
                relation[c.newer.fact_id] = f"{c.label} (newer)"
                relation[c.older.fact_id] = f"{c.label} (older)"
        else:
            rows = assistant.facts(
                country=country, partner=partner, kind=kind, flow=flow,
                date_from=date_from, date_to=date_to,
            )

    def record(f: Fact) -> dict[str, Any]:
        art = titles.get(f.article_id)
        return f.to_dict() | {
            "title": art.title if art else None, "source": art.source if art else None,
        }

    if as_json:
        if conflicts:
            out.print_json(json.dumps([
                {"relation": c.label, "newer": record(c.newer), "older": record(c.older)}
                for c in pairs
            ]))
        else:
            out.print_json(json.dumps([record(f) for f in rows]))
        return
    if not rows:
        out.print("No figures match." if not conflicts else "No conflicting figures.")
        return
    table = Table(show_header=True, header_style="bold", show_lines=conflicts)
    columns = ["period", "subject", "kind", "figure", "reported", "source sentence"]
    for col in (["conflict", *columns] if conflicts else columns):
        table.add_column(col, overflow="fold")
    for f in rows:
        subject = " → ".join(x for x in (f.reporter, f.partner) if x) or "-"
        extra = ", ".join(x for x in (f.flow, f.sector, f.city) if x)
        art = titles.get(f.article_id)
        cells = [
            escape(f.period_label or "-"), escape(f"{subject} ({extra})" if extra else subject),
            f.kind, escape(f.figure), escape(f"{art.source if art else ''} {f.article_date or ''}"),
            escape(f.sentence),
        ]
        table.add_row(*([relation.get(f.fact_id, "")] if conflicts else []), *cells)
    out.print(table)
    if not conflicts:
        out.print(f"{len(rows)} figures.")
    else:
        revised = sum(c.revised for c in pairs)
        out.print(f"{len(pairs) - revised} conflicts between sources, {revised} revised "
                  "figures (a later version of the same story).")


@app.command()
def doctor(
    fix: Annotated[bool, typer.Option("--fix", help="Repair what can be repaired.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Check that the records, the Chroma store and the BM25 index agree (exit 1 if not)."""
    with _friendly_errors():
        report = _assistant().doctor(fix=fix)
    if as_json:
        out.print_json(json.dumps(report.__dict__ | {"ok": report.ok}))
    else:
        for key, value in report.stats.items():
            out.print(f"{key}: {value}", highlight=False, markup=False)
        for line in report.fixed:
            out.print(f"[green]fixed[/] {escape(line)}")
        for line in report.warnings:
            out.print(f"[yellow]warning[/] {escape(line)}")
        for line in report.problems:
            err.print(f"[red]problem[/] {escape(line)}")
        if report.ok:
            out.print("[green]The store is consistent.[/]")
        elif not fix:
            err.print(
                "Run `tradedesk doctor --fix`, or `tradedesk rebuild` if the store is damaged."
            )
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def rebuild(
    yes: Annotated[bool, typer.Option("--yes", help="Confirm re-creating the store.")] = False,
) -> None:
    """Re-create the vector store from the recorded articles (or their sources if damaged)."""
    if not yes:
        err.print("This re-embeds every article into a new store. Re-run with --yes to confirm.")
        raise typer.Exit(2)
    with _friendly_errors():
        report = _assistant().rebuild()
    _print_report(report)
    if report.failed:
        raise typer.Exit(1)


# -- feeds, watched folders and the watcher ---------------------------------------------

feeds_app = typer.Typer(help="Watched RSS/Atom feeds and OPML lists: list, add, remove, log.",
                        no_args_is_help=True)
folders_app = typer.Typer(help="Watched folders: list, add, remove.", no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")
app.add_typer(folders_app, name="folders")


def _print_sources(rows: list[WatchedSource], as_json: bool, empty: str) -> None:
    if as_json:
        out.print_json(json.dumps([r.to_dict() for r in rows]))
        return
    if not rows:
        out.print(empty)
        return
    table = Table(show_header=True, header_style="bold")
    for col in ("id", "location", "title", "last poll", "status"):
        table.add_column(col, overflow="fold")
    for r in rows:
        status = (f"failed {r.failures}x, next try {r.next_poll_at or ''}: {r.last_error}"
                  if r.failures else "ok" if r.last_ok_at else "not polled yet")
        table.add_row(r.source_id, escape(r.location), escape(r.title or ""),
                      (r.last_polled_at or "")[:19].replace("T", " "), escape(status))
    out.print(table)


@feeds_app.command("list")
def feeds_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the watched feeds, with their last poll and any error."""
    with _friendly_errors():
        rows = _assistant().feeds()
    _print_sources(rows, as_json, "No watched feeds yet: `tradedesk feeds add URL`.")


@feeds_app.command("add")
def feeds_add(
    urls: Annotated[list[str], typer.Argument(help="Feed, OPML or page URLs (http/https).")],
) -> None:
    """Watch feeds (RSS, Atom, OPML lists); `tradedesk watch` polls them."""
    with _friendly_errors():
        assistant = _assistant()
        for url in urls:
            source = assistant.add_feed(url)
            out.print(f"Watching {escape(source.location)} ({source.source_id}).",
                      highlight=False)


@feeds_app.command("remove")
def feeds_remove(
    key: Annotated[str, typer.Argument(help="The feed's URL or id (`tradedesk feeds list`).")],
) -> None:
    """Stop watching a feed (its articles stay in the library)."""
    with _friendly_errors():
        _assistant().remove_feed(key)
    out.print(f"No longer watching {escape(key)}; its articles stay.", highlight=False)


@feeds_app.command("log")
def feeds_log(
    limit: Annotated[int, typer.Option("--limit", help="Rows to show.")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """What the latest polls added, updated or failed, source by source."""
    with _friendly_errors():
        rows = _assistant().poll_log(limit)
    if as_json:
        out.print_json(json.dumps([r.to_dict() for r in rows]))
        return
    _print_log(rows)


def _print_log(rows: list[LogRow]) -> None:
    if not rows:
        out.print("No polls yet: run `tradedesk watch --once`.")
        return
    table = Table(show_header=True, header_style="bold")
    for col in ("at", "source", "status", "added", "updated", "unchanged", "failed", "detail"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r.at[:19].replace("T", " "), escape(r.location), r.status, str(r.added),
                      str(r.updated), str(r.unchanged), str(r.failed), escape(r.detail[:300]),
                      style="red" if r.status == "failed" or r.failed else None)
    out.print(table)


@folders_app.command("list")
def folders_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the watched folders."""
    with _friendly_errors():
        rows = _assistant().folders()
    _print_sources(rows, as_json, "No watched folders yet: `tradedesk folders add PATH`.")


@folders_app.command("add")
def folders_add(
    paths: Annotated[list[Path], typer.Argument(help="Folders to ingest at every poll.")],
) -> None:
    """Watch folders: each poll ingests their new and changed files."""
    with _friendly_errors():
        assistant = _assistant()
        for path in paths:
            source = assistant.add_folder(path)
            out.print(f"Watching {escape(source.location)} ({source.source_id}).",
                      highlight=False)


@folders_app.command("remove")
def folders_remove(
    key: Annotated[str, typer.Argument(help="The folder's path or id.")],
) -> None:
    """Stop watching a folder (its articles stay in the library)."""
    with _friendly_errors():
        _assistant().remove_folder(key)
    out.print(f"No longer watching {escape(key)}; its articles stay.", highlight=False)


@app.command()
def watch(
    once: Annotated[bool, typer.Option("--once", help="Poll once and exit (tests, cron).")] = False,
    interval: Annotated[
        float | None,
        typer.Option("--interval", help="Seconds between polls (TRADEDESK_WATCH_INTERVAL)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Also poll sources waiting out a backoff.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print each poll as JSON.")] = False,
) -> None:
    """Poll the watched feeds and folders on an interval (Ctrl-C stops); --once polls once.

    With --once the exit code is 1 when a source failed.
    """
    with _friendly_errors():
        assistant = _assistant()
        if not assistant.feeds() and not assistant.folders():
            err.print("Nothing is watched: `tradedesk feeds add URL` or "
                      "`tradedesk folders add PATH` first.")
            raise typer.Exit(2)
        if once:
            report = assistant.poll(force=force)
            _print_poll(report, as_json)
            if report.failed:
                raise typer.Exit(1)
            return
        every = interval or assistant.settings.watch_interval
        err.print(f"Watching {len(assistant.feeds())} feeds and {len(assistant.folders())} "
                  f"folders every {every:g} s; Ctrl-C stops.")

        def show(result: PollReport | AssistantError) -> None:
            if isinstance(result, AssistantError):
                err.print(f"[bold red]Poll failed:[/] {escape(str(result))}", highlight=False)
            else:
                _print_poll(result, as_json)

        assistant.watcher(show, interval=every).run()


def _print_poll(report: PollReport, as_json: bool) -> None:
    if as_json:
        out.print(json.dumps(report.to_dict()), highlight=False, markup=False, soft_wrap=True)
        return
    _print_log(report.rows)
    out.print(report.summary(), highlight=False)


def _served_assistant() -> Assistant:
    """The one Assistant a server shares; its writes wait TRADEDESK_SERVE_INGEST_WAIT."""
    settings = load_settings()
    wait = {"ingest_lock_timeout": settings.serve_ingest_wait}
    return Assistant(settings.model_copy(update=wait))


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option("--host", help="Address to bind (TRADEDESK_SERVE_HOST).")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="Port (TRADEDESK_SERVE_PORT, 8765).")
    ] = None,
) -> None:
    """Serve the HTTP API: OpenAI-compatible /v1/chat/completions and the REST routes."""
    import uvicorn

    from assistant.server.http import create_app

    with _friendly_errors():
        assistant = _served_assistant()
        s = assistant.settings
        bind_host, bind_port = host or s.serve_host, port or s.serve_port
        if bind_host not in ("127.0.0.1", "localhost", "::1") and not s.api_keys:
            err.print(
                f"[yellow]Warning:[/] binding {escape(bind_host)} without TRADEDESK_API_KEYS: "
                "anyone who can reach it can ask questions (write routes stay locked)."
            )
        app_ = create_app(assistant)
    err.print(f"Trade Desk API on http://{bind_host}:{bind_port}/v1 (docs: /docs)")
    uvicorn.run(
        app_, host=bind_host, port=bind_port, log_level="warning",
        limit_concurrency=max(64, 4 * (s.serve_workers + s.serve_queue)),
        timeout_keep_alive=15, timeout_graceful_shutdown=10,
    )


@app.command("mcp")
def mcp_cmd(
    transport: Annotated[
        str, typer.Option("--transport", help="stdio (desktop clients) or http (streamable).")
    ] = "stdio",
    host: Annotated[str | None, typer.Option("--host", help="HTTP address to bind.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="HTTP port (default 8766).")] = None,
) -> None:
    """Serve the MCP tools (ask, search_passages, get_article, list_articles, figures)."""
    from assistant.server.mcp import build_server

    if transport not in ("stdio", "http"):
        err.print(f"--transport must be stdio or http, got {transport!r}.")
        raise typer.Exit(2)
    with _friendly_errors():
        assistant = _served_assistant()
        server = build_server(assistant)
    if transport == "stdio":
        assistant.warm_up()
        server.run("stdio")
        return
    import uvicorn

    from assistant.server.guard import ApiKeys, RequireKey

    s = assistant.settings
    bind_host, bind_port = host or s.serve_host, port or 8766
    keys = ApiKeys(s.api_keys.get_secret_value() if s.api_keys else None)
    inner = server.streamable_http_app(
        host=bind_host, max_request_body_size=int(s.serve_max_body_mb * 1_000_000)
    )
    err.print(f"Trade Desk MCP (streamable HTTP) on http://{bind_host}:{bind_port}/mcp")
    assistant.warm_up()
    uvicorn.run(RequireKey(inner, keys), host=bind_host, port=bind_port, log_level="warning")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
