"""The TensorBoard event files of a `metarl train` run, read back with TensorBoard's own reader,
hold every scalar of `metrics.jsonl`."""

from __future__ import annotations

import json

import numpy as np
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def expected_scalars(line: dict) -> dict[str, float]:
    """The TensorBoard tags of one metrics line (the documented mapping)."""
    tags = {}
    for key, value in line.items():
        if isinstance(value, bool):
            tags[f"train/{key}"] = float(value)
        elif isinstance(value, (int, float)):
            tags[f"train/{key}"] = float(value)
    validation = line.get("validation")
    if validation:
        for i, (mean, stderr) in enumerate(zip(validation["mean"], validation["stderr"])):
            tags[f"validation/return_after_{i}_steps"] = mean
            tags[f"validation/stderr_after_{i}_steps"] = stderr
    return tags


def test_tensorboard_files_hold_every_scalar_of_metrics_jsonl(nav_run):
    lines = [json.loads(l) for l in (nav_run / "metrics.jsonl").read_text().splitlines()]
    assert len(lines) == 3 and all("validation" in l for l in lines)
    events = EventAccumulator(str(nav_run / "tb"), size_guidance={"scalars": 0})
    events.Reload()
    stored = {
        tag: {e.step: e.value for e in events.Scalars(tag)} for tag in events.Tags()["scalars"]
    }
    expected_tags = set()
    for line in lines:
        for tag, value in expected_scalars(line).items():
            expected_tags.add(tag)
            got = stored[tag][line["iteration"]]
            assert np.float32(value) == np.float32(got) or (np.isnan(value) and np.isnan(got)), tag
    assert expected_tags == set(stored), "no extra or missing tags"
    assert {"train/return_pre", "train/return_post", "train/kl", "train/surrogate_after",
            "train/seconds", "train/rejected_steps", "validation/return_after_1_steps"} <= expected_tags
