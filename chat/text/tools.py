"""The tools' sentences ("tools.*"): the MCP config file, servers that are down, tool results."""

from __future__ import annotations

from chat.text import Table

TEXT: Table = {
    # --- the config file ---
    "tools.config_bad": {
        "en": "The MCP config {path} cannot be used: {problem}. The chat works without tools until it is fixed.",
        "es": "La configuración MCP {path} no se puede usar: {problem}. El chat funciona sin herramientas hasta "
        "que se corrija.",
    },
    "tools.cfg.missing": {"en": "the file does not exist", "es": "el archivo no existe"},
    "tools.cfg.unreadable": {
        "en": "the file cannot be read ({reason})",
        "es": "no se puede leer el archivo ({reason})",
    },
    "tools.cfg.not_json": {
        "en": "it is not valid JSON (line {line}, column {column}: {reason})",
        "es": "no es JSON válido (línea {line}, columna {column}: {reason})",
    },
    "tools.cfg.invalid": {"en": "{where}: {reason}", "es": "{where}: {reason}"},
    "tools.cfg.kind": {
        "en": 'give either "command" (a program to run) or "url" (a streamable HTTP endpoint)',
        "es": 'indica "command" (un programa que ejecutar) o "url" (un punto de acceso HTTP streamable), uno de '
        "los dos",
    },
    "tools.cfg.url": {
        "en": "the url must start with http:// or https://",
        "es": "la url debe empezar por http:// o https://",
    },
    "tools.cfg.env": {
        "en": "env may not set {name}: Charla's keys and settings never reach a tool server",
        "es": "env no puede fijar {name}: las claves y ajustes de Charla nunca llegan a un servidor de herramientas",
    },
    "tools.cfg.name": {"en": "a server name is empty", "es": "un nombre de servidor está vacío"},
    "tools.cfg.no_servers": {
        "en": 'an "mcpServers" object is required',
        "es": 'se requiere un objeto "mcpServers"',
    },
    "tools.cfg.with_more": {"en": "{found}{more}", "es": "{found}{more}"},
    "tools.cfg.more": {"en": " (and {count} more problem(s))", "es": " (y {count} problema(s) más)"},
    # --- why a server is down ---
    "tools.down.not_found": {
        "en": "the command {command} was not found; install it or give its full path",
        "es": "no se encontró la orden {command}; instálala o indica su ruta completa",
    },
    "tools.down.not_executable": {
        "en": "the command {command} cannot be run (permission denied)",
        "es": "la orden {command} no se puede ejecutar (permiso denegado)",
    },
    "tools.down.cwd": {"en": "the folder {cwd} does not exist", "es": "la carpeta {cwd} no existe"},
    "tools.down.exited": {
        "en": "the server stopped before it answered{detail}",
        "es": "el servidor se detuvo antes de responder{detail}",
    },
    "tools.down.no_answer": {
        "en": "the server did not answer within {seconds} s",
        "es": "el servidor no respondió en {seconds} s",
    },
    "tools.down.connect": {"en": "cannot connect to {url}", "es": "no se puede conectar con {url}"},
    "tools.down.http": {"en": "{url} answered HTTP {status}", "es": "{url} respondió HTTP {status}"},
    "tools.down.http_auth": {
        "en": "{url} refused the credentials (HTTP {status}); check this server's headers in the config",
        "es": "{url} rechazó las credenciales (HTTP {status}); revisa las cabeceras de este servidor en la "
        "configuración",
    },
    "tools.down.lost": {"en": "the connection to the server was lost", "es": "se perdió la conexión con el servidor"},
    "tools.down.closed": {
        "en": "Charla's tool hub is closed",
        "es": "el gestor de herramientas de Charla está cerrado",
    },
    "tools.down.other": {
        "en": "the server could not be started ({detail})",
        "es": "no se pudo iniciar el servidor ({detail})",
    },
    # --- tool results Charla writes itself (the model reads them, the person sees them) ---
    "tools.result.timeout": {
        "en": "{tool} ({server}) did not finish within {seconds} s and was stopped. Try again later or do without it.",
        "es": "{tool} ({server}) no terminó en {seconds} s y se detuvo. Inténtalo más tarde o prescinde de ella.",
    },
    "tools.result.cancelled": {
        "en": "{tool} ({server}) was stopped before it finished.",
        "es": "{tool} ({server}) se detuvo antes de terminar.",
    },
    "tools.result.unavailable": {
        "en": "{tool} could not run: the tool server {server} is not available ({reason}).",
        "es": "{tool} no pudo ejecutarse: el servidor de herramientas {server} no está disponible ({reason}).",
    },
    "tools.result.unknown": {
        "en": "There is no tool called {name}. Use one of: {options}.",
        "es": "No hay ninguna herramienta llamada {name}. Usa una de: {options}.",
    },
    "tools.result.bad_arguments": {
        "en": "The arguments for {tool} are not a JSON object ({reason}). Call it again with valid JSON.",
        "es": "Los argumentos de {tool} no son un objeto JSON ({reason}). Llámala de nuevo con JSON válido.",
    },
    "tools.arg.json": {"en": "invalid JSON: {reason}", "es": "JSON no válido: {reason}"},
    "tools.arg.object": {"en": "not an object", "es": "no es un objeto"},
    "tools.result.protocol": {
        "en": "The tool server {server} answered {tool} with an error: {detail}",
        "es": "El servidor de herramientas {server} respondió a {tool} con un error: {detail}",
    },
    "tools.result.failed": {
        "en": "{tool} ({server}) failed without saying why.",
        "es": "{tool} ({server}) falló sin decir por qué.",
    },
    "tools.result.empty": {"en": "{tool} returned nothing.", "es": "{tool} no devolvió nada."},
    "tools.result.denied": {
        "en": "The person did not allow {tool} ({server}) to run; it was not run.",
        "es": "La persona no permitió ejecutar {tool} ({server}); no se ejecutó.",
    },
    "tools.result.denied_api": {
        "en": "{tool} ({server}) can change things and needs a person's approval, which this API cannot ask for; "
        "it was not run.",
        "es": "{tool} ({server}) puede cambiar cosas y necesita la aprobación de una persona, que esta API no "
        "puede pedir; no se ejecutó.",
    },
    "tools.result.cut": {
        "en": "[Cut: the tool returned {total} characters; only the first {kept} are kept.]",
        "es": "[Cortado: la herramienta devolvió {total} caracteres; solo se conservan los primeros {kept}.]",
    },
    # --- the chat page: each step, the approval card, the settings' list of servers ---
    "tools.ui.running": {"en": "{tool} · {server} — running…", "es": "{tool} · {server} — en curso…"},
    "tools.ui.done": {"en": "{tool} · {server} — {seconds} s", "es": "{tool} · {server} — {seconds} s"},
    "tools.ui.failed": {
        "en": "{tool} · {server} — failed ({seconds} s)",
        "es": "{tool} · {server} — falló ({seconds} s)",
    },
    "tools.ui.stopped": {"en": "{tool} · {server} — stopped", "es": "{tool} · {server} — detenida"},
    "tools.ui.denied": {"en": "{tool} · {server} — not run", "es": "{tool} · {server} — no ejecutada"},
    "tools.ui.pending": {
        "en": "{tool} · {server} — waiting for your approval",
        "es": "{tool} · {server} — espera tu aprobación",
    },
    "tools.ui.arguments": {"en": "Arguments", "es": "Argumentos"},
    "tools.ui.result": {"en": "Result", "es": "Resultado"},
    "tools.ui.show_all": {"en": "Show all {count} characters", "es": "Mostrar los {count} caracteres"},
    "tools.ui.ask": {
        "en": "The model wants to run **{tool}** on the tool server **{server}**, which can change things. Run it?",
        "es": "El modelo quiere ejecutar **{tool}** en el servidor de herramientas **{server}**, que puede cambiar "
        "cosas. ¿Ejecutarla?",
    },
    "tools.ui.run": {"en": "Run", "es": "Ejecutar"},
    "tools.ui.deny": {"en": "Deny", "es": "Denegar"},
    "tools.ui.title": {"en": "Tools (MCP)", "es": "Herramientas (MCP)"},
    "tools.ui.server_up": {"en": "{server} — {count} tool(s)", "es": "{server} — {count} herramienta(s)"},
    "tools.ui.server_starting": {"en": "{server} — starting…", "es": "{server} — arrancando…"},
    "tools.ui.server_down": {"en": "{server} — down: {reason}", "es": "{server} — caído: {reason}"},
    "tools.ui.read_only": {"en": "read-only", "es": "solo lectura"},
    "tools.ui.asks_first": {"en": "asks first", "es": "pregunta antes"},
    "tools.ui.auto": {"en": "runs without asking", "es": "se ejecuta sin preguntar"},
    "tools.ui.model_without_tools": {
        "en": "{model} does not take tools: choose another model to use them.",
        "es": "{model} no usa herramientas: elige otro modelo para usarlas.",
    },
}
