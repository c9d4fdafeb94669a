"""Trade Desk in the browser: a chat with cited answers, an article viewer and the library.

UI only: every action goes through the ``Assistant`` Python API. Article and model
text is always shown escaped (never as HTML, and Markdown syntax in it is shown
as text, so images or links planted in an article are never loaded).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import streamlit as st

from assistant import (
    Answer,
    Assistant,
    AssistantError,
    Citation,
    Progress,
    Settings,
    WatchedSource,
)
from assistant.answering.sources.ledger import FigureSeries
from assistant.conversations import LOCAL_USER, Conversation, citation_states
from ingest.web import Watcher

st.set_page_config(page_title="Trade Desk", page_icon="📈", layout="wide")

BACKENDS = {
    "extractive": "Extractive (fast, offline)",
    "llamacpp": "Local LLM (llama.cpp)",
    "openai": "OpenAI-compatible server",
}
UPLOAD_TYPES = ["txt", "md", "markdown", "html", "htm", "pdf", "jsonl"]
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&^=\"'])")


# -- the assistant (one per server process, shared by every session) ----------------------


@st.cache_resource(show_spinner="Loading Trade Desk…")
def base_assistant() -> Assistant:
    """The Assistant built from TRADEDESK_* settings, warming up in the background."""
    assistant = Assistant()
    assistant.warm_up()
    return assistant


@st.cache_resource(show_spinner=False)
def backend_assistant(llm: str, base_url: str, model: str) -> Assistant:
    """A sibling Assistant for another answer backend (same store, same model)."""
    changes: dict[str, Any] = {"llm": llm}
    if llm != "extractive":
        changes["llm_model"] = model or None
    if llm == "openai":
        changes["llm_base_url"] = base_url or None
    return base_assistant().with_settings(**changes)


# -- safe rendering ----------------------------------------------------------------------


def md_escape(text: str) -> str:
    """Escape text so Markdown shows it literally (no links, images, HTML, LaTeX, directives)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_link(url: str | None, limit: int = 80) -> str:
    """A Markdown link to an article's http(s) address, its text the address itself.

    Only http and https links are made (never ``javascript:`` or ``data:``); the target is
    percent-encoded so it cannot end the link early, and the text shows where it goes.
    Clicking is the reader's choice: nothing is loaded to show it.
    """
    from urllib.parse import quote, urlsplit

    if not url or urlsplit(url.strip()).scheme.lower() not in ("http", "https"):
        return ""
    url = url.strip()
    shown = url if len(url) <= limit else url[: limit - 1] + "…"
    return f"[{md_escape(shown)}]({quote(url, safe=':/?#@!$&*+,;=%~-._')})"


def md_lines(text: str) -> str:
    """Escaped text with its line breaks kept."""
    return "  \n".join(md_escape(line) for line in text.split("\n"))


def highlight(text: str, spans: list[tuple[int, int, str]]) -> str:
    """``text`` as safe Markdown with each ``(start, end, colour)`` span on a background.

    Spans must not overlap; they are clipped to the text.
    """
    out: list[str] = []
    pos = 0
    for start, end, color in sorted(spans):
        start, end = max(pos, start), min(len(text), end)
        if end <= start:
            continue
        out.append(md_lines(text[pos:start]))
        out.append(
            "  \n".join(
                f":{color}-background[{md_escape(line)}]" if line.strip() else ""
                for line in text[start:end].split("\n")
            )
        )
        pos = end
    out.append(md_lines(text[pos:]))
    return "".join(out)


def answer_markdown(answer: Answer) -> str:
    """The answer as safe Markdown, with its [n] markers as small badges."""
    escaped = md_escape(answer.text)
    return re.sub(
        r"\\\[(\d+(?:, \d+)*)\\\]",
        lambda m: " ".join(f":blue-badge[{n}]" for n in m.group(1).split(", ")),
        escaped,
    )


# -- session state -----------------------------------------------------------------------


def state() -> Any:
    """This browser session's state, initialised on first use."""
    ss = st.session_state
    # {"role": "user"|"assistant", "text": str, "answer": Answer, "turn_id": str, "states": {}}
    ss.setdefault("messages", [])
    ss.setdefault("conversation_id", None)  # the saved conversation shown (None: a new chat)
    ss.setdefault("uploader_key", 0)
    return ss


# -- users and saved conversations -------------------------------------------------------


