"""Optional parts of newsclaims (pip extras) and the one-line message when one is missing."""

from __future__ import annotations

from importlib.util import find_spec

# What each extra is for; pyproject.toml's [project.optional-dependencies] lists its packages.
EXTRAS = {
    "corpus": "the corpus build and its checks (datasets, pyarrow, spaCy)",
    "labelstudio": "pushing rounds to and pulling exports from a running Label Studio (label-studio-sdk)",
    "ray": "validating and building on a distributed engine, Ray Data (ray[data])",
}


class MissingExtra(RuntimeError):
    """A command needs an optional part that is not installed; the message says how to install it."""

    def __init__(self, extra: str, module: str) -> None:
        self.extra, self.module = extra, module
        super().__init__(
            f"this needs {EXTRAS[extra]}, which is not installed (no module {module!r}): "
            f"pip install 'newsclaims[{extra}]'"
        )


def require(extra: str, *modules: str) -> None:
    """Raise ``MissingExtra`` unless every module of ``extra`` can be imported (nothing is imported)."""
    for module in modules:
        if find_spec(module) is None:
            raise MissingExtra(extra, module)
