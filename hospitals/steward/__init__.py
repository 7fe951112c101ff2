"""Data stewardship of doctors: likely duplicates (:mod:`.duplicates`), merging them with every
record that refers to them and reversing a merge (:mod:`.merge`), and the hook through which
the apps above hospitals say which of their rows refer to a doctor (:mod:`.hooks`)."""
