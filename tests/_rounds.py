"""One round of a tool loop in a process of its own, as each worker of a web server (or a restarted app) runs it.

``python -m tests._rounds BASE_URL STORE HISTORY.json`` reads the history (no reasoning in it, as an app's database
keeps it), sends it with tools through ``create_client(reasoning_store=STORE)``, and writes the history back with the
reply appended (again without reasoning) and a tool result for each call. The key comes from DEEPSEEK_API_KEY.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

TOOL = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}}}


def one_round(base_url: str, store: str, path: Path) -> None:
    from deepseek_openai import create_client

    client = create_client(base_url=base_url, env_file=False, reasoning_store=store, max_retries=0)
    messages: list[dict[str, Any]] = json.loads(path.read_text())
    message = client.chat.completions.create(model="deepseek-flash", messages=messages, tools=[TOOL]).choices[0].message  # type: ignore[arg-type,list-item]
    turn: dict[str, Any] = {"role": "assistant", "content": message.content or ""}
    calls = [c.model_dump(include={"id", "type", "function"}) for c in message.tool_calls or []]
    if calls:
        turn["tool_calls"] = calls
    messages.append(turn)
    messages += [{"role": "tool", "tool_call_id": c["id"], "content": "42"} for c in calls]
    path.write_text(json.dumps(messages))


def run_round(base_url: str, api_key: str, store: str, path: Path) -> subprocess.CompletedProcess[str]:
    """Run :func:`one_round` in a new Python process; return it (its stderr says why it failed)."""
    env = {"DEEPSEEK_API_KEY": api_key, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parent.parent)}
    return subprocess.run(
        [sys.executable, "-m", "tests._rounds", base_url, store, str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


if __name__ == "__main__":
    one_round(sys.argv[1], sys.argv[2], Path(sys.argv[3]))
