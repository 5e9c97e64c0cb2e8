"""Admin lists that cost the same with a hundred rows or millions.

Django's admin counts a list twice (the filtered rows and the whole table) with COUNT(*),
which reads every row on PostgreSQL. `EstimatedCountPaginator` counts an unfiltered list of a
large table from the planner's statistics instead (`pg_class.reltuples`, kept fresh by
autovacuum), in the same single statement that counts a small table exactly; admins using it
set `show_full_result_count = False`, so the second count is never made.
"""

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

#: Tables with fewer rows (by the planner's estimate) are counted exactly.
ESTIMATE_ABOVE_ROWS = 10_000


class EstimatedCountPaginator(Paginator):
    """Django's paginator; an unfiltered list of a large PostgreSQL table shows an estimated count."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        if query is None or query.where or query.distinct or query.combinator:
            return super().count
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return super().count
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        with connection.cursor() as cursor:
            # CASE evaluates the exact count only for a small (or never analysed) table.
            cursor.execute(
                f"SELECT CASE WHEN reltuples >= %s THEN reltuples::bigint ELSE (SELECT COUNT(*) FROM {table}) END "
                "FROM pg_class WHERE oid = %s::regclass",
                [ESTIMATE_ABOVE_ROWS, table],
            )
            return int(cursor.fetchone()[0])
