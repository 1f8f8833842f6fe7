"""Fail when this machine has a C compiler but the validator's screen was not compiled.

The screen (``newsclaims.validation._clean``) is optional so that newsclaims installs where
there is no compiler; where there is one, a missing module means its build failed, and the
tests of the screen would otherwise be skipped and CI stay green.
"""

from __future__ import annotations

import importlib
import shutil
import sys
import sysconfig


def main() -> int:
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        print(f"check_extension: no C compiler ({compiler}): the screen is not expected, the rules run alone")
        return 0
    # The validator's screen, and the JSON reader policy's scanner (newsclaims.core.jsonread).
    for module in ("newsclaims.validation._clean", "newsclaims.core._jsonscan"):
        try:
            importlib.import_module(module)
        except ImportError as e:
            print(
                f"check_extension: {compiler} is here but {module} was not built ({e}); "
                "reinstall (make clean && make venv) and read pip's build output",
                file=sys.stderr,
            )
            return 1
    print("check_extension: the compiled screen and JSON scanner are built")
    return 0


if __name__ == "__main__":
    sys.exit(main())
