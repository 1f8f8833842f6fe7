"""Fail when this machine has a C compiler but the validator's screen was not compiled.

The screen (``newsclaims.validation._clean``) is optional so that newsclaims installs where
there is no compiler; where there is one, a missing module means its build failed, and the
tests of the screen would otherwise be skipped and CI stay green.
"""

from __future__ import annotations

import shutil
import sys
import sysconfig


def main() -> int:
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        print(f"check_extension: no C compiler ({compiler}): the screen is not expected, the rules run alone")
        return 0
    try:
        import newsclaims.validation._clean  # noqa: F401
    except ImportError as e:
        print(
            f"check_extension: {compiler} is here but newsclaims.validation._clean was not built ({e}); "
            "reinstall (make clean && make venv) and read pip's build output",
            file=sys.stderr,
        )
        return 1
    print("check_extension: the compiled screen is built")
    return 0


if __name__ == "__main__":
    sys.exit(main())
