"""Plain-text formats that are indexed as text but keep their kind: config, markup, logs, code."""

from __future__ import annotations

# Extension -> the kind recorded for the document. They are all extracted as plain text.
FAMILY_BY_EXTENSION = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".ini": "ini",
    ".cfg": "ini",
    ".conf": "ini",
    ".rst": "rst",
    ".org": "org",
    ".tex": "tex",
    ".latex": "tex",
    ".log": "log",
}

# Extension -> programming language, for documents of kind "code".
CODE_LANGUAGE_BY_EXTENSION = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".tsx": "typescript",
    ".java": "java",
    ".kt": "kotlin",
    ".scala": "scala",
    ".go": "go",
    ".rs": "rust",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".hpp": "cpp",
    ".cs": "csharp",
    ".rb": "ruby",
    ".php": "php",
    ".swift": "swift",
    ".sh": "shell",
    ".bash": "shell",
    ".zsh": "shell",
    ".ps1": "powershell",
    ".sql": "sql",
    ".r": "r",
    ".pl": "perl",
    ".lua": "lua",
    ".css": "css",
    ".scss": "css",
    ".vue": "vue",
    ".dart": "dart",
    ".hs": "haskell",
    ".ex": "elixir",
    ".exs": "elixir",
    ".clj": "clojure",
    ".tf": "terraform",
    ".proto": "protobuf",
}

FAMILY_BY_CONTENT_TYPE = {
    "application/yaml": "yaml",
    "application/x-yaml": "yaml",
    "text/yaml": "yaml",
    "text/x-yaml": "yaml",
    "application/toml": "toml",
    "text/x-rst": "rst",
    "text/x-tex": "tex",
    "application/x-tex": "tex",
    "text/x-python": "code",
    "text/javascript": "code",
    "application/javascript": "code",
}

TEXT_FAMILIES = ("yaml", "toml", "ini", "rst", "org", "tex", "log", "code")
