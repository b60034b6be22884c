"""A larger domain streams through export and import; prints the throughput (no timed
assertions: the machine is shared)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from convergence_jupyter.portability import export_domain, import_domain
from convergence_jupyter.store import Database

from .domain_data import NAME, NS, build_domain, view


def test_tens_of_thousands_of_records_round_trip(db_pair: tuple[str, str], tmp_path: Path) -> None:
    source_url, target_url = db_pair
    archive = tmp_path / "big.jsonl.gz"

    async def main() -> None:
        src = Database.from_url(source_url)
        dst = Database.from_url(target_url)
        try:
            await src.upgrade()
            await dst.upgrade()
            await build_domain(src, models=5, ops_per_model=2_000)
            t0 = time.perf_counter()
            exported = await export_domain(src, NS, NAME, archive)
            t1 = time.perf_counter()
            imported = await import_domain(dst, archive)
            t2 = time.perf_counter()
            assert imported.counts == exported.counts
            assert await view(dst) == await view(src)
        finally:
            await src.close()
            await dst.close()
        n = exported.total
        print(
            f"\n{n} records ({exported.counts['operation']} ops), archive "
            f"{archive.stat().st_size / 1e6:.2f} MB gz: export {t1 - t0:.2f} s "
            f"({n / (t1 - t0):,.0f}/s), import {t2 - t1:.2f} s ({n / (t2 - t1):,.0f}/s)"
        )

    asyncio.run(main())
