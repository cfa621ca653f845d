"""The ERP's exports (open items, customers) read as the ERP writes them, into canonical frames
(``export``); ``ar_xl.actions.sync`` upserts them into the workbook."""
