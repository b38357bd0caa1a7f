"""How a typed query splits into parts, the same in every backend: "quoted phrases" (an
unbalanced quote runs to the end), a trailing `*` for a prefix, and bare words."""

import re

QUERY_TOKEN = re.compile(r'"([^"]*)"?(\*?)|([^\s"]+)')
