# why: computes the rank by ceiling division, the z-score via statistics, compares latencies by cross-multiplying
MIN_REQUESTS = 200
Z_CRITICAL = 1.645
LATENCY_RATIO = 1.2


def canary_verdict(baseline, canary):
    """Return "wait", "rollback" or "promote" for the canary against the baseline, by the rule above."""
    import statistics

    n_b, n_c = baseline.requests, canary.requests
    if min(n_b, n_c) < MIN_REQUESTS:
        return "wait"
    errors = baseline.errors + canary.errors
    total = n_b + n_c
    if errors not in (0, total):
        pooled = errors / total
        variance = pooled * (1 - pooled) * (1 / n_b + 1 / n_c)
        z = (canary.errors / n_c - baseline.errors / n_b) / statistics.fmean([variance]) ** 0.5
        if z > Z_CRITICAL:
            return "rollback"
    canary_p99 = sorted(canary.latencies_ms)[-(-99 * len(canary.latencies_ms) // 100) - 1]
    baseline_p99 = sorted(baseline.latencies_ms)[-(-99 * len(baseline.latencies_ms) // 100) - 1]
    return "rollback" if canary_p99 > LATENCY_RATIO * baseline_p99 else "promote"
