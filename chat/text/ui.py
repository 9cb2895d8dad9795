"""The pages' sentences (chat, history, settings)."""

from __future__ import annotations

from chat.text import Table

TEXT: Table = {
    # model output made inert (chat/render.py)
    "render.image": {"en": "🖼 image: {alt} ({where})", "es": "🖼 imagen: {alt} ({where})"},
    "render.image_no_alt": {"en": "🖼 image ({where})", "es": "🖼 imagen ({where})"},
    "render.data": {"en": "embedded, not shown", "es": "incrustada, no se muestra"},
    "render.relative": {"en": "relative link, not loaded", "es": "enlace relativo, no se carga"},
    "ui.nav_chat": {"en": "Chat", "es": "Chat"},
    "ui.placeholder": {"en": "Message Charla…", "es": "Escribe a Charla…"},
    "ui.empty": {
        "en": "Ask anything. Attach images, PDFs or text files with +, or speak with the microphone.",
        "es": "Pregunta lo que quieras. Adjunta imágenes, PDF o archivos de texto con +, o habla con el micrófono.",
    },
    "ui.show_older": {"en": "Show {count} older messages", "es": "Mostrar {count} mensajes anteriores"},
    "ui.converting": {"en": "Reading {name}: {done} of {total}", "es": "Leyendo {name}: {done} de {total}"},
    "ui.images_dropped": {
        "en": "This image was too large to keep with the draft: attach it again.",
        "es": "Esta imagen era demasiado grande para guardarla con el borrador: adjúntala de nuevo.",
    },
    "ui.blocked": {
        "en": "Not sent yet: an attachment does not fit {model}. Nothing was sent to the provider.",
        "es": "Aún no se envió: un adjunto no cabe en {model}. No se envió nada al proveedor.",
    },
    "ui.switch_and_send": {"en": "Switch to {model} and send", "es": "Cambiar a {model} y enviar"},
    "ui.send_without": {"en": "Send without {name}", "es": "Enviar sin {name}"},
    "ui.remove": {"en": "Remove", "es": "Quitar"},
    "ui.retry": {"en": "Retry", "es": "Reintentar"},
    "ui.fallback_offer": {"en": "Send with {model} instead", "es": "Enviar con {model}"},
    # quota
    "ui.quota_full": {"en": "{remaining} of {limit} messages left", "es": "Quedan {remaining} de {limit} mensajes"},
    "ui.quota_resets": {
        "en": "{remaining} of {limit} left · resets in {seconds} s",
        "es": "Quedan {remaining} de {limit} · se renueva en {seconds} s",
    },
    "ui.quota_exhausted": {
        "en": "Limit of {limit} messages reached: you can send again in {seconds} s.",
        "es": "Alcanzaste el límite de {limit} mensajes: podrás enviar de nuevo en {seconds} s.",
    },
    "ui.quota_placeholder": {"en": "Sending resumes in {seconds} s…", "es": "Podrás enviar en {seconds} s…"},
    # under a reply
    "ui.metric_tokens": {"en": "{inp} → {out} tokens", "es": "{inp} → {out} tokens"},
    "ui.metric_ttft": {"en": "first token {seconds} s", "es": "primer token {seconds} s"},
    "ui.metric_ttfr": {"en": "first thought {seconds} s", "es": "primer pensamiento {seconds} s"},
    "ui.thinking": {"en": "Thinking…", "es": "Pensando…"},
    "ui.thought": {"en": "Thought for {seconds} s", "es": "Pensó durante {seconds} s"},
    "ui.reasoning": {"en": "Reasoning", "es": "Razonamiento"},
    "ui.effort": {"en": "Reasoning effort", "es": "Esfuerzo de razonamiento"},
    "ui.switch_resend": {"en": "Switch to {model} and send again", "es": "Cambiar a {model} y enviar de nuevo"},
    "ui.models_live": {
        "en": "{provider}: {count} models, as listed by {provider}.",
        "es": "{provider}: {count} modelos, según la lista de {provider}.",
    },
    "ui.models_failed": {
        "en": "{provider}'s model list could not be read ({reason}) Showing Charla's own list.",
        "es": "No se pudo leer la lista de modelos de {provider} ({reason}) Se muestra la lista de Charla.",
    },
    "ui.models_no_key": {
        "en": "No {provider} key: showing Charla's own list of {provider} models.",
        "es": "Sin clave de {provider}: se muestra la lista de Charla de modelos de {provider}.",
    },
    "ui.refresh_models": {"en": "Refresh models", "es": "Actualizar modelos"},
    "ui.unverified": {"en": "limits unverified", "es": "límites sin verificar"},
    "ui.model_moved": {
        "en": "{model} is no longer served by {provider}: this conversation continues on {successor}.",
        "es": "{provider} ya no ofrece {model}: esta conversación sigue con {successor}.",
    },
    "ui.metric_tps": {"en": "{rate} tokens/s", "es": "{rate} tokens/s"},
    "ui.metric_duration": {"en": "{seconds} s", "es": "{seconds} s"},
    "ui.outcome_stopped": {
        "en": "Stopped: the reply was cut short at your request; the text that arrived is kept.",
        "es": "Detenido: la respuesta se interrumpió a petición tuya; se conserva el texto recibido.",
    },
    "ui.via_rate_limited": {
        "en": "via {model} — {provider} was rate limited",
        "es": "vía {model} — {provider} estaba limitando",
    },
    "ui.via_down": {
        "en": "via {model} — {provider} was unavailable",
        "es": "vía {model} — {provider} no estaba disponible",
    },
    "ui.copy": {"en": "Copy", "es": "Copiar"},
    "ui.copy_help": {"en": "Use the copy icon at the top right.", "es": "Usa el icono de copiar arriba a la derecha."},
    "ui.regenerate": {"en": "Regenerate", "es": "Regenerar"},
    "ui.edit": {"en": "Edit", "es": "Editar"},
    "ui.edit_label": {"en": "Edit your message", "es": "Edita tu mensaje"},
    "ui.send": {"en": "Send", "es": "Enviar"},
    "ui.cancel": {"en": "Cancel", "es": "Cancelar"},
    # context inspector
    "ui.inspector": {"en": "Context inspector", "es": "Inspector de contexto"},
    "ui.in_window": {"en": "in window", "es": "en la ventana"},
    "ui.outside": {"en": "outside", "es": "fuera"},
    "ui.window_summary": {
        "en": "{count} of {total} messages are in the window (last {n}) · ~{tokens} of {budget} tokens",
        "es": "{count} de {total} mensajes están en la ventana (últimos {n}) · ~{tokens} de {budget} tokens",
    },
    "ui.window_too_large": {
        "en": "The newest message alone does not fit {model}'s budget of ~{budget} tokens.",
        "es": "El mensaje más reciente no cabe por sí solo en el presupuesto de ~{budget} tokens de {model}.",
    },
    "ui.older_outside": {
        "en": "{count} older messages are outside the window.",
        "es": "{count} mensajes anteriores quedan fuera de la ventana.",
    },
    "ui.payload": {
        "en": "Exact payload of the last request (base64 elided)",
        "es": "Contenido exacto de la última solicitud (base64 omitido)",
    },
    "ui.no_payload": {"en": "Nothing sent yet.", "es": "Aún no se envió nada."},
    "ui.role_user": {"en": "You", "es": "Tú"},
    "ui.role_assistant": {"en": "Reply", "es": "Respuesta"},
    # settings
    "ui.settings": {"en": "Settings", "es": "Ajustes"},
    "ui.provider": {"en": "Provider", "es": "Proveedor"},
    "ui.model": {"en": "Model", "es": "Modelo"},
    "ui.vision": {"en": "sees images", "es": "ve imágenes"},
    "ui.system_prompt": {"en": "System prompt", "es": "Instrucciones del sistema"},
    "ui.temperature": {"en": "Temperature", "es": "Temperatura"},
    "ui.max_output": {"en": "Max output tokens", "es": "Máximo de tokens de salida"},
    "ui.keys": {"en": "API keys", "es": "Claves de API"},
    "ui.key_label": {"en": "{provider} API key (this session only)", "es": "Clave de {provider} (solo esta sesión)"},
    "ui.key_session": {"en": "Using your key for this session", "es": "Usando tu clave en esta sesión"},
    "ui.key_server": {"en": "Using the server's {provider} key", "es": "Usando la clave de {provider} del servidor"},
    "ui.key_none": {"en": "No key: set {env} or enter one", "es": "Sin clave: configura {env} o escribe una"},
    "ui.auto_fallback": {
        "en": "Switch provider automatically on 429 / 5xx",
        "es": "Cambiar de proveedor automáticamente ante 429 / 5xx",
    },
    "ui.language": {"en": "Language", "es": "Idioma"},
    "ui.new_chat": {"en": "New chat", "es": "Nuevo chat"},
    "ui.clamped_temperature": {
        "en": "Temperature set to {value}: the most {model} takes.",
        "es": "Temperatura ajustada a {value}: lo máximo que acepta {model}.",
    },
    "ui.clamped_max_output": {
        "en": "Max output set to {value}: the most {model} takes.",
        "es": "Salida máxima ajustada a {value}: lo máximo que acepta {model}.",
    },
    # stored conversations and the history page
    "ui.stored_error": {"en": "{text}", "es": "{text}"},
    "ui.nav_history": {"en": "History", "es": "Historial"},
    "ui.conv_missing": {
        "en": "That conversation could not be opened: it does not exist, was deleted, or belongs to another "
        "browser. Here is a new chat.",
        "es": "No se pudo abrir esa conversación: no existe, se borró o pertenece a otro navegador. Aquí tienes "
        "un chat nuevo.",
    },
    "ui.history_title": {"en": "History", "es": "Historial"},
    "ui.history_search": {"en": "Search conversations", "es": "Buscar conversaciones"},
    "ui.history_search_hint": {"en": "Words from a title or a message", "es": "Palabras de un título o un mensaje"},
    "ui.history_empty": {
        "en": "No conversations yet. They appear here after your first message.",
        "es": "Aún no hay conversaciones. Aparecen aquí tras tu primer mensaje.",
    },
    "ui.history_no_match": {
        "en": "No conversation matches “{query}”.",
        "es": "Ninguna conversación coincide con «{query}».",
    },
    "ui.history_meta": {
        "en": "{when} · {count} messages · {model}",
        "es": "{when} · {count} mensajes · {model}",
    },
    "ui.history_private": {
        "en": "Only this browser sees these conversations (a private cookie, no account). Clearing this site's "
        "data loses access to them: export what you want to keep.",
        "es": "Solo este navegador ve estas conversaciones (una cookie privada, sin cuenta). Si borras los datos "
        "de este sitio pierdes el acceso: exporta lo que quieras conservar.",
    },
    "ui.open": {"en": "Open", "es": "Abrir"},
    "ui.rename": {"en": "Rename", "es": "Renombrar"},
    "ui.rename_label": {"en": "New title", "es": "Nuevo título"},
    "ui.save": {"en": "Save", "es": "Guardar"},
    "ui.delete": {"en": "Delete", "es": "Borrar"},
    "ui.delete_confirm": {
        "en": "Delete “{title}” and its {count} messages? This cannot be undone.",
        "es": "¿Borrar «{title}» y sus {count} mensajes? No se puede deshacer.",
    },
    "ui.delete_yes": {"en": "Yes, delete", "es": "Sí, borrar"},
    "ui.deleted": {"en": "Deleted “{title}”.", "es": "Se borró «{title}»."},
    "ui.export_md": {"en": "Markdown", "es": "Markdown"},
    "ui.export_json": {"en": "JSON", "es": "JSON"},
    "ui.export_help": {"en": "Download this conversation", "es": "Descargar esta conversación"},
    "ui.import_label": {
        "en": "Import a conversation (a Charla JSON export)",
        "es": "Importar una conversación (una exportación JSON de Charla)",
    },
}
