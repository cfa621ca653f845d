"""A corpus of damaged, malicious and unusual inputs (issue 10), each made by code, each with the
outcome a collector must get: a clean refusal that names the file, row and column and leaves every
file byte for byte as it was, or a correct result.  ``tests/test_corpus.py`` runs every case;
``python tests/corpus/report.py`` prints how many were tried, refused cleanly, accepted correctly,
and crashed or lost."""
