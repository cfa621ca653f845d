"""Memory and time of reading a large camt.053 (streamed with lxml iterparse).

Writes a camt.053 of N entries (default 300,000: about 110 MB) to a temp folder, reads it in a
child process and prints the file size, the payments read, the seconds and the peak resident
memory.  Usage: python benchmarks/camt_stream.py [entries]
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENTRY = ('<Ntry><NtryRef>E{i}</NtryRef><Amt Ccy="EUR">{a}.{c:02d}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
         "<BookgDt><Dt>2026-11-20</Dt></BookgDt><ValDt><Dt>2026-11-20</Dt></ValDt><AcctSvcrRef>R{i}</AcctSvcrRef>"
         "<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Customer {i} B.V.</Nm></Dbtr><DbtrAcct><Id><IBAN>NL91ABNA0417164300"
         "</IBAN></Id></DbtrAcct></RltdPties><RmtInf><Ustrd>Invoice 2026-{i:06d} thank you for your business</Ustrd>"
         "</RmtInf></TxDtls></NtryDtls></Ntry>\n")

CHILD = """
import resource, sys, time
from ar_xl.bank import extract_report
t = time.perf_counter()
rep = extract_report(sys.argv[1], max_mb=1000)
dt = time.perf_counter() - t
print(len(rep.frame), int(rep.frame['amount'].sum()), round(dt, 1), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "big.xml"
        with open(p, "w", encoding="utf-8") as fh:
            fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
                     "<BkToCstmrStmt><GrpHdr><MsgId>M</MsgId></GrpHdr><Stmt><Id>S</Id>"
                     '<Acct><Id><IBAN>NL20INGB0001234567</IBAN></Id><Ccy>EUR</Ccy></Acct>\n')
            for i in range(n):
                fh.write(ENTRY.format(i=i, a=100 + i % 900, c=i % 100))
            fh.write("</Stmt></BkToCstmrStmt></Document>\n")
        size = p.stat().st_size / 1024 / 1024
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", CHILD, str(p)], capture_output=True, text=True, check=True)
        rows, total, secs, rss = out.stdout.split()
        print(f"camt.053 of {n:,} entries, {size:,.0f} MB: {int(rows):,} payments (total {int(total) / 100:,.2f}) "
              f"in {secs} s, peak memory {int(rss):,} MB (child process, {time.perf_counter() - t:.1f} s wall)")


if __name__ == "__main__":
    main()
