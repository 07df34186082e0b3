#!/usr/bin/env python3
"""Turns `strata bench kernels --json` output into the Markdown table of docs/performance.md.

Usage: strata bench kernels --json > k.json && python3 scripts/performance_table.py k.json
"""
import json
import sys


def main(path):
    d = json.load(open(path))
    print(f"sgemm 4096³ peak (OpenBLAS, {d['threads']} threads): **{d['sgemm_peak_gflops']:.1f} GFLOPS**"
          + (f"; PyTorch's sgemm in the same run: {2 * 4096**3 / d['torch_sgemm_ms'] / 1e6:.1f} GFLOPS" if d.get("torch_sgemm_ms") else ""))
    print()
    print("| op | shape | Strata ms | GFLOPS | of peak | GB/s | PyTorch ms | Strata/PyTorch |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in d["results"]:
        def f(k, fmt):
            v = r.get(k)
            return "-" if v is None else fmt.format(v)
        pf = "-" if r.get("peak_fraction") is None else f"{r['peak_fraction'] * 100:.0f}%"
        print(f"| {r['op']} | {r['shape']} | {r['ms']:.2f} | {f('gflops', '{:.1f}')} | {pf} | {f('gb_per_s', '{:.1f}')} "
              f"| {f('torch_ms', '{:.2f}')} | {f('ratio', '{:.2f}×')} |")
    ratios = [r["ratio"] for r in d["results"] if r.get("ratio") is not None]
    if ratios:
        print()
        print(f"Worst ratio: {max(ratios):.2f}×; {sum(1 for x in ratios if x <= 0.8)} of {len(ratios)} ops at or below 0.8×.")


if __name__ == "__main__":
    main(sys.argv[1])
