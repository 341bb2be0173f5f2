"""A trivial job that proves the runtime in each mode (used by the tests)."""

from __future__ import annotations

import os
import time

from app.jobs.runtime import report_progress


def ping(steps: int = 3, delay: float = 0.0, fail: bool = False) -> dict:
    for i in range(1, steps + 1):
        if delay:
            time.sleep(delay)
        report_progress(int(100 * i / steps), f"шаг {i} из {steps}")
    if fail:
        raise RuntimeError("задача завершилась с ошибкой по запросу")
    return {"pong": steps, "pid": os.getpid()}
