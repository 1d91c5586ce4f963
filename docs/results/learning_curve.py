"""Learning-curve table of a run directory's metrics.jsonl, as in cheetah-*-learning-curve.md.

usage: python3 learning_curve.py RUN_DIR [WINDOW]
Rows: training returns before and after adaptation averaged over each WINDOW (default 10)
iterations, and the validation after 0..N steps at the window's last iteration (if validated).
"""
import json
import sys

run, window = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10
lines = [json.loads(l) for l in open(f"{run}/metrics.jsonl")]
print("| iterations | return pre | return post | validation after 0..N steps |")
print("|---|---|---|---|")
for start in range(0, len(lines), window):
    chunk = lines[start:start + window]
    pre = sum(l["return_pre"] for l in chunk) / len(chunk)
    post = sum(l["return_post"] for l in chunk) / len(chunk)
    v = chunk[-1].get("validation")
    cells = ", ".join(f"{m:.1f}" for m in v["mean"]) if v else ""
    print(f"| {start}-{start + len(chunk) - 1} | {pre:.1f} | {post:.1f} | {cells} |")