def current_user(settings: Settings) -> str | None:
    """Whose conversations this session sees.

    The OIDC user when logged in with ``st.login``; else, only when
    ``TRADEDESK_TRUST_USER_HEADER`` is on, the value of the header an authenticating proxy
    sets (``TRADEDESK_USER_HEADER``), None when it is missing; else the one local user.
    """
    try:
        info = dict(st.user.to_dict())
    except Exception:  # no user information in this session
        info = {}
    if info.get("is_logged_in") is True:
        return str(info.get("email") or info.get("sub") or info.get("name"))
    if settings.trust_user_header:
        value = (st.context.headers.get(settings.user_header) or "").strip()
        return value or None
    return LOCAL_USER


def require_user(base: Assistant) -> str:
    """The session's user, or an error naming the cause and the fix (and stop)."""
    user = current_user(base.settings)
    if user is None:
        header = base.settings.user_header
        st.error(
            f"Who you are is unknown: the request has no {header} header, and this app takes "
            f"the user from it (TRADEDESK_TRUST_USER_HEADER is on). Open the app through the "
            "authenticating proxy that sets it, or turn the setting off for a local app.",
            icon=":material/lock:",
        )
        st.stop()
    return user


def open_conversation(base: Assistant, user: str, conversation: Conversation) -> None:
    """Show a saved conversation in this session (its history drives follow-ups)."""
    hashes = base.article_hashes()
    messages: list[dict[str, Any]] = []
    for t in conversation.turns:
        messages += [
            {"role": "user", "text": t.question},
            {"role": "assistant", "text": t.answer.text, "answer": t.answer,
             "turn_id": t.turn_id, "states": citation_states(t, hashes),
             "feedback": t.feedback.rating if t.feedback else None},
        ]
    ss = state()
    ss.messages = messages
    ss.conversation_id = conversation.conversation_id
    st.query_params["c"] = conversation.conversation_id


def new_chat() -> None:
    """Start over: the next question starts a new saved conversation."""
    ss = state()
    ss.messages = []
    ss.conversation_id = None
    st.query_params.pop("c", None)


def resume_from_url(base: Assistant, user: str) -> None:
    """After a reload, show the conversation the address names (``?c=ID``), if it is the user's."""
    ss = state()
    wanted = st.query_params.get("c")
    if not wanted or ss.conversation_id == wanted:
        return
    try:
        open_conversation(base, user, base.conversations.get(wanted, user))
    except AssistantError as exc:
        st.query_params.pop("c", None)
        st.warning(str(exc), icon=":material/history:")


def conversations_sidebar(base: Assistant, user: str) -> None:
    """Past conversations, newest first: search, open, rename and delete."""
    ss = state()
    with st.container():
        st.subheader("Conversations")
        query = st.text_input("Search conversations", key="conv_search",
                              placeholder="Words of a question or an answer")
        try:
            rows = base.conversations.list_conversations(user, search=query or None, limit=30)
        except AssistantError as exc:
            st.error(str(exc))
            return
        if not rows:
            st.caption("No conversation matches." if query else "No saved conversations yet.")
        for c in rows:
            current = c.conversation_id == ss.conversation_id
            if st.button(c.title, key=f"conv-{c.conversation_id}", width="stretch",
                         type="primary" if current else "secondary",
                         help=f"{c.turn_count} question(s), last {c.updated_at[:16]}"):
                try:
                    open_conversation(base, user, base.conversations.get(c.conversation_id, user))
                except AssistantError as exc:
                    st.error(str(exc))
                st.rerun()
        if ss.conversation_id is None:
            return
        with st.expander("This conversation", icon=":material/edit:"):
            title = st.text_input("Title", key=f"title-{ss.conversation_id}",
                                  value=next((c.title for c in rows
                                              if c.conversation_id == ss.conversation_id), ""))
            col1, col2 = st.columns(2)
            try:
                if col1.button("Rename", key="conv_rename"):
                    base.conversations.rename(ss.conversation_id, user, title)
                    st.rerun()
                if col2.button("Delete", key="conv_delete", icon=":material/delete:"):
                    base.conversations.delete(ss.conversation_id, user)
                    new_chat()
                    st.rerun()
            except AssistantError as exc:
                st.error(str(exc))


def history() -> list[tuple[str, str]]:
    """The conversation as ``(role, text)`` turns for the Assistant."""
    return [(m["role"], m["text"]) for m in state().messages]


# -- sidebar: answer settings and filters ------------------------------------------------


