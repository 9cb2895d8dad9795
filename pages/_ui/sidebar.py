"""Settings in the sidebar: language, new chat, provider and model, prompt, bounded sliders, session keys."""

from __future__ import annotations

import streamlit as st

from chat import (
    PROVIDERS,
    ChatSession,
    Lang,
    get_model,
    key_status,
    model_label,
    offer_for,
    offer_status,
    provider_label,
    safe_markdown,
    server_line,
    t,
    text_in,
    tool_flags,
    tool_servers,
)
from pages._ui.session import STATE, session_key, session_keys, state

LANGS = {"en": "English", "es": "Español"}


def switch_model(model_id: str) -> None:
    """Callback-safe switch (also used by 'Switch to … and send'): the session and the pickers follow."""
    state().switch_model(model_id)
    st.session_state["provider"] = get_model(model_id).provider
    st.session_state["model"] = model_id


def _on_provider() -> None:
    switch_model(offer_for(st.session_state["provider"], session_keys()).models[0].id)  # type: ignore[arg-type]


def _on_model() -> None:
    switch_model(st.session_state["model"])


def _refresh_models() -> None:
    for provider in PROVIDERS:
        offer_for(provider, session_keys(), refresh=True)  # type: ignore[arg-type]


def _new_chat() -> None:
    st.session_state[STATE] = state().fresh()
    st.query_params.pop("c", None)


def _caption(text: str, warn: bool) -> str:
    return f":orange[{text}]" if warn else text


def _model_picker(chat: ChatSession, lang: Lang) -> None:
    sb = st.sidebar
    st.session_state.setdefault("provider", chat.spec.provider)
    st.session_state.setdefault("model", chat.model)
    sb.selectbox(t("ui.provider", lang), PROVIDERS, format_func=provider_label, key="provider", on_change=_on_provider)
    offer = offer_for(st.session_state["provider"], session_keys())  # type: ignore[arg-type]
    specs = {m.id: m for m in offer.models}
    if chat.model not in specs and chat.spec.provider == offer.provider:  # keep showing what the chat is on
        specs = {chat.model: chat.spec, **specs}
    label = lambda m: model_label(specs[m], lang)  # noqa: E731
    sb.selectbox(t("ui.model", lang), list(specs), key="model", on_change=_on_model, format_func=label)
    sb.caption(_caption(*offer_status(offer, lang)))
    sb.button(t("ui.refresh_models", lang), icon=":material/refresh:", on_click=_refresh_models, type="tertiary")
    sb.caption(_caption(*key_status(chat.spec.provider, session_key(chat.spec.provider), lang)))
    for note in chat.notes:
        sb.info(text_in(note, lang), icon=":material/tune:")


def _widget_keys(chat: ChatSession) -> dict[str, str]:
    """The session-state key of the widget that sets each generation setting of `chat` (its model's own)."""
    spec = chat.spec
    keys = {
        "system_prompt": "system_prompt",
        "temperature": f"temp_{spec.id}",
        "max_tokens": f"maxout_{spec.id}",
        "auto_fallback": "auto_fallback",
    }
    if spec.reasoning is not None:
        keys["reasoning_effort"] = f"effort_{spec.id}"
    return keys


def adopt(chat: ChatSession) -> None:
    """This run's settings into `chat` without drawing anything: the values the browser sent with this run.

    The page sends a turn before it draws the sidebar (`render`), so that the reply's first token does not wait
    for the settings' widgets; a widget's value is in session state from the start of the run, drawn or not."""
    state = st.session_state
    for field, key in _widget_keys(chat).items():
        if key in state:
            setattr(chat, field, state[key])


def _generation(chat: ChatSession, lang: Lang) -> None:
    sb, spec, keys = st.sidebar, chat.spec, _widget_keys(chat)
    chat.system_prompt = sb.text_area(t("ui.system_prompt", lang), value=chat.system_prompt, key=keys["system_prompt"])
    temp = chat.temperature if chat.temperature is not None else spec.default_temperature
    chat.temperature = sb.slider(
        t("ui.temperature", lang),
        spec.min_temperature,
        spec.max_temperature,
        min(temp, spec.max_temperature),
        step=0.05,
        key=keys["temperature"],
    )
    out = chat.max_tokens if chat.max_tokens is not None else spec.default_output
    chat.max_tokens = sb.slider(
        t("ui.max_output", lang), 1, spec.max_output, min(out, spec.max_output), key=keys["max_tokens"]
    )
    if spec.reasoning is not None:
        efforts = list(spec.reasoning.efforts)
        effort = chat.reasoning_effort if chat.reasoning_effort in efforts else spec.reasoning.default
        index = efforts.index(effort) if effort in efforts else 0
        chat.reasoning_effort = sb.selectbox(t("ui.effort", lang), efforts, key=keys["reasoning_effort"], index=index)
    chat.auto_fallback = sb.toggle(t("ui.auto_fallback", lang), value=chat.auto_fallback, key=keys["auto_fallback"])


def render(chat: ChatSession, lang: Lang) -> None:
    """Draw the settings and copy their values into `chat` (`adopt` copies them without drawing)."""
    sb = st.sidebar
    sb.radio(t("ui.language", lang), list(LANGS), format_func=LANGS.__getitem__, key="lang", horizontal=True)
    sb.button(t("ui.new_chat", lang), icon=":material/add:", on_click=_new_chat, width="stretch")
    sb.subheader(t("ui.settings", lang))
    _model_picker(chat, lang)
    _generation(chat, lang)
    with sb.expander(t("ui.keys", lang), icon=":material/key:"):
        for provider in PROVIDERS:
            label = t("ui.key_label", lang, provider=provider_label(provider))
            st.text_input(label, type="password", key=f"key_{provider}", autocomplete="off")
            st.caption(_caption(*key_status(provider, session_key(provider), lang)))
    _tools(chat, lang)


def _tools(chat: ChatSession, lang: Lang) -> None:
    """The MCP servers of `CHARLA_MCP_CONFIG` with their tools, or why one is down (nothing without a config)."""
    found = tool_servers(lang)
    if found is None:
        return
    error, servers = found
    with st.sidebar.expander(t("tools.ui.title", lang), icon=":material/build:"):
        if error:
            st.error(error, icon=":material/error:")
        if not chat.spec.tools:
            st.caption(t("tools.ui.model_without_tools", lang, model=chat.spec.label))
        for server in servers:
            st.markdown(safe_markdown(f"**{server_line(server, lang)}**", lang))
            rows = [f"- `{name}` · {flag} — {about}" for name, about, flag in tool_flags(server, lang)]
            if rows:
                st.markdown(safe_markdown("\n".join(rows), lang))
