"""Master-data import from CSV/XLSX: read, check every row, then write all in one transaction.

* :mod:`.reading` — bytes of a CSV (UTF-8 or GBK/GB18030) or XLSX file to numbered rows of text;
* :mod:`.parsers` — one cell of text to a value (choices with Chinese and English aliases,
  dates, months, numbers, lists), or an error with a translatable message;
* :mod:`.specs` — the columns of each kind and the headers they accept;
* :mod:`.kinds` — per kind: resolve references and match existing rows, then write set-based;
* :mod:`.writer` — the bulk writer (COPY into a temporary table, then UPDATE/INSERT … SELECT);
* :mod:`.services` — the use cases: ``import_file`` (synchronous) and the ImportJob life cycle.

docs/import.md describes the formats, the headers and the matching keys for users.
"""
