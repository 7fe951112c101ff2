"""Speaker and consulting fees under rate cards and caps, the transfer-of-value ledger, audit
flags and the compliance workbench (issue 11, docs/compliance.md)."""
