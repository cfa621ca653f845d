"""Excel worksheet functions (``AR_AGING``, ``AR_BUCKET``, ``AR_DAYS_PAST_DUE``, ``AR_DSO``, ``AR_CEI``).

The functions live in ``udfs.ar_functions`` (the xlwings shell) and
``udfs.core`` (the logic).
"""
