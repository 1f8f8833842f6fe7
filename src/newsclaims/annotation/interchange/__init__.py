"""brat standoff in and out of newsclaims (docs/brat.md).

``mapping`` (what each brat type becomes), ``standoff`` (the ``.ann`` format: parse, write,
offsets), ``problems`` (the NC8xx catalogue), ``convert`` (one ``.ann`` to one annotation file
and back), ``importing`` (a folder of ``.ann`` files into seeds and a round), ``exporting``
(gold or a round's files as brat, with ``annotation.conf``), ``conf`` (``annotation.conf``:
write it, and check files against it).
"""
