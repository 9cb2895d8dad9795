"""The core's sentences: the API envelope (seed 004, its Spanish verbatim), validation details, errors, outcomes."""

from __future__ import annotations

from chat.text import Table

TEXT: Table = {
    # --- API envelope (seed 004) ---
    "api.invalid_format": {"en": "Invalid request format", "es": "Invalid request format"},
    "api.too_many": {"en": "Too Many Requests", "es": "Too Many Requests"},
    "api.too_many_message": {
        "en": "You have exceeded the request limit. Try again in a few seconds.",
        "es": "Has excedido el límite de solicitudes. Intenta nuevamente en unos segundos.",
    },
    "api.processing_error": {"en": "Error processing the request", "es": "Error al procesar la solicitud"},
    "api.unauthorized": {
        "en": "Missing or wrong bearer token: send Authorization: Bearer <CHARLA_API_TOKEN>.",
        "es": "Falta el token o no es válido: envía Authorization: Bearer <CHARLA_API_TOKEN>.",
    },
    "api.body_too_large": {
        "en": "The request body is larger than {limit} bytes.",
        "es": "El cuerpo de la solicitud supera los {limit} bytes.",
    },
    "api.malformed_json": {
        "en": "The body is not valid JSON: {reason}",
        "es": "El cuerpo no es JSON válido: {reason}",
    },
    "api.unsupported_media_type": {
        "en": "Send the body as JSON with Content-Type: application/json.",
        "es": "Envía el cuerpo como JSON con Content-Type: application/json.",
    },
    "api.ip_missing": {"en": "no client address", "es": "no hay dirección de cliente"},
    "api.ip_invalid": {"en": "not an IP address", "es": "no es una dirección IP"},
    "api.ip_not_public": {
        "en": "a public IP address is required",
        "es": "se requiere una dirección IP pública",
    },
    # --- validation details (zod-like) ---
    "val.messages_min": {"en": "At least one message is required", "es": "Se requiere al menos un mensaje"},
    "val.messages_max": {
        "en": "At most {maximum} messages are allowed",
        "es": "Se permiten como máximo {maximum} mensajes",
    },
    "val.text_max": {
        "en": "Message text may be at most {maximum} characters",
        "es": "El texto del mensaje puede tener como máximo {maximum} caracteres",
    },
    "val.too_small": {"en": "Must be at least {minimum}", "es": "Debe ser al menos {minimum}"},
    "val.too_big": {"en": "Must be at most {maximum}", "es": "Debe ser como máximo {maximum}"},
    "val.required": {"en": "Required", "es": "Requerido"},
    "val.invalid_type": {"en": "Expected {expected}", "es": "Se esperaba {expected}"},
    "val.invalid_enum": {
        "en": "Invalid value. Expected one of: {options}",
        "es": "Valor no válido. Se esperaba uno de: {options}",
    },
    "val.invalid": {"en": "Invalid value: {reason}", "es": "Valor no válido: {reason}"},
    "val.image_url": {
        "en": "An image must be an https: or data: URL",
        "es": "Una imagen debe ser una URL https: o data:",
    },
    "val.base64": {"en": "Not valid base64 data", "es": "Los datos no son base64 válido"},
    "val.file_bytes": {
        "en": "A file must carry its bytes: base64 `data`, or a `data:` URL (the server never fetches a URL; "
        "only images may be https: URLs)",
        "es": "Un archivo debe llevar sus bytes: `data` en base64 o una URL `data:` (el servidor nunca descarga "
        "URLs; solo las imágenes pueden ser URLs https:)",
    },
    "val.effort": {
        "en": "This model takes a reasoning effort of: {options}",
        "es": "Este modelo acepta un esfuerzo de razonamiento de: {options}",
    },
    "val.unknown_model": {
        "en": "Unknown model. Choose one of: {options}",
        "es": "Modelo desconocido. Elige uno de: {options}",
    },
    # --- errors ---
    "error.generic": {
        "en": "Something went wrong. Try again.",
        "es": "Algo salió mal. Inténtalo de nuevo.",
    },
    "error.invalid_request": {
        "en": "The request is not valid ({count} problem(s)).",
        "es": "La solicitud no es válida ({count} problema(s)).",
    },
    "error.missing_key": {
        "en": "{provider} API key not found. Set it in Settings or {env}.",
        "es": "No se encontró la clave de API de {provider}. Configúrala en Ajustes o en {env}.",
    },
    "error.no_key": {
        "en": "No API key found. Set GROQ_API_KEY or MISTRAL_API_KEY on the server.",
        "es": "No se encontró ninguna clave de API. Configura GROQ_API_KEY o MISTRAL_API_KEY en el servidor.",
    },
    "error.unknown_model": {
        "en": "Unknown model '{model}'. Choose one of: {options}.",
        "es": "Modelo desconocido '{model}'. Elige uno de: {options}.",
    },
    "error.settings_range": {
        "en": "{name} must be between {minimum} and {maximum} for {model}.",
        "es": "{name} debe estar entre {minimum} y {maximum} para {model}.",
    },
    "error.attachment": {"en": "{name}: {reason}", "es": "{name}: {reason}"},
    "error.vision_required": {
        "en": "{model} cannot see images. Remove the image or switch to a vision model such as {suggestion}.",
        "es": "{model} no puede ver imágenes. Quita la imagen o cambia a un modelo con visión como {suggestion}.",
    },
    "error.context_too_large": {
        "en": "Your message needs about {needed} tokens but {model} accepts about {budget} per request. "
        "Shorten it, attach less, lower the max output, or switch to {suggestion}.",
        "es": "Tu mensaje necesita unos {needed} tokens pero {model} acepta unos {budget} por solicitud. "
        "Acórtalo, adjunta menos, baja la salida máxima o cambia a {suggestion}.",
    },
    "error.client_ip": {
        "en": "Your client address could not be validated ({reason}).",
        "es": "No se pudo validar la dirección del cliente ({reason}).",
    },
    "error.rate_limited": {
        "en": "You have reached the limit of {limit} messages. Try again in {seconds} s.",
        "es": "Has alcanzado el límite de {limit} mensajes. Inténtalo de nuevo en {seconds} s.",
    },
    "error.limiter_down": {
        "en": "Charla cannot check its usage limits right now (its shared limit store is not answering), "
        "so nothing was sent. Try again in a few seconds.",
        "es": "Charla no puede comprobar sus límites de uso ahora mismo (su almacén de límites compartido no "
        "responde), así que no se ha enviado nada. Inténtalo de nuevo en unos segundos.",
    },
    "error.upstream": {
        "en": "{provider} returned an error (status {status}). Try again.",
        "es": "{provider} devolvió un error (estado {status}). Inténtalo de nuevo.",
    },
    "error.auth": {
        "en": "{provider} rejected the API key (401). Correct it in Settings or {env}.",
        "es": "{provider} rechazó la clave de API (401). Corrígela en Ajustes o en {env}.",
    },
    "error.forbidden": {
        "en": "{provider} refused access to {model} with this key (403). Check the key's permissions "
        "or pick another model.",
        "es": "{provider} denegó el acceso a {model} con esta clave (403). Revisa los permisos de la clave "
        "o elige otro modelo.",
    },
    "error.model_not_found": {
        "en": "{provider} does not serve the model {model} (404). Pick another model in Settings.",
        "es": "{provider} no ofrece el modelo {model} (404). Elige otro modelo en Ajustes.",
    },
    "error.too_large": {
        "en": "The request is too large for {model} on {provider} (413). Shorten the conversation, "
        "remove attachments, or lower the max output.",
        "es": "La solicitud es demasiado grande para {model} en {provider} (413). Acorta la conversación, "
        "quita adjuntos o baja la salida máxima.",
    },
    "error.upstream_rate_limited": {
        "en": "{provider} is rate limiting this key (429). Try again in {seconds} s.",
        "es": "{provider} está limitando esta clave (429). Inténtalo de nuevo en {seconds} s.",
    },
    "error.upstream_down": {
        "en": "{provider} is unavailable right now (status {status}). Try again in a minute or switch provider.",
        "es": "{provider} no está disponible ahora (estado {status}). Inténtalo en un minuto o cambia de proveedor.",
    },
    "error.timeout": {
        "en": "{provider} did not answer in time. Try again.",
        "es": "{provider} no respondió a tiempo. Inténtalo de nuevo.",
    },
    "error.too_slow": {
        "en": "{provider} sent nothing within {seconds_limit} s, the longest a reply may take. Try again in a moment, "
        "or ask for less.",
        "es": "{provider} no envió nada en {seconds_limit} s, lo máximo que puede tardar una respuesta. Inténtalo de "
        "nuevo en un momento o pide menos.",
    },
    "error.connection": {
        "en": "Could not connect to {provider}. Check the network or the base URL, then try again.",
        "es": "No se pudo conectar con {provider}. Revisa la red o la URL base e inténtalo de nuevo.",
    },
    "error.stream_cut": {
        "en": "The reply from {provider} broke off. What arrived is kept; retry to get the rest.",
        "es": "La respuesta de {provider} se cortó. Se conserva lo recibido; reintenta para obtener el resto.",
    },
    "error.upstream_bad_request": {
        "en": "{provider} refused the request (status {status}). Check the model and settings.",
        "es": "{provider} rechazó la solicitud (estado {status}). Revisa el modelo y los ajustes.",
    },
    "error.model_unavailable": {
        "en": "{provider} no longer serves {model} to this key (retired, or not open to it). "
        "Switch to {successor} and send again.",
        "es": "{provider} ya no ofrece {model} a esta clave (retirado, o no disponible para ella). "
        "Cambia a {successor} y envía de nuevo.",
    },
    "error.empty_listing": {
        "en": "{provider} listed no chat models for this key: showing Charla's own list.",
        "es": "{provider} no listó ningún modelo de chat para esta clave: se muestra la lista de Charla.",
    },
    "error.effort": {
        "en": "{model} takes reasoning effort {options}; '{effort}' is not one of them.",
        "es": "{model} acepta un esfuerzo de razonamiento {options}; '{effort}' no es uno de ellos.",
    },
    "error.no_reasoning": {
        "en": "{model} does not reason: leave the reasoning effort unset.",
        "es": "{model} no razona: deja el esfuerzo de razonamiento sin fijar.",
    },
    # --- reply outcomes ---
    "outcome.stopped": {"en": "Stopped.", "es": "Detenido."},
    "outcome.cut": {
        "en": "Cut after {seconds} s (the longest a reply may stream).",
        "es": "Cortado tras {seconds} s (lo máximo que puede durar una respuesta).",
    },
    "outcome.thought_out": {
        "en": "{model} used all {tokens} output tokens thinking and gave no answer. Raise Max output or lower "
        "the reasoning effort, then regenerate.",
        "es": "{model} gastó los {tokens} tokens de salida pensando y no dio respuesta. Sube la salida máxima o "
        "baja el esfuerzo de razonamiento, y vuelve a generar.",
    },
    "outcome.step_limit": {
        "en": "The model used its {steps} tool steps; this answer uses what they gave.",
        "es": "El modelo usó sus {steps} pasos de herramientas; esta respuesta usa lo que dieron.",
    },
    "outcome.retired": {
        "en": "{model} was retired by {provider} on {date}; answered by {successor}.",
        "es": "{provider} retiró {model} el {date}; respondió {successor}.",
    },
}
