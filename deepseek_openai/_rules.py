"""DeepSeek's request rules: the :class:`Rule` record, how our checks apply it, and the table of every rule.

One table serves three readers: ``check_messages`` and the other helpers (checks before the network),
``deepseek_openai.testing`` (answer like the real service) and ``explain`` (turn an API error into a fix).
Each row's ``evidence`` says how we know what DeepSeek does (a section of the project's API digest, or the issue
that saw it); only rows known to be refused block before the network (:attr:`Rule.refuses`), the others warn.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ._errors import InvalidRequestError
from ._warnings import user_stacklevel

__all__ = ["DOCS", "EVIDENCE_KINDS", "RULES", "Rule", "rule"]

DOCS = "https://api-docs.deepseek.com"
"""DeepSeek's API documentation; each rule's ``docs`` is a page below it."""

EVIDENCE_KINDS = ("documented", "observed", "unknown", "accepted")
"""How a row's behaviour is known: stated by DeepSeek's docs, seen on the live API, not known, or known accepted."""
_REFUSED = ("documented", "observed")


@dataclass(frozen=True)
class Rule:
    """One thing DeepSeek refuses (or silently mishandles), with the status it answers and the fix."""

    id: str
    """Stable identifier, also carried by our errors as ``.rule``."""
    status: int | None
    """HTTP status DeepSeek answers; ``None`` when DeepSeek accepts the request but the result is wrong."""
    message: str
    """DeepSeek's error message (``{...}`` fields are filled in per request)."""
    fix: str
    """What to change, in one sentence."""
    docs: str
    """The DeepSeek docs page that states the rule."""
    error_type: str = "invalid_request_error"
    """The ``error.type`` field of DeepSeek's error body."""
    note: str = ""
    """Where the message comes from when DeepSeek does not document it."""
    evidence: str = "unknown"
    """One of :data:`EVIDENCE_KINDS`, then where: ``§n`` of the project's API digest, the project issue that saw it
    (``issue n``), or a public tracker quoting DeepSeek's answer (``github owner/repo#n``)."""
    also: tuple[str, ...] = ()
    """Other wordings DeepSeek has used for the same refusal (``explain`` recognises them too)."""
    cause: str = ""
    """What the refusal means, in plain words, when DeepSeek's message does not say it."""

    @property
    def refuses(self) -> bool:
        """Whether our checks raise (DeepSeek is known to refuse: documented or observed) rather than warn."""
        return self.status is not None and self.evidence.partition(" ")[0] in _REFUSED

    def enforce(self, message: str) -> None:
        """Raise :class:`InvalidRequestError` for ``message`` when :attr:`refuses`, else warn (``UserWarning``).

        The warning names the caller's line (the first frame outside the SDK stack) and ends with ``Fix: ...``.

        Args:
            message: what is wrong with this request, in one sentence.

        Raises:
            InvalidRequestError: with ``.rule`` this row's id and ``.fix`` its fix.
        """
        if self.refuses:
            raise InvalidRequestError(message, fix=self.fix, rule=self.id)
        warnings.warn(f"{message} Fix: {self.fix}", UserWarning, stacklevel=user_stacklevel())


def _table(*rules: Rule) -> Mapping[str, Rule]:
    return MappingProxyType({r.id: r for r in rules})


