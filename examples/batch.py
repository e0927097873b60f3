"""Send an OpenAI Batch file to DeepSeek with run_batch, then run it again: the second run resumes (sends nothing).

Needs DEEPSEEK_API_KEY (and DEEPSEEK_BASE_URL for the offline double; `deepseek-openai serve` prints both).

    python examples/batch.py           # works in a temporary folder, removed at the end
    python examples/batch.py FOLDER    # writes FOLDER/requests.jsonl and FOLDER/results.jsonl and keeps them

The CLI equivalent: deepseek-openai batch FOLDER/requests.jsonl -o FOLDER/results.jsonl --model deepseek-flash
"""

import json
import sys
import tempfile
from pathlib import Path

from deepseek_openai import resolve_settings, run_batch


def main(folder: Path) -> None:
    requests, results = folder / "requests.jsonl", folder / "results.jsonl"
    questions = ["What is 2 + 2?", "Name a prime above 10.", "Spell 'batch' backwards."]
    with requests.open("w") as f:
        for number, question in enumerate(questions):
            body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}], "max_tokens": 200}
            line = {"custom_id": f"q{number}", "method": "POST", "url": "/v1/chat/completions", "body": body}
            f.write(json.dumps(line) + "\n")

    # The file names an OpenAI model: model= replaces it (without it the file is refused before anything is sent).
    summary = run_batch(requests, results, model="deepseek-flash", concurrency=8)
    print(f"first run: {summary.ok} ok, {summary.failed} failed, cost ${summary.cost['USD']:.6f}")

    for raw in results.read_text().splitlines():
        reply = json.loads(raw)
        answer = reply["response"]["body"]["choices"][0]["message"]["content"]
        print(f"{reply['custom_id']}: {answer}")

    again = run_batch(requests, results, model="deepseek-flash")
    print(f"second run: {again.skipped} already done, {again.ok} sent")


resolve_settings()  # no key: MissingAPIKeyError, with its fix, before any file is written
if len(sys.argv) > 1:
    named = Path(sys.argv[1])
    named.mkdir(parents=True, exist_ok=True)
    main(named)
    print(f"kept in {named}: requests.jsonl, results.jsonl")
else:
    with tempfile.TemporaryDirectory(prefix="deepseek-batch-") as scratch:
        main(Path(scratch))
