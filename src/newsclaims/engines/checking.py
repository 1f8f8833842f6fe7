"""``validate`` with its per-document check on an engine.

What runs where. The engine's workers run ``check_units`` on each unit (a document of the
manifest and its annotation files, or the annotation files of no document): they read the
seed (NC504, NC509, NC100) and each gold and round file, and check its shape, records and
spans against the document's text (NC1xx-NC4xx, NC501, NC507, NC508, NC313, NC314). That
needs the index (doc_id -> seed, the entity labels, the cluster stories), which each worker
receives once. The driver keeps what needs every document or the folders: loading the index
(the manifest's and registries' own problems, NC302, NC511-NC513), the manifest against
the names in seeds/ (NC502, NC503, NC505, while the workers check), the layout (NC510), the
same bytes under two names (NC506, merged from what the workers report) and, when the inputs
are clean, the corpus rules NC6xx. ``validation/stream.py`` does the driver's part; this
module is the ``UnitRunner`` it is given, so the problems are the ones the local path finds.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable

from newsclaims.core.collector import collector_paused
from newsclaims.core.problems import Problem
from newsclaims.engines.base import BatchFunction, Engine
from newsclaims.validation.stream import Checked, Context, Unit, UnitRunner, check_units

# Units per batch: checking one takes tens of microseconds when the screen passes it, so a
# batch is large enough that the engine's cost per batch does not show.
UNITS_PER_BATCH = 256


def unit_checker(ctx: Context) -> BatchFunction:
    """The check of a batch of pickled ``(number, unit)`` in a worker: a pickled ``Checked``."""

    def check(items: list[bytes]) -> bytes:
        checked = Checked()
        # As validate_repository does: nothing made here holds a cycle.
        with collector_paused():
            for item in items:
                number, unit = pickle.loads(item)
                checked.add(check_units([unit], ctx, number))
        return pickle.dumps(checked, protocol=pickle.HIGHEST_PROTOCOL)

    return check


def unit_runner(engine: Engine) -> UnitRunner:
    """``check_units`` over every unit on ``engine``; the driver's ``meanwhile`` runs while it works."""

    def run(units: list[Unit], ctx: Context, meanwhile: Callable[[], list[Problem]]) -> Checked:
        items = [pickle.dumps((number, unit), protocol=pickle.HIGHEST_PROTOCOL) for number, unit in enumerate(units)]
        answers = engine.map_batches(items, unit_checker, ctx, UNITS_PER_BATCH)
        first = next(answers, None)  # the engine is at work from here on
        checked = Checked(meanwhile())
        if first is not None:
            checked.add(pickle.loads(first))
        for answer in answers:
            checked.add(pickle.loads(answer))
        return checked

    return run
