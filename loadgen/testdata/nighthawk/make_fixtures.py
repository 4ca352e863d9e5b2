#!/usr/bin/env python3
"""Writes the Nighthawk fixtures of this directory from Nighthawk's documented
output schema (api/client/output.proto in proto3 JSON, as
test/test_data/output_formatter.json.gold shows it). They are NOT captured
from nighthawk_client, which cannot be built here. Latencies are drawn from a
fixed-seed distribution; percentiles follow HdrStatistic::toProto (HDR
percentile iteration, 5 ticks per half distance: the value and the count of
values at or below it)."""
import json, math, random

def spectrum(values):
    values = sorted(values)
    n = len(values)
    out, level, ticks = [], 0.0, 5
    while True:
        rank = max(1, math.ceil(level / 100 * n))
        v = values[rank - 1]
        count = sum(1 for x in values if x <= v)
        out.append({"percentile": level / 100, "count": str(count), "duration": "%.9fs" % (v / 1e9)})
        if count >= n:
            out.append({"percentile": 1, "count": str(n), "duration": "%.9fs" % (v / 1e9)})
            return out
        half = 100 / (2 ** (int(math.log2(100 / (100 - level))) + 1)) if level < 100 else 0
        level += half / ticks
        level = min(level, 100)

def statistic(sid, values):
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / n)
    return {"count": str(n), "id": sid, "percentiles": spectrum(values),
            "mean": "%.9fs" % (mean / 1e9), "pstdev": "%.9fs" % (sd / 1e9),
            "min": "%.9fs" % (min(values) / 1e9), "max": "%.9fs" % (max(values) / 1e9)}

def result(name, values, counters, start, duration):
    return {"name": name,
            "statistics": [statistic("benchmark_http_client.queue_to_connect", [1500 + v % 700 for v in values]),
                           statistic("benchmark_http_client.request_to_response", values)],
            "counters": [{"name": k, "value": str(v)} for k, v in sorted(counters.items())],
            "execution_duration": duration, "execution_start": start}

def output(rps, conns, conc, duration, workers, counters):
    allv = [v for w in workers for v in w]
    res = [result("worker_%d" % i, w, {k: v // len(workers) for k, v in counters.items()}, "2026-11-30T10:00:00.000120Z", "%d.000081s" % duration)
           for i, w in enumerate(workers)]
    res.append(result("global", allv, counters, "2026-11-30T10:00:00.000120Z", "%d.000081s" % duration))
    return {"options": {"connections": conns, "concurrency": str(conc), "duration": "%ds" % duration,
                        "requests_per_second": rps, "output_format": "JSON"},
            "results": res, "version": {"version": {"major_number": 0, "minor_number": 3, "patch": 0}},
            "timestamp": "2026-11-30T10:00:05.100000Z"}

r = random.Random(7)
lat = lambda n, med: [int(med * math.exp(r.gauss(0, 0.35))) for _ in range(n)]

ok = [lat(2500, 180_000), lat(2500, 185_000)]
with open("ok-rps1000-c4-concurrency2.json", "w") as f:
    json.dump(output(500, 2, 2, 5, ok, {"benchmark.http_2xx": 5000, "upstream_cx_http1_total": 4, "upstream_cx_total": 4,
              "upstream_cx_rx_bytes_total": 880000, "upstream_cx_tx_bytes_total": 300000, "upstream_rq_pending_total": 4,
              "upstream_rq_total": 5000}), f, indent=1)

# A target that stalls: 1% of the answers take 200 ms.
stall = [lat(1980, 400_000) + [200_000_000 + r.randint(0, 2_000_000) for _ in range(20)]]
with open("stall-rps200.json", "w") as f:
    json.dump(output(200, 8, 1, 10, stall, {"benchmark.http_2xx": 2000, "upstream_cx_http1_total": 8, "upstream_cx_total": 8,
              "upstream_cx_rx_bytes_total": 300000, "upstream_rq_total": 2000}), f, indent=1)

errs = [lat(1497, 300_000)]
with open("errors-rps500.json", "w") as f:
    json.dump(output(500, 4, 1, 3, errs, {"benchmark.http_2xx": 1200, "benchmark.http_4xx": 30, "benchmark.http_5xx": 250,
              "benchmark.pool_connection_failure": 12, "upstream_cx_connect_timeout": 2, "benchmark.stream_resets": 5,
              "benchmark.pool_overflow": 7, "upstream_cx_connect_fail": 12, "upstream_cx_total": 16,
              "upstream_cx_rx_bytes_total": 250000, "upstream_rq_total": 1485}), f, indent=1)
