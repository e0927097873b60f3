"""Send an OpenAI Batch file to DeepSeek with run_batch, then run it again: the second run resumes (sends nothing).

Needs DEEPSEEK_API_KEY (and DEEPSEEK_BASE_URL for the offline double). Writes requests.jsonl and results.jsonl
in the current folder. The CLI equivalent: deepseek-openai batch requests.jsonl -o results.jsonl --model deepseek-flash
"""

import json
from pathlib import Path

from deepseek_openai import run_batch

questions = ["What is 2 + 2?", "Name a prime above 10.", "Spell 'batch' backwards."]
with Path("requests.jsonl").open("w") as f:
    for number, question in enumerate(questions):
        body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}], "max_tokens": 200}
        f.write(json.dumps({"custom_id": f"q{number}", "method": "POST", "url": "/v1/chat/completions", "body": body}))
        f.write("\n")

# The file names an OpenAI model: model= replaces it (without it the file is refused before anything is sent).
summary = run_batch("requests.jsonl", "results.jsonl", model="deepseek-flash", concurrency=8)
print(f"first run: {summary.ok} ok, {summary.failed} failed, cost ${summary.cost['USD']:.6f}")

for raw in Path("results.jsonl").read_text().splitlines():
    line = json.loads(raw)
    answer = line["response"]["body"]["choices"][0]["message"]["content"]
    print(f"{line['custom_id']}: {answer}")

again = run_batch("requests.jsonl", "results.jsonl", model="deepseek-flash")
print(f"second run: {again.skipped} already done, {again.ok} sent")