RULES: Mapping[str, Rule] = _table(
    Rule(
        "passback",
        400,
        "The `reasoning_content` in the thinking mode must be passed back to the API.",
        "send every earlier assistant turn with its reasoning_content when tools are in the request: "
        "append assistant_turn(reply) to the history instead of a hand-built dict.",
        f"{DOCS}/guides/thinking_mode",
        evidence="documented §3 (400, this text); §18: an empty string is disputed, so only a missing field counts",
        also=("Missing `reasoning_content` field in the assistant message at message index {index}",),
    ),
    Rule(
        "tool_choice_thinking",
        400,
        "Thinking mode does not support this tool_choice",
        "use tool_choice='auto' or 'none', or turn thinking off with **thinking(False) for this request.",
        f"{DOCS}/guides/thinking_mode",
        evidence="documented §3 (400 'Disable thinking mode first'; this text observed)",
    ),
    Rule(
        "json_schema",
        400,
        "This response_format type is unavailable now",
        "use response_format={'type': 'json_object'} (or json_completion(..., schema=Model)); "
        "chat.completions.parse(response_format=Model) sends json_schema, which DeepSeek rejects.",
        f"{DOCS}/guides/json_mode",
        evidence="documented §4 (text or json_object only); the 400 measured in openai-compat.md §5",
    ),
    Rule(
        "reasoning_effort",
        422,
        "Failed to deserialize the JSON body into the target type: reasoning_effort: unknown variant `{value}`, "
        "expected one of `none`, `low`, `high`, `max`",
        "use reasoning_effort 'none', 'low', 'high' or 'max' (thinking(effort=...) checks this).",
        f"{DOCS}/api/create-chat-completion",
        note="[!] text observed by third parties; status 422",
        evidence="observed §3 (422); the aliases minimal, medium, xhigh and ultra are accepted (documented §3)",
    ),
    Rule(
        "developer_role",
        422,
        "Failed to deserialize the JSON body into the target type: messages[{index}].role: unknown variant "
        "`developer`, expected one of `system`, `user`, `assistant`, `tool`, `latest_reminder`",
        "use role 'system' instead of 'developer'.",
        f"{DOCS}/api/create-chat-completion",
        note="[!] observed; status likely 422",
        evidence="observed §4 (unknown variant, status likely 422)",
    ),
    Rule(
        "tool_without_call",
        400,
        "Messages with role 'tool' must be a response to a preceding message with 'tool_calls'",
        "put each tool message right after the assistant turn whose tool_calls holds its tool_call_id.",
        f"{DOCS}/guides/tool_calls",
        note="not in DeepSeek's docs (§9 only says to answer each call); the 400 body is quoted in public trackers",
        evidence="observed github qwersyk/Newelle#425 (2026-08, V4 Flash, this 400), agentscope-ai/agentscope-go#7",
    ),
    Rule(
        "unknown_model",
        400,
        "Model Not Exist",
        "use model='deepseek-flash' or model='deepseek-v4-pro'.",
        f"{DOCS}/quick_start/pricing",
        evidence="observed §0, §2: ids the service does not serve get 400 (§14: the same in the Anthropic format)",
    ),
    Rule(
        "retired_model",
        400,
        "Model Not Exist",
        "'deepseek-chat' is now model='deepseek-flash' with **thinking(False); 'deepseek-reasoner' is "
        "model='deepseek-flash' with thinking on (the default).",
        f"{DOCS}/quick_start/your_first_api_call",
        note="[!] retired 2026-07-24; DeepSeek's exact 400 text is undocumented",
        evidence="observed §0 (400 since 2026-07-24)",
    ),
    Rule(
        "prefix_not_beta",
        400,
        'prefix is only available when using beta api (set base_url="https://api.deepseek.com/beta")',
        "create the client with create_client(beta=True) (base URL https://api.deepseek.com/beta).",
        f"{DOCS}/guides/chat_prefix_completion",
        note="not in DeepSeek's docs (§6 only says to use the beta base); the 400 body is quoted in public trackers",
        evidence="observed github BerriAI/litellm#4881 (2024-08, this 400), QuantumNous/new-api#999 (2025-04)",
    ),
    Rule(
        "prefix_not_last",
        400,
        "The message with `prefix: true` must be the last message and have role `assistant`",
        "make the prefix message (prefix_message(...)) the last message of the request.",
        f"{DOCS}/guides/chat_prefix_completion",
        note="[!] wording not documented",
        evidence="unknown §6: the docs say the last message carries prefix: true; what happens otherwise is not",
    ),
    Rule(
        "fim_not_beta",
        404,
        "Not Found",
        "FIM lives at /beta/completions: use create_client(beta=True).",
        f"{DOCS}/guides/fim_completion",
        note="[!] the main base has no /completions route",
        evidence="unknown §1, §7: FIM is documented at /beta/completions only; the main base's answer is not",
    ),
    Rule(
        "fim_thinking",
        400,
        "FIM completion does not support thinking mode",
        "leave thinking out of FIM requests (fim() sends none), or send thinking disabled.",
        f"{DOCS}/guides/fim_completion",
        note="[!] wording not documented",
        evidence="unknown §7: FIM is non-thinking only; whether thinking enabled is refused or ignored is not said",
    ),
    Rule(
        "fim_max_tokens",
        400,
        "max_tokens for FIM completion must be at most 4096",
        "pass max_tokens of 4096 or less to FIM completion.",
        f"{DOCS}/guides/fim_completion",
        note="[!] wording not documented",
        evidence="documented §7 (at most 4K tokens)",
    ),
    # Responses, Files, vision and the Search/Fetch tools (2026-07 to 2026-10; see also deepseek_openai._webtools).
    Rule(
        "responses_passback",
        400,
        "The reasoning item in the thinking mode must be passed back to the API.",
        "in thinking mode with tools, put each earlier turn's reasoning item back into input: "
        "append response_turn(response) to the input instead of only its messages and function calls.",
        f"{DOCS}/guides/responses_api",
        note="[!] the rule is documented; the Responses wording is not",
        evidence="documented §18 (reasoning items go back in thinking mode with tools); the wording is not",
    ),
    Rule(
        "image_url",
        400,
        "Invalid image url: use an https or data: URL of at most 8192 characters",
        "pass an https URL of at most 8192 characters, or the image itself: image_part(path_or_bytes) makes a "
        "data: URL.",
        f"{DOCS}/guides/vision",
        note="[!] limits documented, wording not",
        evidence="documented §18 (https or data: URLs, at most 8192 characters)",
    ),
    Rule(
        "image_type",
        400,
        "Unsupported image format: use JPEG, PNG, GIF or WebP",
        "convert the image to JPEG, PNG, GIF or WebP.",
        f"{DOCS}/guides/vision",
        note="[!] formats documented, wording not",
        evidence="documented §18 (JPEG, PNG, GIF, WebP)",
    ),
    Rule(
        "image_size",
        400,
        "Image too large: an inline image may be at most {limit} bytes",
        "shrink the image (an inline image is at most 32 MiB), or upload it with client.files.create"
        "(purpose='user_data') and send its file_id.",
        f"{DOCS}/guides/vision",
        note="[!] limit documented, wording not",
        evidence="documented §18 (an inline image is at most 32 MiB)",
    ),
    Rule(
        "file_purpose",
        400,
        "Invalid purpose `{purpose}`: expected one of `user_data`, `text_recognition`, `rich_layout_recognition`",
        "upload images with purpose='user_data', documents with 'text_recognition' or 'rich_layout_recognition'.",
        f"{DOCS}/api/upload-file",
        note="[!] purposes documented, wording not",
        evidence="documented §18 (user_data, text_recognition, rich_layout_recognition)",
    ),
    Rule(
        "file_size",
        400,
        "File too large: {kind} files may be at most {limit} bytes",
        "split or shrink the file: images up to 64 MiB, PDF/Word/PPT up to 100 MiB, text and sheets up to 32 MiB.",
        f"{DOCS}/api/upload-file",
        note="[!] limits documented, wording not",
        evidence="documented §18 (64 MiB images, 100 MiB PDF/Word/PPT, 32 MiB text and sheets)",
    ),
    Rule(
        "file_expiry",
        400,
        "expires_after.seconds must be between 3600 and 2592000",
        "pass expires_after={'anchor': 'created_at', 'seconds': N} with N from 3600 to 2592000, or leave it out.",
        f"{DOCS}/api/upload-file",
        note="[!] range documented, wording not",
        evidence="documented §14, §18 (3600 to 2592000 seconds)",
    ),
    Rule(
        "file_not_found",
        404,
        "No such file: {file_id}",
        "check the id: client.files.list() shows the files you have; deleted and expired files are gone.",
        f"{DOCS}/api/upload-file",
        note="[!] wording not documented",
        evidence="unknown §18: an unknown id cannot succeed, but the status and text are not documented",
    ),
    Rule(
        "file_content",
        404,
        "File content download is not supported",
        "DeepSeek keeps no downloadable copy: keep your own copy of what you upload.",
        f"{DOCS}/api/upload-file",
        note="[!] /files/{id}/content is documented as unsupported; status and wording are not",
        evidence="documented §18 (/files/{id}/content is unsupported)",
    ),
    Rule(
        "search_query",
        400,
        "query must be between 1 and 128 characters",
        "pass a query of 1 to 128 characters (operators such as site: count too).",
        f"{DOCS}/api/search",
        note="[!] range documented, wording not",
        evidence="documented §18 (1 to 128 characters)",
    ),
    Rule(
        "search_count",
        400,
        "count must be between 1 and 50",
        "pass count from 1 to 50 (default 10).",
        f"{DOCS}/api/search",
        note="[!] range documented, wording not",
        evidence="documented §18 (1 to 50)",
    ),
    Rule(
        "fetch_url",
        400,
        "url must be an http or https URL of at most 8192 characters, without credentials",
        "pass one http(s) URL of at most 8192 characters, with no user:password@ part.",
        f"{DOCS}/api/fetch",
        note="[!] rules documented, wording not",
        evidence="documented §18 (http/https, at most 8192 characters, no credentials)",
    ),
    Rule(
        "too_many_tools",
        400,
        "Too many tools: at most 128 functions are supported",
        "send at most 128 tools in one request.",
        f"{DOCS}/api/create-chat-completion",
        note="[!] wording not documented",
        evidence="documented §4, §9 (at most 128)",
    ),
    Rule(
        "max_tokens_range",
        400,
        "max_tokens must be between 1 and 393216",
        "pass max_tokens between 1 and 393216 (model_info(model).max_output_tokens).",
        f"{DOCS}/api/create-chat-completion",
        note="[!] wording not documented",
        evidence="documented §2, §4 (1 to 393,216)",
    ),
    Rule(
        "user_id",
        400,
        "user_id must be a string of at most 512 bytes",
        "use at most 512 bytes (a hash of your user's id, never personal data).",
        f"{DOCS}/quick_start/rate_limit",
        note="[!] status and wording not documented",
        evidence="documented §12 (at most 512, in every version of the page)",
    ),
    Rule(
        "user_id_chars",
        400,
        "user_id must match [A-Za-z0-9_-]*",
        "use only letters, digits, '_' and '-' (a hash of your user's id, never personal data).",
        f"{DOCS}/quick_start/rate_limit",
        note="[!] status and wording not documented",
        evidence="unknown §12: the newest page says 'preferably' these characters, an older one 'must'",
    ),
    Rule(
        "tool_name",
        400,
        "Invalid function name '{name}': use at most 64 characters of a-z, A-Z, 0-9, '_' and '-'",
        "name each function with at most 64 characters of letters, digits, '_' and '-'.",
        f"{DOCS}/guides/tool_calls",
        note="[!] format from the docs; wording not documented",
        evidence="documented §9",
    ),
    Rule(
        "strict_schema",
        400,
        "Invalid schema for function '{name}': {detail}",
        "keep strict schemas to DeepSeek's subset (object, string, number, integer, boolean, array, enum, anyOf, "
        "$ref/$defs); build them with strict_tool(), which fills required and additionalProperties for you.",
        f"{DOCS}/guides/tool_calls",
        note="[!] the server validates strict schemas; its wording is not documented",
        evidence="documented §9 (the beta base validates each strict schema and errors on unsupported constructs)",
    ),
    Rule(
        "strict_not_beta",
        None,
        "strict: true is enforced only on the beta endpoint, with strict: true on every function",
        "for enforced schemas use create_client(beta=True) and strict: true on every tool (strict_tool() does); "
        "the main base accepts strict tools but is not documented to enforce them.",
        f"{DOCS}/guides/tool_calls",
        evidence="accepted §18: strict tools on the main base got HTTP 200; whether it enforces them is not said",
    ),
    Rule(
        "json_word",
        400,
        "Prompt must contain the word 'json' in some form to use 'response_format' of type 'json_object'",
        "put the word 'json' in a system or user message with an example of the JSON you want, or use "
        "json_completion(), which checks this and validates the reply.",
        f"{DOCS}/guides/json_mode",
        evidence="documented §8 (the prompt must contain 'json'); this 400 seen in real traffic (issue 13)",
    ),
    Rule(
        "blank_json",
        None,
        "JSON output came back blank",
        "retry the request (json_completion retries for you), raise max_tokens, and show an example JSON "
        "in the prompt.",
        f"{DOCS}/guides/json_mode",
        evidence="accepted §8 (unrecognisable JSON comes back as spaces)",
    ),
    Rule(
        "ignored_sampling",
        None,
        "temperature, presence_penalty and frequency_penalty have no effect in thinking mode",
        "turn thinking off (**thinking(False)) if you need these settings.",
        f"{DOCS}/guides/thinking_mode",
        evidence="accepted §3 (accepted, no effect)",
    ),
    Rule(
        "image_input",
        400,
        "unknown variant `image_url`, expected `text`",
        "send images (image_url parts) only to model='deepseek-flash' and only in user messages; "
        "describe the image in text for other models and roles.",
        f"{DOCS}/api/create-chat-completion",
        evidence="documented §4, §18 (images: deepseek-flash, user messages only); this 400 seen (issue 13)",
    ),
    Rule(
        "content_risk",
        400,
        "Content Exists Risk",
        "rephrase or remove the flagged content (the latest message, or earlier turns of the history) and send "
        "again; the same text gets the same answer. If the text is harmless, report the false positive to DeepSeek.",
        f"{DOCS}/quick_start/error_codes",
        evidence="observed issue 13; github deepseek-ai/awesome-deepseek-integration#13 (DeepSeek staff reply)",
        cause="This is DeepSeek's content moderation: it flagged something in the request, not its format.",
    ),
    Rule(
        "auth",
        401,
        "Authentication Fails, Your api key: {key} is invalid",
        "check DEEPSEEK_API_KEY (or api_key=); create a key at https://platform.deepseek.com/api_keys.",
        f"{DOCS}/quick_start/error_codes",
        error_type="authentication_error",
        evidence="documented §13",
    ),
    Rule(
        "balance",
        402,
        "Insufficient Balance",
        "top up at https://platform.deepseek.com/top_up; get_balance(client) shows what is left.",
        f"{DOCS}/quick_start/error_codes",
        error_type="unknown_error",
        evidence="documented §13",
    ),
    Rule(
        "rate_limit",
        429,
        "Rate Limit Reached",
        "you hit the account's concurrency limit (shared by all keys, smaller when the balance is low): "
        "send fewer requests at once or top up; quick retries rarely help.",
        f"{DOCS}/quick_start/rate_limit",
        error_type="rate_limit_error",
        evidence="documented §12, §13",
    ),
    Rule(
        "server_error",
        500,
        "Server Error",
        "retry after a pause; contact DeepSeek if it persists.",
        f"{DOCS}/quick_start/error_codes",
        error_type="server_error",
        evidence="documented §13",
    ),
    Rule(
        "overloaded",
        503,
        "Server Overloaded",
        "DeepSeek is overloaded: retry after a pause.",
        f"{DOCS}/quick_start/error_codes",
        error_type="server_error",
        evidence="documented §13",
    ),
)
"""Every DeepSeek rule the package knows, by id; read-only."""


def rule(rule_id: str) -> Rule:
    """Return the rule with this id (``KeyError`` names the known ids)."""
    try:
        return RULES[rule_id]
    except KeyError:
        raise KeyError(f"unknown rule {rule_id!r}; known: {', '.join(RULES)}") from None