def sidebar(base: Assistant, conversations: Callable[[], None] | None = None) -> dict[str, Any]:
    """Answer backend, top-k and filters; returns the options of the next question.

    ``conversations`` draws the list of saved conversations under *New chat* (chat page).
    """
    s = base.settings
    with st.sidebar:
        st.title(":material/query_stats: Trade Desk")
        if st.button("New chat", icon=":material/add_comment:", width="stretch"):
            new_chat()
        if conversations is not None:
            conversations()
        st.subheader("Answering")
        keys = list(BACKENDS)
        backend = st.selectbox(
            "Answer backend", keys, index=keys.index(s.llm), format_func=BACKENDS.__getitem__,
            key="backend",
        )
        base_url = model = ""
        if backend == "openai":
            base_url = st.text_input(
                "Server URL", value=s.llm_base_url or "http://127.0.0.1:11434/v1", key="base_url"
            )
            model = st.text_input("Model", value=s.llm_model or "", key="model")
        elif backend == "llamacpp":
            model = st.text_input(
                "GGUF model path (empty: packaged SmolLM2)", value=s.llm_model or "", key="gguf"
            )
        top_k = st.slider("Passages per answer (top-k)", 1, 10, min(s.top_k, 10), key="top_k")
        st.subheader("Filters")
        articles = base.articles()
        titles = {a.article_id: f"{a.title} ({a.date or 'undated'})" for a in articles}
        chosen = st.multiselect(
            "Only these articles", list(titles), format_func=titles.__getitem__, key="only"
        )
        use_dates = st.checkbox("Only articles dated between", key="use_dates")
        date_from = date_to = None
        if use_dates:
            dates = [a.date for a in articles if a.date]
            lo = dt.date.fromisoformat(min(dates)) if dates else dt.date(2000, 1, 1)
            hi = dt.date.fromisoformat(max(dates)) if dates else dt.date.today()
            date_from = st.date_input("From", value=lo, key="date_from").isoformat()
            date_to = st.date_input("To", value=hi, key="date_to").isoformat()
        st.caption(f"{len(articles)} articles in the library.")
    return {
        "backend": backend, "base_url": base_url, "model": model, "k": top_k,
        "article_ids": chosen or None, "date_from": date_from, "date_to": date_to,
    }


# -- chat --------------------------------------------------------------------------------


@st.dialog("Article", width="large")
def show_article(citation: Citation) -> None:
    """The whole article with the cited passage highlighted (and the quote in it)."""
    try:
        text = base_assistant().article_text(citation.article_id)
    except AssistantError as exc:
        st.error(str(exc))
        return
    st.markdown(f"**{md_escape(citation.title)}**")
    st.caption(" · ".join([md_escape(x) for x in (citation.date, citation.source) if x]
                          + ([md_link(citation.url)] if md_link(citation.url) else [])))
    st.markdown(
        highlight(
            text,
            [
                (citation.passage_start, citation.start, "gray"),
                (citation.start, citation.end, "orange"),
                (citation.end, citation.passage_end, "gray"),
            ],
        )
    )


# -- figures -----------------------------------------------------------------------------

KINDS = ["level", "growth", "share", "target", "count", "price", "rate", "duration"]


def series_name(f: dict[str, Any]) -> str:
    """A readable name for a figure's series: "Turkey → Italy · export · USD".

    Levels and targets of the same quantity share a series (a target continues it).
    """
    subject = " → ".join(x for x in (f["reporter"], f["partner"]) if x) or "(no country)"
    if f["flow"] == "bilateral":
        subject = " ↔ ".join(x for x in (f["reporter"], f["partner"]) if x)
    kind = "level" if f["kind"] in ("level", "target") else f["kind"]
    bits = [subject] + [x for x in (f["flow"], f["sector"], kind, f["unit"]) if x]
    return " · ".join(bits)


