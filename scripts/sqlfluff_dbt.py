"""sqlfluff with its dbt templater on dbt_project/models (make lint, .pre-commit-config.yaml).

The templater compiles each model with the project's dbt, and some macros read the lake while
compiling (the newest partition of a WeCom snapshot): so it runs against a throwaway SIYU_HOME
(data/lint/) holding one empty partition per raw entity of the contracts. Arguments go to sqlfluff
(``lint``/``fix`` and the files).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOME = ROOT / "data" / "lint"
LINT_DATE = "2026-11-24"  # the dt the stub partitions carry (pyproject's templater context: run_date)


def stub_lake() -> None:
    from siyu.contracts import RAW
    from siyu.lake import Lake, Partition

    lake = Lake(str(HOME / "lake"))
    for (source, entity), schema in RAW.items():
        part = Partition(source, entity, LINT_DATE)
        lake.write(part, schema.empty_table())


def main(argv: list[str]) -> int:
    os.environ["SIYU_HOME"] = str(HOME)
    for var in ("SIYU_LAKE", "SIYU_WAREHOUSE"):
        os.environ.pop(var, None)
    from siyu.warehouse import dbt_env

    os.environ.update(dbt_env())
    stub_lake()
    os.chdir(ROOT)
    from sqlfluff.cli.commands import cli

    return cli.main(args=argv, prog_name="sqlfluff", standalone_mode=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
