"""The history page: this browser's conversations, newest first; search, open, rename, delete, export, import."""

from __future__ import annotations

import streamlit as st

from chat import (
    ConversationSummary,
    InvalidImport,
    Lang,
    Store,
    export,
    file_stem,
    import_file,
    known,
    moment,
    t,
)
from pages._ui import owner
from pages._ui.session import STATE, state, store
from pages._ui.session import lang as current_lang

CHAT_PAGE = "chat_view.py"
CONFIRM = "_history_confirm_delete"
OPEN = "_history_open"
UPLOADS = "_history_uploads"
NOTICE = "_history_notice"
LIMIT = 100


def _open(conv_id: str) -> None:
    st.session_state[OPEN] = conv_id


def _rename(conv_id: str, who: str | None) -> None:
    title = str(st.session_state.get(f"title_{conv_id}", "")).strip()
    if title:
        store().rename(conv_id, title, owner=who)


def _ask_delete(conv_id: str) -> None:
    st.session_state[CONFIRM] = conv_id


def _cancel_delete() -> None:
    st.session_state.pop(CONFIRM, None)


def _delete(conv_id: str, title: str, who: str | None) -> None:
    st.session_state.pop(CONFIRM, None)
    if store().delete(conv_id, owner=who):
        st.session_state[NOTICE] = title
        if state().conversation_id == conv_id:  # the chat page must not keep writing to it
            st.session_state[STATE] = state().fresh()


def _import(db: Store, who: str | None) -> None:
    key = f"import_{st.session_state.get(UPLOADS, 0)}"
    upload = st.session_state.get(key)
    if upload is None:
        return
    st.session_state[UPLOADS] = st.session_state.get(UPLOADS, 0) + 1  # a fresh, empty uploader next run
    try:
        st.session_state[OPEN] = import_file(db, upload.getvalue(), who)
    except InvalidImport as e:
        st.session_state["_history_import_error"] = e


def _row(conv: ConversationSummary, who: str | None, lang: Lang, db: Store) -> None:
    with st.container(border=True, key=f"conv_{conv.id}"):
        st.markdown(f"**{_escape(conv.title)}**")
        spec = known(conv.model)
        model = spec.label if spec is not None else conv.model
        st.caption(
            t(
                "ui.history_meta",
                lang,
                when=moment(conv.updated_at, st.context.timezone),
                count=conv.message_count,
                model=model,
            )
        )
        if st.session_state.get(CONFIRM) == conv.id:
            st.warning(
                t("ui.delete_confirm", lang, title=_escape(conv.title), count=conv.message_count),
                icon=":material/warning:",
            )
            with st.container(horizontal=True):
                st.button(
                    t("ui.delete_yes", lang),
                    key=f"del_yes_{conv.id}",
                    type="primary",
                    icon=":material/delete_forever:",
                    on_click=_delete,
                    args=(conv.id, conv.title, who),
                )
                st.button(t("ui.cancel", lang), key=f"del_no_{conv.id}", on_click=_cancel_delete)
            return
        stem = file_stem(conv.title)
        with st.container(horizontal=True, vertical_alignment="center"):
            st.button(
                t("ui.open", lang),
                key=f"open_{conv.id}",
                type="primary",
                icon=":material/chat:",
                on_click=_open,
                args=(conv.id,),
            )
            with st.popover(t("ui.rename", lang), icon=":material/edit:"):
                st.text_input(t("ui.rename_label", lang), value=conv.title, key=f"title_{conv.id}", max_chars=200)
                st.button(t("ui.save", lang), key=f"ren_{conv.id}", on_click=_rename, args=(conv.id, who))
            st.download_button(
                t("ui.export_md", lang),
                key=f"md_{conv.id}",
                icon=":material/download:",
                data=lambda: export(db, conv.id, who, "md"),
                file_name=f"{stem}.md",
                mime="text/markdown",
                on_click="ignore",
                help=t("ui.export_help", lang),
            )
            st.download_button(
                t("ui.export_json", lang),
                key=f"json_{conv.id}",
                icon=":material/download:",
                data=lambda: export(db, conv.id, who, "json"),
                file_name=f"{stem}.json",
                mime="application/json",
                on_click="ignore",
                help=t("ui.export_help", lang),
            )
            st.button(
                t("ui.delete", lang),
                key=f"del_{conv.id}",
                icon=":material/delete:",
                type="tertiary",
                on_click=_ask_delete,
                args=(conv.id,),
            )


def _escape(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>~:$" else ch for ch in text)


def render() -> None:
    """Draw the page."""
    lang = current_lang()
    who = owner.current()
    db = store()
    target = st.session_state.pop(OPEN, None)
    if target:
        st.switch_page(CHAT_PAGE, query_params={"c": target})
    st.title(t("ui.history_title", lang))
    if who is not None:
        st.caption(t("ui.history_private", lang))
    st.file_uploader(
        t("ui.import_label", lang),
        type=["json"],
        key=f"import_{st.session_state.get(UPLOADS, 0)}",
        on_change=_import,
        args=(db, who),
    )
    failure = st.session_state.pop("_history_import_error", None)
    if isinstance(failure, InvalidImport):
        st.error(failure.message(lang), icon=":material/error:")
    deleted = st.session_state.pop(NOTICE, None)
    if deleted:
        st.success(t("ui.deleted", lang, title=_escape(deleted)), icon=":material/delete:")
    query = st.text_input(
        t("ui.history_search", lang),
        key="history_query",
        placeholder=t("ui.history_search_hint", lang),
        icon=":material/search:",
    )
    rows = db.list_conversations(owner=who, query=query or None, limit=LIMIT)
    if not rows:
        st.caption(t("ui.history_no_match", lang, query=query) if query else t("ui.history_empty", lang))
    for conv in rows:
        _row(conv, who, lang, db)