def chart(rows: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    """A chart of one series over its periods (targets last); returns the clicked point.

    Each point is hoverable (its figure, period, report date and source sentence) and
    clickable (the caller shows its source sentence).
    """
    import altair as alt
    import pandas as pd

    def order(r: dict[str, Any]) -> str:
        if r["period_end"]:
            return r["period_end"] + ("~" if r["kind"] == "target" else "")
        return "9999" if r["kind"] == "target" else ""

    data = [
        {
            "period": r["period_label"] if r["period_label"] != "no date" else "target",
            "order": order(r),
            "value": r["value"],
            "figure": r["figure"],
            "kind": r["kind"],
            "reported": r["article_date"] or "",
            "sentence": r["sentence"],
            "fact_id": r["fact_id"],
        }
        for r in rows
        if order(r)
    ]
    if len({d["period"] for d in data}) < 2:
        st.caption("This series has figures for one period only: nothing to chart.")
        return None
    frame = pd.DataFrame(data).sort_values("order")
    periods = list(dict.fromkeys(frame["period"]))
    pick = alt.selection_point(fields=["fact_id"], name="point")
    base = alt.Chart(frame).encode(
        x=alt.X("period:N", sort=periods, title="period"),
        y=alt.Y("value:Q", title=rows[0]["unit"]),
        color=alt.Color("kind:N", title="kind"),
        tooltip=[
            alt.Tooltip("figure:N"), alt.Tooltip("period:N"), alt.Tooltip("reported:N"),
            alt.Tooltip("sentence:N", title="source sentence"),
        ],
    )
    lines = base.transform_filter(alt.datum.kind != "target").mark_line(opacity=0.5)
    layered = (lines + base.mark_point(size=140, filled=True)).add_params(pick)
    event = st.altair_chart(layered, on_select="rerun", key=key, width="stretch")
    selection: Any = event.get("selection", {}) if event else {}
    points: list[dict[str, Any]] = selection.get("point", []) if selection else []
    if points:
        return next((r for r in rows if r["fact_id"] == points[0].get("fact_id")), None)
    return None


def show_source(row: dict[str, Any]) -> None:
    """The sentence a figure came from, with the figure highlighted."""
    sentence = row["sentence"]
    a = row["fig_start"] - row["start"]
    b = row["fig_end"] - row["start"]
    st.markdown(highlight(sentence, [(a, b, "orange")]))
    when = md_escape(row["period_label"] or "")
    st.caption(f"{when} · reported {row['article_date'] or 'undated'} · "
               f"article `{row['article_id']}`")


PAGE_SIZE = 100


def default_series(options: list[FigureSeries]) -> int:
    """The series shown first: the most-reported one of a country, over several periods."""
    for i, s in enumerate(options):
        if s.reporter and s.measure != "count" and s.periods >= 2:
            return i
    return 0


def figures_page() -> None:
    """The fact ledger: a country picker, a paginated table and a chart of a chosen series.

    Every query runs in SQLite with the filters and one page's limit (the full Reuters
    store opens in well under two seconds).
    """
    base = base_assistant()
    sidebar(base)
    st.header("Figures")
    st.caption(
        "Every figure the articles state, with what it measures and the period it refers to. "
        "Pick a country first; hover over a point for its source sentence, click it to show "
        "the sentence below. A line joins figures of one measure and period length only "
        "(months with months, year-to-date with year-to-date); targets are markers."
    )
    # The widgets' values from the last run: one query for the whole page.
    state_ = st.session_state
    country = state_.get("fig_country", "(any)")
    partner = state_.get("fig_partner", "(any)")
    kinds = list(state_.get("fig_kinds", []))
    chosen_country = None if country == "(any)" else str(country)
    chosen_partner = None if partner == "(any)" else str(partner)
    filters: dict[str, Any] = {
        "country": chosen_country, "partner": chosen_partner, "kinds": kinds,
    }
    page = int(state_.get("fig_page", 1))
    view = base.figures_page(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, **filters)
    if not view.facts and page > 1:  # the filters changed: back to the first page
        state_["fig_page"] = page = 1
        view = base.figures_page(limit=PAGE_SIZE, **filters)
    names = [n for n, _ in view.countries]
    if not names and not view.total:
        st.info("No figures yet: ingest some articles on the Library page.")
        return
    c1, c2, c3, c4 = st.columns(4)
    c1.selectbox("Country", ["(any)"] + names, key="fig_country")
    c2.selectbox("Partner", ["(any)"] + names, key="fig_partner")
    c3.multiselect("Kind", KINDS, key="fig_kinds")
    conflicts_only = c4.checkbox("Only conflicting figures", key="fig_conflicts",
                                 help="Compares every figure of the store: takes a while.")
    pages = max(1, -(-view.total // PAGE_SIZE))
    if pages > 1:
        st.number_input(f"Page (of {pages}; {view.total:,} figures)", 1, pages, key="fig_page")
    rows = [f.to_dict() for f in view.facts]
    relation: dict[str, str] = {}
    if conflicts_only:
        for c in base.conflicts():
            relation[c.newer.fact_id] = f"{c.label} (newer)"
            relation[c.older.fact_id] = f"{c.label} (older)"
        rows = [f.to_dict() for f in base.facts(country=chosen_country,
                                                partner=chosen_partner)
                if f.fact_id in relation and (not kinds or f.kind in kinds)]
    st.dataframe(
        [
            {**({"conflict": relation[str(r["fact_id"])]} if conflicts_only else {}),
             "period": r["period_label"], "subject": series_name(r), "kind": r["kind"],
             "figure": r["figure"], "value": r["value"], "reported": r["article_date"],
             "sentence": r["sentence"]}
            for r in rows
        ],
        hide_index=True, width="stretch",
    )
    st.subheader("Chart a series")
    options = view.series
    if not options:
        return
    by_name = {s.name: s for s in options}
    chosen = st.selectbox(
        "Series", list(by_name), index=default_series(options), key="fig_series",
        format_func=lambda n: f"{n} ({by_name[n].figures} figures)",
    )
    picked = chart([f.to_dict() for f in base.series_facts(by_name[chosen])], key="fig_chart")
    if picked is not None:
        show_source(picked)


CITATION_NOTES = {
    "updated": "This article was updated after this answer: the passage it quoted may no "
    "longer be in it. The quote below is the one the answer gave then.",
    "removed": "This article was removed from the library after this answer. The quote "
    "below is the one the answer gave then.",
}


def render_answer(answer: Answer, key: str, states: dict[int, str] | None = None) -> None:
    """An answer, its warnings and one expander per citation.

    ``states`` (for a saved answer) tells which cited articles were updated or removed
    since: their passage is not shown from the current article (the offsets would point
    at other text), only the quote as it was, with a note.
    """
    if answer.refused:
        st.info(md_escape(answer.text), icon=":material/search_off:")
    elif answer.partial:
        st.warning("**Partial answer** — " + answer_markdown(answer), icon=":material/rule:")
    else:
        st.markdown(answer_markdown(answer))
    if answer.unsupported:
        st.warning(
            "Removed because the documents do not support it:\n"
            + "\n".join(f"- {md_escape(claim)}" for claim in answer.unsupported),
            icon=":material/report:",
        )
    for c in answer.citations:
        label = f"\\[{c.n}\\] {md_escape(c.title)}" + (f" — {c.date}" if c.date else "")
        with st.expander(label):
            page = f" · page {c.page}" if c.page else ""
            link = md_link(c.url)
            st.caption(f"{md_escape(c.source)} · article `{c.article_id}`{page}"
                       + (f" · {link}" if link else ""))
            if c.also_reported:
                st.caption(md_escape(c.also_reported_note) + " " + "; ".join(
                    f"{md_escape(r.title)} ({r.date or 'no date'}, `{r.article_id}`)"
                    for r in c.also_reported
                ))
            note = CITATION_NOTES.get((states or {}).get(c.n, "current"))
            if note:
                st.warning(note, icon=":material/history:")
                st.markdown(f"> {md_escape(' '.join(c.quote.split()))}")
                continue
            q0 = c.start - c.passage_start
            st.markdown(highlight(c.passage, [(q0, c.end - c.passage_start, "orange")]))
            if st.button("Open the whole article", key=f"{key}-open-{c.n}",
                         icon=":material/article:"):
                show_article(c)
    if answer.series and len({r["period_label"] for r in answer.series}) > 1:
        with st.expander(f"Chart: {series_name(answer.series[0])}", icon=":material/show_chart:"):
            picked = chart(answer.series, key=f"{key}-chart")
            if picked is not None:
                show_source(picked)


def feedback_buttons(base: Assistant, user: str, message: dict[str, Any], key: str) -> None:
    """Thumbs up / down, with an optional comment, under a saved answer."""
    turn_id = message.get("turn_id")
    if not turn_id:
        return
    rated = message.get("feedback")
    col1, col2, col3 = st.columns([1, 1, 8], vertical_alignment="bottom")
    comment = col3.text_input("Comment (optional)", key=f"{key}-comment",
                              label_visibility="collapsed",
                              placeholder="Comment (optional), then rate the answer")
    for col, rating, icon in ((col1, "up", ":material/thumb_up:"),
                              (col2, "down", ":material/thumb_down:")):
        if col.button("", key=f"{key}-{rating}", icon=icon,
                      type="primary" if rated == rating else "secondary",
                      help=f"Rate this answer {'good' if rating == 'up' else 'bad'}"):
            try:
                base.conversations.set_feedback(turn_id, user, rating, comment)
            except AssistantError as exc:
                st.error(str(exc))
            else:
                message["feedback"] = rating
                st.rerun()
    if rated:
        st.caption(f"You rated this answer {'👍' if rated == 'up' else '👎'}.")


def chat_page() -> None:
    """The chat: saved as it goes, continued from the sidebar's list or the address."""
    base = base_assistant()
    user = require_user(base)
    resume_from_url(base, user)
    options = sidebar(base, lambda: conversations_sidebar(base, user))
    st.header("Ask about the trade news")
    ss = state()
    for i, message in enumerate(ss.messages):
        with st.chat_message(message["role"]):
            if message["role"] == "user":
                st.markdown(md_escape(message["text"]))
            else:
                render_answer(message["answer"], key=f"m{i}", states=message.get("states"))
                feedback_buttons(base, user, message, key=f"m{i}")
    question = st.chat_input("Ask a question about the articles…")
    if not question:
        if not ss.messages:
            st.caption(
                "For example: *How much did Turkey export to Italy in the first five months "
                "of 2025?* Every answer cites its sources; open a citation to see the passage."
            )
        return
    with st.chat_message("user"):
        st.markdown(md_escape(question))
    with st.chat_message("assistant"):
        try:
            assistant = backend_assistant(
                options["backend"], options["base_url"], options["model"]
            )
            kwargs = {
                "k": options["k"], "article_ids": options["article_ids"],
                "date_from": options["date_from"], "date_to": options["date_to"],
            }
            if options["backend"] == "extractive":
                with st.spinner("Searching the articles…"):
                    answer = assistant.ask(question, history(), **kwargs)
            else:
                final: list[Answer] = []

                def deltas() -> Iterator[str]:
                    for event in assistant.stream(question, history(), **kwargs):
                        if isinstance(event, str):
                            yield md_escape(event)  # an unverified draft: shown as text
                        else:
                            final.append(event)

                draft = st.empty()
                with draft.container(), st.spinner("Searching and writing…"):
                    st.write_stream(deltas())
                draft.empty()  # replaced by the verified answer below
                answer = final[-1]
        except AssistantError as exc:
            st.error(str(exc), icon=":material/error:")
            return
        render_answer(answer, key=f"m{len(ss.messages) + 1}")
        reply: dict[str, Any] = {"role": "assistant", "text": answer.text, "answer": answer}
        try:
            turn = base.remember(
                user, ss.conversation_id, question, answer,
                {"backend": options["backend"], **kwargs},
            )
        except AssistantError as exc:
            st.warning(f"This answer was not saved: {exc}", icon=":material/save:")
        else:
            reply["turn_id"] = turn.turn_id
            if ss.conversation_id is None:
                ss.conversation_id = turn.turn_id.rsplit(":", 1)[0]
                st.query_params["c"] = ss.conversation_id
    ss.messages += [{"role": "user", "text": question}, reply]
    if "turn_id" in reply:
        st.rerun()  # show the rating buttons and the conversation in the sidebar


# -- feedback ----------------------------------------------------------------------------


def feedback_page() -> None:
    """The session user's ratings: counts and the latest thumbs-down."""
    base = base_assistant()
    sidebar(base)
    user = require_user(base)
    st.header("Feedback")
    st.caption(
        "Your ratings of answers. `tradedesk feedback export --format eval` turns everyone's "
        "into a Q&A file for `tradedesk eval`: thumbs-up answers become regression tests, "
        "thumbs-down ones cases to fix."
    )
    try:
        counts = base.conversations.feedback_counts(user)
        downs = [(c, t) for c, t in base.conversations.rated(user)
                 if t.feedback and t.feedback.rating == "down"]
    except AssistantError as exc:
        st.error(str(exc))
        return
    c1, c2 = st.columns(2)
    c1.metric("Thumbs up", counts["up"])
    c2.metric("Thumbs down", counts["down"])
    st.subheader("Latest thumbs-down")
    if not downs:
        st.caption("No thumbs-down yet.")
    for conversation, t in downs[:20]:
        with st.container(border=True):
            st.markdown(f"**{md_escape(t.question)}**")
            st.caption(f"{md_escape(conversation.title)} · {t.turn_id} · "
                       f"{t.feedback.created_at[:16] if t.feedback else ''}")
            st.markdown(answer_markdown(t.answer))
            if t.feedback and t.feedback.comment:
                st.markdown(f"*Comment:* {md_escape(t.feedback.comment)}")


# -- library -----------------------------------------------------------------------------


def show_report(report: Any) -> None:
    """An ingest report: counts, then the failures with their reasons."""
    counts = (
        f"Added {len(report.added)}, updated {len(report.updated)}, unchanged "
        f"{len(report.unchanged)}, removed {len(report.removed)}, failed {len(report.failed)} "
        f"— {report.chunks_written} chunks in {report.seconds:.1f} s."
    )
    (st.warning if report.failed else st.success)(counts)
    if report.failed:
        st.dataframe(
            [{"file": f.path, "reason": f.reason} for f in report.failed],
            hide_index=True, width="stretch",
        )


def progress_callback(bar: Any) -> Any:
    """Turn ingest ``Progress`` events into a Streamlit progress bar."""

    def update(event: Progress) -> None:
        share = event.done / event.total if event.total else 0.0
        label = "Reading files" if event.phase == "load" else "Embedding passages"
        bar.progress(min(1.0, share), text=f"{label}: {event.done}/{event.total}")

    return update


def library_page() -> None:
    """Upload, list, remove and re-ingest articles."""
    base = base_assistant()
    sidebar(base)
    ss = state()
    st.header("Library")
    if "notice" in ss:
        st.success(md_escape(ss.pop("notice")), icon=":material/delete:")
    s = base.settings
    st.subheader("Add articles")
    files = st.file_uploader(
        f"Articles ({', '.join(UPLOAD_TYPES)}); up to {s.max_upload_files} files of "
        f"{s.max_file_mb:g} MB each",
        type=UPLOAD_TYPES, accept_multiple_files=True, key=f"uploader-{ss.uploader_key}",
    )
    if files and st.button(f"Ingest {len(files)} file(s)", type="primary", key="ingest_uploads"):
        bar = st.progress(0.0, text="Starting…")
        try:
            report = base.ingest_uploads(
                [(f.name, f.getvalue()) for f in files], progress=progress_callback(bar)
            )
        except AssistantError as exc:
            st.error(str(exc))
        else:
            bar.progress(1.0, text="Done")
            ss.last_report = report
            ss.uploader_key += 1
            st.rerun()
    if "last_report" in ss:
        show_report(ss.pop("last_report"))

    articles = base.articles()
    st.subheader(f"Articles ({len(articles)})")
    st.dataframe(
        [
            {"title": a.title, "date": a.date, "source": a.source, "chunks": a.chunks,
             "id": a.article_id}
            for a in articles
        ],
        hide_index=True, width="stretch",
    )
    if articles:
        labels = {a.article_id: f"{a.title} ({a.article_id})" for a in articles}
        col1, col2 = st.columns([3, 1], vertical_alignment="bottom")
        doomed = col1.selectbox(
            "Remove an article", list(labels), format_func=labels.__getitem__, key="doomed"
        )
        if col2.button("Remove", icon=":material/delete:", key="remove"):
            try:
                base.remove(doomed)
            except AssistantError as exc:
                st.error(str(exc))
            else:
                ss.notice = f"Removed {labels[doomed]}"
                st.rerun()
    st.subheader("Library folder")
    if s.library_dir is None:
        st.caption("Set TRADEDESK_LIBRARY_DIR to re-ingest a folder from here.")
    elif st.button(f"Re-ingest {s.library_dir}", icon=":material/sync:", key="reingest"):
        bar = st.progress(0.0, text="Starting…")
        try:
            ss.last_report = base.reingest_library(progress=progress_callback(bar))
        except AssistantError as exc:
            st.error(str(exc))
        else:
            st.rerun()
    feeds_section(base)


@st.cache_resource(show_spinner=False)
def watcher() -> Watcher:
    """This server process's one watcher: it polls in a background thread while it is on."""
    return base_assistant().watcher(follow_toggle=True)


def sync_watcher(on: bool) -> Watcher:
    """Run this process's watcher as the store's *Watch* toggle says (see ``watching()``)."""
    w = watcher()
    if on and not w.running:
        w.start()
    elif not on and w.running:
        w.stop(timeout=5)
    return w


def _toggle_watch() -> None:
    on = bool(state().watch_toggle)
    try:
        base_assistant().set_watching(on)
    except AssistantError as exc:
        state().watch_error = f"Could not switch watching {'on' if on else 'off'}: {exc}"
        return
    sync_watcher(on)


def source_status(source: WatchedSource) -> str:
    """A watched source's state in a few words."""
    if source.failures:
        return (f"failed {source.failures}x (next try {source.next_poll_at or 'now'}): "
                f"{source.last_error or ''}")
    return "ok" if source.last_ok_at else "not polled yet"


def feeds_section(base: Assistant) -> None:
    """Watched feeds and folders: list, add a feed, stop watching, the watcher, the log.

    Folders are added with ``tradedesk folders add`` (a browser never names a path on
    the server); they are listed and can be removed here.
    """
    ss = state()
    st.subheader("Feeds and watched folders")
    try:
        sources = base.feeds() + base.folders()
        log_rows = base.poll_log(20)
    except AssistantError as exc:
        st.error(str(exc))
        return
    if sources:
        st.dataframe(
            [{"kind": x.kind, "location": x.location, "title": x.title or "",
              "last poll": (x.last_polled_at or "")[:19].replace("T", " "),
              "status": source_status(x), "id": x.source_id} for x in sources],
            hide_index=True, width="stretch",
        )
    else:
        st.caption("No feeds or folders are watched yet. Add a feed below; folders are added "
                   "with `tradedesk folders add PATH`.")
    col1, col2 = st.columns([3, 1], vertical_alignment="bottom")
    url = col1.text_input("Feed URL (RSS, Atom or an OPML list)", key="feed_url",
                          placeholder="https://example.org/feed.xml")
    if col2.button("Add feed", icon=":material/rss_feed:", key="add_feed"):
        try:
            added = base.add_feed(url)
        except AssistantError as exc:
            st.error(str(exc))
        else:
            ss.notice = f"Watching {added.location}; the next poll reads it."
            st.rerun()
    if sources:
        labels = {x.source_id: f"{x.kind}: {x.location}" for x in sources}
        col1, col2 = st.columns([3, 1], vertical_alignment="bottom")
        gone = col1.selectbox("Stop watching", list(labels), format_func=labels.__getitem__,
                              key="unwatch")
        if col2.button("Stop watching", icon=":material/delete:", key="remove_source"):
            try:
                kind = next(x.kind for x in sources if x.source_id == gone)
                (base.remove_feed if kind == "feed" else base.remove_folder)(gone)
            except AssistantError as exc:
                st.error(str(exc))
            else:
                ss.notice = f"No longer watching {labels[gone]}; its articles stay."
                st.rerun()
    if "watch_error" in ss:
        st.error(md_escape(ss.pop("watch_error")))
    try:
        on = base.watching()
        sync_watcher(on)
    except AssistantError as exc:
        st.error(str(exc))
        on = watcher().running
    ss.watch_toggle = on  # the store's state: every session, app process and restart
    col1, col2 = st.columns([3, 1], vertical_alignment="bottom")
    col1.toggle(f"Watch: poll every {base.settings.watch_interval:g} s while the app runs",
                key="watch_toggle", on_change=_toggle_watch,
                help="Remembered in the store: every browser session and app process sees "
                     "it, and a restarted app watches again.")
    if col2.button("Poll now", icon=":material/sync:", key="poll_now"):
        with st.spinner("Polling the feeds and folders…"):
            try:
                report = base.poll(force=True)
            except AssistantError as exc:
                st.error(str(exc))
            else:
                (st.warning if report.failed else st.success)(md_escape(report.summary()))
                log_rows = base.poll_log(20)
    if log_rows:
        st.caption("Poll log (newest first)")
        st.dataframe(
            [{"at": r.at[:19].replace("T", " "), "source": r.location, "status": r.status,
              "added": r.added, "updated": r.updated, "unchanged": r.unchanged,
              "failed": r.failed, "detail": r.detail} for r in log_rows],
            hide_index=True, width="stretch",
        )


def main() -> None:
    """Build the assistant (or explain why it cannot start) and run the chosen page."""
    try:
        base = base_assistant()
    except AssistantError as exc:
        st.error(f"Trade Desk cannot start: {exc}")
        st.stop()
    try:  # the Watch toggle is the store's: a restarted app watches again
        sync_watcher(base.watching())
    except AssistantError:
        pass  # the Library page shows the error
    page = st.navigation(
        [
            st.Page(chat_page, title="Chat", icon=":material/chat:", url_path="chat", default=True),
            st.Page(figures_page, title="Figures", icon=":material/show_chart:",
                    url_path="figures"),
            st.Page(library_page, title="Library", icon=":material/library_books:",
                    url_path="library"),
            st.Page(feedback_page, title="Feedback", icon=":material/thumbs_up_down:",
                    url_path="feedback"),
        ]
    )
    page.run()


main()
