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
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant.errors import AssistantError
from assistant.facade import Assistant
from assistant.settings import load_settings
from ingest.models import IngestReport
from ingest.pipeline import Progress as IngestProgress

app = typer.Typer(
    name="tradedesk",
    help="Trade Desk: ask questions about trade news articles and get cited answers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


def _assistant() -> Assistant:
    return Assistant(load_settings())


@contextmanager
def _friendly_errors() -> Iterator[None]:
    """Print an AssistantError as one red line (cause and fix) and exit 1."""
    try:
        yield
    except AssistantError as exc:
        err.print(f"[bold red]Error:[/] {exc}", highlight=False, markup=True)
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
        label = {"load": "Reading files", "embed": "Embedding chunks"}.get(event.phase, event.phase)
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
        err.print(f"[red]failed[/] {failure.path}: {failure.reason}", highlight=False)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to ingest.")],
    prune: Annotated[
        bool, typer.Option("--prune", help="Remove articles whose source file is gone.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only ingest when the store has no articles.")
    ] = False,
) -> None:
    """Ingest articles (.txt .md .html .pdf .jsonl); re-running it only does what changed."""
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


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
