"""The archive covers the whole schema: every table is carried or excluded with a reason, and
every column of a carried table is in its records (as a value or as a natural key)."""

from __future__ import annotations

from convergence_jupyter.store.domain_archive import (
    EXCLUDED,
    SECTIONS,
    _plain_columns,
    _surrogate,
    _table,
)
from convergence_jupyter.store.tables import metadata


def test_every_table_is_carried_or_excluded_with_a_reason() -> None:
    carried = {s.table for s in SECTIONS}
    assert not carried & set(EXCLUDED), "a table is both carried and excluded"
    unclassified = set(metadata.tables) - carried - set(EXCLUDED)
    assert not unclassified, (
        f"new tables {sorted(unclassified)}: add them to SECTIONS (store/domain_archive.py) "
        "or to EXCLUDED with the reason"
    )
    assert all(reason.strip() for reason in EXCLUDED.values())


def test_every_column_of_a_carried_table_is_in_its_records() -> None:
    for section in SECTIONS:
        table = _table(section)
        covered = {c.name for c in _plain_columns(section)} | {r.column for r in section.refs}
        surrogate = _surrogate(table)
        dropped = {"domain_id"} | ({surrogate.name} if surrogate is not None else set())
        if section.name == "chat":
            dropped.add("direct_key")  # re-derived from the new member pks
        missing = {c.name for c in table.columns} - covered - dropped
        assert not missing, f"{section.table}: columns {sorted(missing)} are not carried"
        # every foreign key other than the domain is a reference with a natural key
        for column in table.columns:
            if column.foreign_keys and column.name != "domain_id":
                assert column.name in {r.column for r in section.refs}, (
                    f"{section.table}.{column.name} points at another row but is carried "
                    "as a raw pk"
                )
        assert "type" not in table.columns and "@type" not in table.columns


def test_references_name_sections_loaded_earlier() -> None:
    seen: set[str] = set()
    for section in SECTIONS:
        for ref in section.refs:
            assert ref.kind in seen, f"{section.name}.{ref.field} refers forward to {ref.kind}"
        if section.key is not None:
            seen.add(section.key)
